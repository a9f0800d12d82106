"""Approvals per second: 8 clients (threads, each with its own database connection)
approve distinct requests pending approval, built beforehand through the services, as
fast as they can. Approvals per second = approvals / wall time from the common start."""

import itertools
import threading
import time

from .common import arguments, database_label, emit, log, setup_django, summary

CLIENTS = 8


def main():
    args = arguments(__doc__)
    setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection

    from tests.factories import build_organization, request_in_state
    from workflows.models import Kind, MaterialRequest, State
    from workflows.services import approve_request

    per_client = args.runs or (5 if args.quick else 50)
    units, users = build_organization()
    kinds = itertools.cycle(Kind.values)
    total = CLIENTS * per_client
    log(f"building {total} requests pending approval")
    pending = [request_in_state(users, units, State.PENDING_APPROVAL, kind=next(kinds)).pk for _ in range(total)]
    gerente_pk = users["gerente"].pk
    connection.close()

    barrier = threading.Barrier(CLIENTS + 1)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(pks):
        from django.db import connection as own

        User = get_user_model()
        mine, requests = [], [MaterialRequest.objects.get(pk=pk) for pk in pks]
        barrier.wait()
        try:
            for material_request in requests:
                user = User.objects.get(pk=gerente_pk)
                start = time.perf_counter()
                approve_request(user, material_request, comment="Conforme.")
                mine.append(time.perf_counter() - start)
        except Exception as error:  # reported, and the run fails below
            errors.append(repr(error))
        finally:
            own.close()
            with lock:
                latencies.extend(mine)

    threads = [
        threading.Thread(target=client, args=(pending[index::CLIENTS],), name=f"client-{index}")
        for index in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} clients failed: {errors[:3]}")
    approved = MaterialRequest.objects.filter(pk__in=pending, state=State.APPROVED).count()
    if approved != total:
        raise SystemExit(f"only {approved} of {total} requests were approved")
    emit(
        {
            "scenario": "throughput",
            "database": database_label(),
            "clients": CLIENTS,
            "approvals": total,
            "wall_s": wall,
            "per_second": total / wall,
            "latency": summary(latencies),
        }
    )


if __name__ == "__main__":
    main()
