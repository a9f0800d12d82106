"""Websocket: from the commit of an approval to the receipt of its hint by the sockets of
the people who see the request, with real sockets against daphne on loopback.

The requesting unit has 500 members besides its usual ones; each connects one socket
(logged in by a session cookie, with the site's Origin). Every round, the gerente approves
one request of that unit inside the daphne process (bench/asgi.py); every member's socket
then receives a "request_changed" hint, which the consumer builds after re-reading the
request and checking the member may still see it. Measured: commit → receipt at each
socket, with 1 socket connected and with 500 (one round = 1 or 500 receipts), on the
in-memory layer or on Redis (REDIS_URL set by the parent), SQLite database.
"""

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .common import emit, log, percentile, setup_django

MEMBERS = 500
WARMUP = 3
TIMEOUT = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(rounds: int):
    """Organization, 500 unit members with sessions, and requests pending approval."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection

    from organization.models import Membership
    from organization.roles import Role
    from tests.factories import PASSWORD, build_organization, request_in_state
    from workflows.models import State

    units, users = build_organization()
    log(f"building {rounds} requests pending approval")
    pending = [request_in_state(users, units, State.PENDING_APPROVAL).pk for _ in range(rounds)]
    log(f"adding {MEMBERS} members to the unit (bulk rows: user, membership, groups), each with a session")
    User = get_user_model()
    unit = units["rentas"]
    hashed = make_password(PASSWORD)
    members = User.objects.bulk_create(User(username=f"vecino{index:03d}", password=hashed) for index in range(MEMBERS))
    Membership.objects.bulk_create(Membership(user=member, unit=unit) for member in members)
    solicitante = Group.objects.get(name=Role.SOLICITANTE.value)
    Through = User.groups.through
    Through.objects.bulk_create(
        Through(user_id=member.pk, group_id=group_id)
        for member in members
        for group_id in (unit.group_id, solicitante.pk)
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []
    for member in members:
        session = store()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    connection.close()
    return pending, sessions


def _start_daphne(port: int, log_path: Path) -> subprocess.Popen:
    daphne = Path(sys.executable).parent / "daphne"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "bench.asgi:application"],
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"daphne exited:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ingresar/", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"daphne did not answer in 60 s:\n{log_path.read_text()[-3000:]}")


class Clients:
    """N sockets, each recording when the hint about a request reached it."""

    def __init__(self, port: int):
        self.port = port
        self.sockets = []
        self.readers = []
        self.received: dict[int, dict[int, float]] = {}  # request pk -> socket index -> time
        self.waiters: dict[int, tuple[int, asyncio.Event]] = {}
        self.closed: list[str] = []  # close codes of sockets the server closed

    async def connect(self, session_keys):
        import websockets

        origin = f"http://127.0.0.1:{self.port}"

        async def one(key):
            return await websockets.connect(
                f"ws://127.0.0.1:{self.port}/ws/notificaciones/",
                origin=origin,
                additional_headers={"Cookie": f"sessionid={key}"},
                open_timeout=TIMEOUT,
                max_queue=None,
            )

        for start in range(0, len(session_keys), 50):
            self.sockets += await asyncio.gather(*(one(key) for key in session_keys[start : start + 50]))
        self.readers = [asyncio.create_task(self._read(index, ws)) for index, ws in enumerate(self.sockets)]

    async def _read(self, index, ws):
        import websockets

        try:
            async for message in ws:
                now = time.time()
                data = json.loads(message)
                if data.get("type") != "request_changed":
                    continue
                pk = data.get("request_id")
                got = self.received.setdefault(pk, {})
                got.setdefault(index, now)
                expected, event = self.waiters.get(pk, (None, None))
                if event is not None and len(got) >= expected:
                    event.set()
        except websockets.ConnectionClosed as closed:
            self.closed.append(f"{closed.rcvd.code if closed.rcvd else 'no close frame'}")

    async def approve_and_wait(self, pk: int) -> tuple[list[float], int]:
        """Approve, wait for every socket's hint (up to TIMEOUT); the latencies received,
        and how many sockets never got theirs."""
        event = asyncio.Event()
        self.waiters[pk] = (len(self.sockets), event)
        if len(self.received.get(pk, {})) >= len(self.sockets):
            event.set()
        url = f"http://127.0.0.1:{self.port}/__bench__/approve/{pk}/"
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=TIMEOUT).read())
        committed = json.loads(body)["committed"]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), TIMEOUT)
        got = self.received.get(pk, {})
        return [received - committed for received in got.values()], len(self.sockets) - len(got)

    async def close(self):
        for ws in self.sockets:
            await ws.close()
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


async def _measure(port, sessions, pending, plan):
    results = {}
    queue = list(pending)
    for count, rounds in plan:
        clients = Clients(port)
        started = time.monotonic()
        await clients.connect(sessions[:count])
        log(f"{count} sockets connected in {time.monotonic() - started:.1f} s")
        latencies, slowest, missing = [], [], 0
        for index in range(rounds + WARMUP):
            round_latencies, round_missing = await clients.approve_and_wait(queue.pop())
            if round_missing:
                log(
                    f"{count} sockets: {round_missing} hints not received within {TIMEOUT} s; "
                    f"{len(clients.closed)} sockets closed by the server so far {sorted(set(clients.closed))}"
                )
            if index >= WARMUP:
                latencies += round_latencies
                missing += round_missing
                slowest.append(max(round_latencies, default=TIMEOUT))
            await asyncio.sleep(0.05)
        await clients.close()
        ms = [value * 1000 for value in latencies] or [TIMEOUT * 1000]
        results[str(count)] = {
            "rounds": rounds,
            "receipts": len(ms),
            "missing": missing,
            "p50_ms": percentile(ms, 0.50),
            "p95_ms": percentile(ms, 0.95),
            "max_ms": max(ms),
            "last_socket_p50_ms": percentile([s * 1000 for s in slowest], 0.50),
        }
    return results


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--layer", choices=("memory", "redis"), default="memory")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.layer == "redis" and not os.environ.get("REDIS_URL"):
        raise SystemExit("--layer redis needs REDIS_URL")
    if args.layer == "memory":
        os.environ.pop("REDIS_URL", None)
    setup_django()
    from .common import database_label

    # (sockets, rounds): one round with 500 sockets gives 500 receipts.
    plan = [(1, 5), (MEMBERS, 2)] if args.quick else [(1, 40), (MEMBERS, 5)]
    pending, sessions = _prepare(sum(rounds + WARMUP for _count, rounds in plan))
    label = database_label()
    port = _free_port()
    log_path = Path(tempfile.mkdtemp(prefix="bench-daphne-")) / "daphne.log"
    daphne = _start_daphne(port, log_path)
    try:
        results = asyncio.run(_measure(port, sessions, pending, plan))
    finally:
        daphne.terminate()
        try:
            daphne.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daphne.kill()
    emit({"scenario": "websocket", "layer": args.layer, "database": label, "clients": results})


if __name__ == "__main__":
    main()
