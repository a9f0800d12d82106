"""The data migration that rebuilds decisions from the audit log (workflows/0005), run on
the demo database: built by `seed_demo` through the services (which write decisions as
they go), taken back to the schema before decisions existed (the table is dropped, the
audit log stays), then forward again, so the migration rebuilds every row from the log."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import AuditEvent
from documents.models import DocumentVersion
from documents.services import download_docx
from organization.services import create_delegation
from workflows import services
from workflows.models import Decision, MaterialRequest, State

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = ("workflows", "0003_publication_schedule")
migration = import_module("workflows.migrations.0005_decisions_from_audit_log")

# What a rebuilt row must say as the live one did (its id and time come from the event).
FACTS = (
    "request_id",
    "action",
    "from_state",
    "to_state",
    "actor_id",
    "acting_for_id",
    "by_system",
    "reason",
    "version_id",
    "version_number",
)


def facts_by_event() -> dict[int, tuple]:
    return {row["audit_event_id"]: tuple(row[name] for name in FACTS) for row in Decision.objects.values()}


def migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))


def table_exists() -> bool:
    with connection.cursor() as cursor:
        return "workflows_decision" in connection.introspection.table_names(cursor)


def person(username):
    return get_user_model().objects.get(username=username)


def add_what_the_demo_lacks():
    """An encargado's approval (after a download, an event that names a version it did not
    make), the reopen an edit after approval causes, and a publication the scheduled job
    made on the publicador's behalf."""
    pending = MaterialRequest.objects.filter(state=State.PENDING_APPROVAL).order_by("pk").first()
    reviewers = set(
        AuditEvent.objects.filter(object_id=str(pending.pk), action__in=("forward", "observe", "edit")).values_list(
            "actor_username", flat=True
        )
    )
    delegate = next(name for name in ("revisor2", "revisor1") if name not in reviewers)
    # A download names a version in the request's chain without making one.
    download_docx(person("gerente"), DocumentVersion.objects.filter(request=pending).order_by("-number").first())
    today = timezone.localdate()
    create_delegation(
        person("gerente"),
        delegate=person(delegate),
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="Resolución de Gerencia N.° 099-2026",
    )
    approved = services.approve_request(person(delegate), pending, comment="Conforme, por encargo.")
    services.update_request(
        person("gerente"), approved, fields={"title": "Título corregido"}, details={}, expected_revision=None
    )
    ready = MaterialRequest.objects.filter(state=State.APPROVED).order_by("pk").first()
    services.publish_request(person("publicador"), ready, channel="Portal web", date=today, by_system=True)


def test_the_migration_rebuilds_every_decision_of_the_demo_from_the_audit_log():
    call_command("seed_demo", verbosity=0)
    add_what_the_demo_lacks()
    live = facts_by_event()
    assert len(live) >= 30, "the demo should hold many decisions"
    assert any(row[FACTS.index("acting_for_id")] for row in live.values())
    assert any(row[FACTS.index("by_system")] for row in live.values())
    assert any(row[FACTS.index("action")] == "reopen" for row in live.values())
    events_before = AuditEvent.objects.count()

    migrate(BEFORE)
    assert not table_exists()
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    migrate(*leaves)

    # The same rows as the transitions wrote, each linked to the same event.
    assert facts_by_event() == live
    assert AuditEvent.objects.count() == events_before  # the log is read, never written
    for material_request in MaterialRequest.objects.all():
        events = list(
            AuditEvent.objects.filter(
                object_type="workflows.materialrequest",
                object_id=str(material_request.pk),
                action__in=migration.STATE_CHANGES,
            ).order_by("sequence")
        )
        rows = list(Decision.objects.filter(request=material_request))  # in their own order
        assert len(rows) == len(events), material_request.reference
        assert [row.audit_event_id for row in rows] == [event.pk for event in events]
        assert [row.action for row in rows] == [event.action for event in events]
        assert [row.created_at for row in rows] == [event.occurred_at for event in events]
        assert [(row.from_state, row.to_state) for row in rows] == [(e.from_state, e.to_state) for e in events]
        for row, event in zip(rows, events, strict=True):
            if row.by_system:
                assert (event.actor_id, event.on_behalf_of_id) == (None, row.actor_id)
            else:
                assert (row.actor_id, row.acting_for_id) == (event.actor_id, event.on_behalf_of_id)

    # Idempotent: a second run adds nothing and changes nothing.
    migration.build_decisions(global_apps, None)
    assert facts_by_event() == live
