"""One approval through the service, against two references on the same database:

- floor: one UPDATE and one INSERT in one transaction through the ORM;
- viewflow: completing the one human task of a minimal flow (Start → View → End);
- approval: `workflows.services.approve_request` (permission check, FSM, the flow's task
  completed and the next one opened, audit event, document version, notification rows).

Every run acts on a fresh object built beforehand (untimed), the three are interleaved so
drift hits them alike, and each is timed with a fresh user object, as a web request has.
SQL statements are counted in a separate, untimed pass.
"""

import itertools

from .common import (
    arguments,
    count_queries,
    database_label,
    emit,
    log,
    query_counts,
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
    for index in range(runs + warmup):
        for name, make in cases.items():
            run = make(index)
            user = User.objects.get(pk=gerente_pk)  # fresh, like the user of a web request
            if index < warmup:
                run(user)
                continue
            with stopwatch(samples[name]):
                run(user)

    queries, statements = {}, {}
    for name, make in cases.items():
        run = make(total - 1)
        user = User.objects.get(pk=gerente_pk)
        _count, statements[name] = count_queries(lambda run=run, user=user: run(user))
        queries[name] = query_counts(statements[name])

    approved = MaterialRequest.objects.filter(pk__in=pending, state=State.APPROVED).count()
    if approved != total:
        raise SystemExit(f"only {approved} of {total} requests were approved")
    emit(
        {
            "scenario": "approval",
            "database": database_label(),
            "timings": {name: summary(values) for name, values in samples.items()},
            "queries": queries,
            "approval_statements": statements["approval"],
        }
    )


if __name__ == "__main__":
    main()
