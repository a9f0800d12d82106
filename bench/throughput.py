"""Approvals per second: 8 clients approve distinct requests pending approval, built
beforehand through the services, as fast as they can. Each client is its own process
with its own database connection (as web workers are: threads of one process would share
one interpreter lock and measure it instead). Approvals per second = approvals / wall time
from the common start to the last client's end."""

import itertools
import multiprocessing
import time

from .common import arguments, database_label, emit, log, setup_django, summary

CLIENTS = 8


def _client(pks, gerente_pk, barrier, results):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from workflows.models import MaterialRequest
    from workflows.services import approve_request

    User = get_user_model()
    latencies, error = [], None
    requests = [MaterialRequest.objects.get(pk=pk) for pk in pks]
    barrier.wait()
    try:
        for material_request in requests:
            user = User.objects.get(pk=gerente_pk)
            start = time.perf_counter()
            approve_request(user, material_request, comment="Conforme.")
            latencies.append(time.perf_counter() - start)
    except Exception as failure:  # reported, and the run fails below
        error = repr(failure)
    finally:
        connection.close()
        results.put((latencies, error, time.perf_counter()))


def main():
    args = arguments(__doc__)
    setup_django()

    from django.db import connection

    from tests.factories import build_organization, request_in_state
    from workflows.models import Kind, MaterialRequest, State

    per_client = args.runs or (5 if args.quick else 50)
    units, users = build_organization()
    kinds = itertools.cycle(Kind.values)
    total = CLIENTS * per_client
    log(f"building {total} requests pending approval")
    pending = [request_in_state(users, units, State.PENDING_APPROVAL, kind=next(kinds)).pk for _ in range(total)]
    gerente_pk = users["gerente"].pk
    label = database_label()
    connection.close()  # each forked client opens its own

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(CLIENTS + 1)
    results = context.Queue()
    clients = [
        context.Process(target=_client, args=(pending[index::CLIENTS], gerente_pk, barrier, results))
        for index in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    barrier.wait()
    started = time.perf_counter()
    latencies, errors, ended = [], [], started
    for _ in clients:
        mine, error, finished = results.get(timeout=1800)
        latencies += mine
        ended = max(ended, finished)
        if error:
            errors.append(error)
    for client in clients:
        client.join()
    wall = ended - started
    if errors:
        raise SystemExit(f"{len(errors)} clients failed: {errors[:3]}")
    approved = MaterialRequest.objects.filter(pk__in=pending, state=State.APPROVED).count()
    if approved != total:
        raise SystemExit(f"only {approved} of {total} requests were approved ({len(latencies)} timed)")
    emit(
        {
            "scenario": "throughput",
            "database": label,
            "clients": CLIENTS,
            "approvals": total,
            "wall_s": wall,
            "per_second": total / wall,
            "latency": summary(latencies),
        }
    )


if __name__ == "__main__":
    main()
