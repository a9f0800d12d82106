"""Where the time goes, for the targets the benchmark misses: pyinstrument over one case.

    python -m bench.profile approval|inbox|docx|consumer [--db sqlite|postgres] [--flat]

Builds its own data like the scenario does (smaller), profiles the repeated case and
prints pyinstrument's call tree (or, with --flat, functions by their own time).
Run it like a scenario: the parent is not needed, SQLITE_PATH or DATABASE_URL says where.
"""

import argparse
import json
import os
import tempfile

from .common import held_tasks, log, setup_django

RUNS = {"approval": 40, "inbox": 20, "docx": 20, "consumer": 50}


def _approval(users, units):
    from django.contrib.auth import get_user_model

    from tests.factories import request_in_state
    from workflows.models import MaterialRequest, State
    from workflows.services import approve_request

    pending = [request_in_state(users, units, State.PENDING_APPROVAL).pk for _ in range(RUNS["approval"] + 3)]
    User = get_user_model()

    def once(index):
        # The approval alone: the DOCX render it queues is dropped, not run in a thread
        # during the profile (`python -m bench.profile docx` profiles the render).
        with held_tasks() as held:
            gerente = User.objects.get(username="gerente")
            approve_request(gerente, MaterialRequest.objects.get(pk=pending[index]), comment="Conforme.")
        held.clear()

    return once


def _inbox(users, units, large=False):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .data import Copier, templates
    from .inbox import LARGE, SMALL

    Copier(templates(users, units), notified_user=users["gerente"]).copy(LARGE if large else SMALL)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(users["gerente"])
    client.get("/bandeja/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/bandeja/")
    print("The page's statements, slowest first (seconds):")
    for query in sorted(captured.captured_queries, key=lambda query: -float(query["time"]))[:8]:
        print(f"{float(query['time']):8.3f}  {query['sql'][:300]}")
    return lambda index: client.get("/bandeja/")


def _docx(users, units):
    from documents.models import DocumentVersion
    from documents.rendering import render_docx
    from tests.factories import advance, create_request
    from workflows.models import Kind, State

    from .docx import LONG_BODY_PARAGRAPHS, PARAGRAPH

    body = "\n\n".join(f"{index}. {PARAGRAPH}" for index in range(1, LONG_BODY_PARAGRAPHS + 1))
    draft = create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION, body=body)
    request = advance(draft, State.APPROVED, users)
    version = DocumentVersion.objects.filter(request=request).order_by("-number").first()
    return lambda index: render_docx(version)


def _consumer(users, units):
    """What a worker process does for one change seen by 500 people: hand the frames the
    sender composed to its 500 sockets (Fanout.hand_out; the consumers read nothing).
    The sockets' writes are stubbed: daphne's share is not in this profile."""
    import asyncio

    from notifications.consumers import Fanout, NotificationConsumer
    from notifications.payloads import fanout_message, request_state_payload
    from tests.factories import request_in_state
    from workflows.models import State

    request = request_in_state(users, units, State.APPROVED)
    fanout = Fanout(layer=None, loop=None, key=None)
    sent = []

    async def base_send(message):
        sent.append(message)

    for user_pk in range(1, 501):
        consumer = NotificationConsumer()
        consumer.user_pk, consumer.accepted, consumer.base_send = user_pk, True, base_send
        fanout.sockets[user_pk] = {consumer}
    changed = json.dumps({"type": "request_changed", **request_state_payload(request)})
    message = fanout_message({(changed,): list(range(1, 501))})
    loop = asyncio.new_event_loop()
    return lambda index: loop.run_until_complete(fanout.hand_out(message))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=sorted(RUNS))
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--flat", action="store_true", help="functions by their own time instead of the tree")
    parser.add_argument("--large", action="store_true", help="inbox: at 100,000 requests instead of 1,000")
    args = parser.parse_args()
    if args.db == "sqlite" and "SQLITE_PATH" not in os.environ:
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="pubs-profile-"), "db.sqlite3")
    setup_django()

    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    from tests.factories import build_organization

    units, users = build_organization()
    log(f"building data for {args.case}")
    build = {"approval": _approval, "inbox": _inbox, "docx": _docx, "consumer": _consumer}[args.case]
    once = build(users, units, large=True) if args.large and args.case == "inbox" else build(users, units)
    for index in range(3):
        once(index)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for index in range(3, 3 + RUNS[args.case]):
        once(index)
    profiler.stop()
    print(f"{RUNS[args.case]} × {args.case}")
    print(profiler.output(ConsoleRenderer(unicode=False, color=False, flat=args.flat, short_mode=False)))


if __name__ == "__main__":
    main()
