"""What every scenario shares: setting Django up on the database the parent chose, timing,
statistics and the JSON line the parent reads."""

import argparse
import json
import math
import os
import statistics
import sys
import time
from contextlib import contextmanager

RESULT_PREFIX = "BENCH-RESULT "


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="few runs: a smoke test, not figures")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per case (overrides the default)")
    return parser.parse_args()


def setup_django(*, migrate: bool = True) -> None:
    """Django on the database in DATABASE_URL / SQLITE_PATH (set by the parent), migrated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    # As a worker does once loaded (config/asgi.py, config/celery.py).
    from core import warmup

    warmup.settle()


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(samples_seconds: list[float]) -> dict:
    """Median and 95th percentile in milliseconds."""
    ms = [s * 1000 for s in samples_seconds]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 0.95),
        "min_ms": min(ms),
    }


@contextmanager
def stopwatch(samples: list[float]):
    start = time.perf_counter()
    yield
    samples.append(time.perf_counter() - start)


def count_queries(function) -> tuple[int, list[str]]:
    """Run `function` once and return the number of SQL statements it sent, and them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries), [query["sql"] for query in captured.captured_queries]


def query_counts(statements: list[str]) -> dict:
    """Statements sent, and of them the queries proper (without BEGIN, COMMIT, savepoints)."""
    from .sqlgroups import is_transaction_control

    control = [s for s in statements if is_transaction_control(s)]
    return {"statements": len(statements), "queries": len(statements) - len(control)}


@contextmanager
def held_tasks():
    """Hold what is handed to the task queue (core/taskqueue.py: the DOCX render of a new
    version, emails) instead of running it, and yield the list of (task, args) held.

    Without a broker the queue's thread pool would start the work at once, in this
    process, while the next timed calls run: they would share the CPUs with it. The
    caller runs what was held with `run_held`, outside its timed window."""
    from core import taskqueue

    held: list[tuple] = []
    original = taskqueue.enqueue

    def hold(task, *args, lane="default"):
        held.append((task, args))

    taskqueue.enqueue = hold
    try:
        yield held
    finally:
        taskqueue.enqueue = original


def run_held(held: list[tuple]) -> list[str]:
    """Run the held tasks here, in order (a failure is raised: the benchmark stops), and
    empty the list; returns their names."""
    names = []
    while held:
        task, args = held.pop(0)
        names.append(getattr(task, "name", None) or task.__qualname__)
        task(*args)
    return names


@contextmanager
def commit_hook_timer():
    """Time the after-commit callbacks (`transaction.on_commit`) that run in this thread
    when the outermost transaction commits; yields the list the durations go to (s)."""
    from django.db import connection

    durations: list[float] = []
    original = connection.run_and_clear_commit_hooks

    def timed():
        start = time.perf_counter()
        try:
            original()
        finally:
            durations.append(time.perf_counter() - start)

    connection.run_and_clear_commit_hooks = timed
    try:
        yield durations
    finally:
        del connection.run_and_clear_commit_hooks


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def emit(result: dict) -> None:
    """The one line the parent parses."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    sys.stderr.write(f"  · {message}\n")
    sys.stderr.flush()
