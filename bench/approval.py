"""One approval through the service, against two references on the same database:

- floor: one UPDATE and one INSERT in one transaction through the ORM;
- viewflow: completing the one human task of a minimal flow (Start → View → End);
- approval: `workflows.services.approve_request` (permission check, FSM, the flow's task
  completed and the next one opened, audit event, document version, notification rows),
  with its after-commit callbacks (the push and its unread count) that run in the
  caller's thread: what a person waits for.

The work the approval hands to the task queue (the new version's DOCX render; emails) is
held during the timed call and run right after it, outside the timed window, and timed
as its own line ("deferred"): without a broker the queue's threads would otherwise render
while the next floor, viewflow and approval calls are timed.

Every run acts on a fresh object built beforehand (untimed), the three are interleaved so
drift hits them alike, and each is timed with a fresh user object, as a web request has.
SQL statements are counted in a separate, untimed pass (CaptureQueriesContext) and the
approval's are grouped by purpose (bench/sqlgroups.py).
"""

import itertools

from . import sqlgroups
from .common import (
    arguments,
    commit_hook_timer,
    count_queries,
    database_label,
    emit,
    held_tasks,
    log,
    query_counts,
    run_held,
    setup_django,
    stopwatch,
    summary,
)

WARMUP = 5


def main():
    args = arguments(__doc__)
    setup_django()

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import F
    from viewflow.workflow.models import Task

    from notifications.models import Kind as NotificationKind
    from notifications.models import Notification
    from tests.factories import build_organization, request_in_state
    from workflows.models import Kind, MaterialRequest, State
    from workflows.services import approve_request

    from .flows import MinimalFlow

    runs = args.runs or (20 if args.quick else 200)
    warmup = min(WARMUP, runs)
    total = runs + warmup + 1  # +1: the untimed pass that counts queries
    User = get_user_model()

    units, users = build_organization()
    gerente_pk = users["gerente"].pk
    log(f"building {total} requests pending approval through the services")
    kinds = itertools.cycle(Kind.values)
    pending = [request_in_state(users, units, State.PENDING_APPROVAL, kind=next(kinds)).pk for _ in range(total)]
    log(f"starting {total} minimal viewflow processes")
    processes = [MinimalFlow.start.run().pk for _ in range(total)]
    floor_rows = pending  # any existing rows will do: the floor updates one and inserts one

    def floor(index):
        def run(user):
            with transaction.atomic():
                MaterialRequest.objects.filter(pk=floor_rows[index]).update(revision=F("revision") + 1)
                Notification.objects.create(
                    recipient=user, kind=NotificationKind.APPROVAL, message="Aviso de prueba del benchmark"
                )

        return run

    def viewflow(index):
        def run(user):
            with transaction.atomic(), MinimalFlow.lock(processes[index]):
                task = Task.objects.get(process_id=processes[index], flow_task_type="HUMAN", status="NEW")
                activation = task.flow_task.activation_class(task)
                activation.assign(user)
                activation.start(None)
                activation.execute()

        return run

    def approval(index):
        material_request = MaterialRequest.objects.get(pk=pending[index])

        def run(user):
            approve_request(user, material_request, comment="Conforme.")

        return run

    cases = {"floor": floor, "viewflow": viewflow, "approval": approval}
    samples = {name: [] for name in cases}
    after_commit, deferred = [], []  # the approval's after-commit callbacks; its queued tasks, run after
    with held_tasks() as held, commit_hook_timer() as hooks:
        for index in range(runs + warmup):
            for name, make in cases.items():
                run = make(index)
                user = User.objects.get(pk=gerente_pk)  # fresh, like the user of a web request
                if index < warmup:
                    run(user)
                    run_held(held)
                    continue
                hooks.clear()
                with stopwatch(samples[name]):
                    run(user)
                if name == "approval":
                    after_commit.append(sum(hooks))
                    with stopwatch(deferred):
                        run_held(held)
                elif held:
                    raise SystemExit(f"{name} queued tasks: {held}")

        queries, statements = {}, {}
        for name, make in cases.items():
            run = make(total - 1)
            user = User.objects.get(pk=gerente_pk)
            _count, statements[name] = count_queries(lambda run=run, user=user: run(user))
            queries[name] = query_counts(statements[name])
            if name == "approval":
                deferred_names = [getattr(task, "name", None) or task.__qualname__ for task, _args in held]
                _count, deferred_statements = count_queries(lambda: run_held(held))
                queries["deferred"] = query_counts(deferred_statements)

    approved = MaterialRequest.objects.filter(pk__in=pending, state=State.APPROVED).count()
    if approved != total:
        raise SystemExit(f"only {approved} of {total} requests were approved")
    emit(
        {
            "scenario": "approval",
            "database": database_label(),
            "timings": {
                **{name: summary(values) for name, values in samples.items()},
                "after_commit": summary(after_commit),
                "deferred": summary(deferred),
            },
            "queries": queries,
            "deferred_tasks": sorted(set(deferred_names)),
            "approval_groups": sqlgroups.group(statements["approval"]),
            "approval_after_commit": sqlgroups.after_commit(statements["approval"]),
            "approval_statements": statements["approval"],
        }
    )


if __name__ == "__main__":
    main()
