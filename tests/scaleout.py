"""The whole suite again, on PostgreSQL and Redis: `python -m tests.scaleout [pytest args]`.

`make test` runs it after the ordinary (SQLite, in-memory channel layer) run. It starts a
throwaway PostgreSQL cluster (tests/pgserver.py) and a redis-server (tests/redisserver.py),
both on loopback ports in temporary directories, points the settings at them with
DATABASE_URL and REDIS_URL (pytest-django creates `test_pubs` on that server), runs pytest,
and stops both servers afterwards, on failure and Ctrl+C too.

Under pytest-xdist (`make test` passes `-n <cores> --dist loadgroup`) the workers share both
servers but not their data: pytest-django creates one test database per worker
(`test_pubs_gw0`, `test_pubs_gw1`…) and config/settings/test.py gives each worker a Redis
database of its own (gw0 → /1, gw1 → /2…), inherited by the daphne and Celery processes
the tests start.

Where Debian's postgresql or redis-server is not installed it says so and exits 0, unless
REQUIRE_ALL_SUITES=1 (CI), where a missing server is a failure.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests import pgserver, redisserver

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "pubs"


def _missing() -> list[str]:
    missing = []
    if pgserver.find_binaries() is None:
        missing.append("PostgreSQL (Debian: apt-get install postgresql)")
    if redisserver.find_binary() is None:
        missing.append("redis-server (Debian: apt-get install redis-server)")
    return missing


def _run_pytest(arguments: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter and pytest
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl+C reached pytest too; a SIGTERM did not: pass it on, let pytest tear down.
        for stop, grace in ((lambda: process.send_signal(signal.SIGINT), 30), (process.terminate, 10)):
            stop()
            try:
                process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            process.kill()
            process.wait()
        raise


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(arguments: list[str]) -> int:
    missing = _missing()
    if missing:
        reason = f"the suite on PostgreSQL and Redis needs {' and '.join(missing)}"
        if os.environ.get("REQUIRE_ALL_SUITES") == "1":
            print(f"ERROR (REQUIRE_ALL_SUITES=1): {reason}", file=sys.stderr)
            return 1
        print(f"SKIPPED: {reason}", file=sys.stderr)
        return 0
    started = time.monotonic()
    print("Suite on PostgreSQL and Redis: starting the servers…", flush=True)
    with pgserver.running_postgres(for_tests=True) as postgres_base_url, redisserver.running_redis() as redis_url:
        database_url = pgserver.create_database(postgres_base_url, DATABASE)
        print(f"PostgreSQL at {postgres_base_url}, Redis at {redis_url}", flush=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TEST_POSTGRES_BASE_URL": postgres_base_url,
        }
        env.pop("TEST_SQLITE_PATH", None)
        code = _run_pytest(arguments, env)
    print(f"Suite on PostgreSQL and Redis: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    # A SIGTERM (a cancelled CI job) stops the servers as Ctrl+C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
