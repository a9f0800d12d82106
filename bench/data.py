"""Many requests that look real, fast: a few templates are built through the services
(so their rows are exactly what the services write), then copied row by row in raw SQL:
the request, its details, its per-object permission rows (guardian), its viewflow process
and tasks, and the notification its gerente received. Copies differ in id, reference,
title and dates. Not copied: audit events and document versions, which no page measured
here reads, and viewflow's task-to-task links (`Task.previous`)."""

import itertools
import random
from datetime import timedelta

from .common import log

BATCH = 2_000


def templates(users, units):
    """One request per (open task, kind), plus published ones: built through the services."""
    from tests.factories import request_in_state
    from workflows.models import Kind, State
    from workflows.services import observe_request

    built = {}
    for kind in Kind.values:
        built[("approval", kind)] = request_in_state(users, units, State.PENDING_APPROVAL, kind=kind)
        built[("publication", kind)] = request_in_state(users, units, State.APPROVED, kind=kind)
        built[("review", kind)] = request_in_state(users, units, State.IN_REVIEW, kind=kind)
        in_review = request_in_state(users, units, State.IN_REVIEW, kind=kind, author="social1", unit="social")
        built[("correction", kind)] = observe_request(users["revisor1"], in_review, comment="Precise el público.")
        built[("closed", kind)] = request_in_state(
            users, units, State.PUBLISHED, kind=kind, author="obras1", unit="obras"
        )
    return built


class Table:
    """One table's column names, its template rows as the database returns them, and the
    next free id (ids are given explicitly; PostgreSQL's sequences are reset at the end)."""

    def __init__(self, model):
        from django.db import connection

        self.model = model
        self.name = model._meta.db_table
        self.columns = [field.column for field in model._meta.concrete_fields]
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT MAX("id") FROM "{self.name}"')  # noqa: S608 - table names from models
            self.next_id = (cursor.fetchone()[0] or 0) + 1000
        self.pending: list[list] = []

    def select(self, where: str, params) -> list[list]:
        from django.db import connection

        quoted = ", ".join(f'"{column}"' for column in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT {quoted} FROM "{self.name}" WHERE {where} ORDER BY "id"', params)  # noqa: S608
            return [list(row) for row in cursor.fetchall()]

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def flush(self) -> None:
        from django.db import connection

        if not self.pending:
            return
        quoted = ", ".join(f'"{column}"' for column in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{self.name}" ({quoted}) VALUES ({marks})', self.pending)  # noqa: S608
        self.pending = []


class Copier:
    """Copies template requests with everything the inbox and the lists read about them."""

    def __init__(self, built, notified_user):
        from django.contrib.contenttypes.models import ContentType
        from viewflow.workflow.models import Process, Task

        from notifications.models import Notification
        from workflows.models import (
            DETAILS_MODELS,
            MaterialRequest,
            MaterialRequestGroupObjectPermission,
            MaterialRequestUserObjectPermission,
        )

        content_type = ContentType.objects.get_for_model(MaterialRequest)
        self.t = {
            "request": Table(MaterialRequest),
            "group_perm": Table(MaterialRequestGroupObjectPermission),
            "user_perm": Table(MaterialRequestUserObjectPermission),
            "process": Table(Process),
            "task": Table(Task),
            "notification": Table(Notification),
            **{f"details:{kind}": Table(model) for kind, model in DETAILS_MODELS.items()},
        }
        self.notified_user = notified_user
        self.templates = {}
        for key, request in built.items():
            process = Process.objects.get(artifact_content_type=content_type, artifact_object_id=request.pk)
            details = f"details:{request.kind}"
            self.templates[key] = {
                "pk": request.pk,
                "request": self.t["request"].select('"id" = %s', [request.pk])[0],
                "details": (details, self.t[details].select('"request_id" = %s', [request.pk])[0]),
                "group_perm": self.t["group_perm"].select('"content_object_id" = %s', [request.pk]),
                "user_perm": self.t["user_perm"].select('"content_object_id" = %s', [request.pk]),
                "process": self.t["process"].select('"id" = %s', [process.pk])[0],
                "task": self.t["task"].select('"process_id" = %s', [process.pk]),
            }
        self.counter = itertools.count(1)
        self.random = random.Random(42)  # noqa: S311 - spread of dates, not secrets

    def copy(self, plan: dict[str, int]) -> int:
        """Add requests: `plan` maps a template role ("approval", "closed"...) to how many."""
        from django.db import transaction
        from django.utils import timezone

        jobs = []
        for role, count in plan.items():
            keys = [key for key in self.templates if key[0] == role]
            jobs += [keys[i % len(keys)] for i in range(count)]
        self.random.shuffle(jobs)
        now = timezone.now()
        for start in range(0, len(jobs), BATCH):
            with transaction.atomic():
                for key in jobs[start : start + BATCH]:
                    self._one(key, now)
                for table in self.t.values():
                    table.flush()
            if (start // BATCH) % 10 == 9:
                log(f"{min(start + BATCH, len(jobs)):,} of {len(jobs):,} requests copied")
        self._reset_sequences()
        return len(jobs)

    def _one(self, key, now):
        from django.db import connection

        adapt = connection.ops.adapt_datetimefield_value
        t, template = self.t, self.templates[key]
        number = next(self.counter)
        created = now - timedelta(days=self.random.uniform(1 if key[0] != "closed" else 30, 900))
        created_db = adapt(created)

        row = list(template["request"])
        request_id = t["request"].new_id()
        row[t["request"].index("id")] = request_id
        row[t["request"].index("reference")] = f"BEN-2026-{number:06d}"
        row[t["request"].index("title")] = f"{row[t['request'].index('title')]} ({number})"
        row[t["request"].index("client_token")] = None
        row[t["request"].index("created_at")] = created_db
        row[t["request"].index("updated_at")] = created_db
        t["request"].pending.append(row)

        details_table, details_row = template["details"]
        row = list(details_row)
        row[t[details_table].index("id")] = t[details_table].new_id()
        row[t[details_table].index("request_id")] = request_id
        t[details_table].pending.append(row)

        for name in ("group_perm", "user_perm"):
            for template_row in template[name]:
                row = list(template_row)
                row[t[name].index("id")] = t[name].new_id()
                row[t[name].index("content_object_id")] = request_id
                t[name].pending.append(row)

        row = list(template["process"])
        process_id = t["process"].new_id()
        row[t["process"].index("id")] = process_id
        row[t["process"].index("artifact_object_id")] = request_id
        row[t["process"].index("created")] = created_db
        t["process"].pending.append(row)

        task = t["task"]
        for template_row in template["task"]:
            row = list(template_row)
            row[task.index("id")] = task.new_id()
            row[task.index("process_id")] = process_id
            row[task.index("created")] = created_db
            if row[task.index("owner_permission_obj_pk")] == str(template["pk"]):
                row[task.index("owner_permission_obj_pk")] = str(request_id)
            if row[task.index("artifact_object_id")] == template["pk"]:
                row[task.index("artifact_object_id")] = request_id
            task.pending.append(row)

        notification = t["notification"]
        values = {
            "id": notification.new_id(),
            "recipient_id": self.notified_user.pk,
            "kind": "task_assigned",
            "request_id": request_id,
            "actor_id": None,
            "message": f"Se derivó BEN-2026-{number:06d} a aprobación",
            "url": f"/solicitudes/{request_id}/",
            "created_at": created_db,
            "read_at": adapt(created + timedelta(hours=2)),
            "dedupe_key": "",
        }
        notification.pending.append([values[column] for column in notification.columns])

    def _reset_sequences(self):
        from django.core.management.color import no_style
        from django.db import connection

        statements = connection.ops.sequence_reset_sql(no_style(), [table.model for table in self.t.values()])
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
