import logging
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from tests.factories import build_organization


def skip_or_fail(reason: str):
    """Skip with the reason; under CI (REQUIRE_ALL_SUITES=1) a missing dependency fails."""
    if os.environ.get("REQUIRE_ALL_SUITES") == "1":
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """The permission matrix's people and requests (tests/test_permission_matrix.py), built
    once for a module through the services inside a transaction rolled back at its end."""
    from tests.test_permission_matrix import build_dataset

    # Thousands of expected 403s and 404s: their warnings would only slow the run down;
    # errors (a 500) are still logged.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.ERROR)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_dataset()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_logger.setLevel(level)


def xdist_worker() -> str:
    """This process's pytest-xdist worker id (gw0, gw1…), or "" in a run without workers."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def artifacts_dir() -> Path:
    """Where the tests leave logs and screenshots: var/test-artifacts, and under pytest-xdist
    var/test-artifacts/<worker>, so two workers never write the same daphne or Celery log."""
    return Path(settings.BASE_DIR) / "var" / "test-artifacts" / xdist_worker()


SHARED_SCOPES = ("class", "module", "package")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist with `--dist loadgroup` (make test), the tests of a module that use a
    class-, module- or package-scoped fixture (the permission matrix's dataset, the migrated
    PostgreSQL database of tests/audit/test_postgres_append_only.py, the e2e tests' Chromium)
    form one group and run on one worker, so that fixture is built once, not once per test
    that landed on a worker between other modules' tests. Every other test is scheduled on
    its own. Session fixtures need nothing: each worker has its session.

    tryfirst: xdist reads the xdist_group marks in its own hook of this name."""
    if not config.pluginmanager.hasplugin("xdist") or config.getoption("dist", "no") != "loadgroup":
        return
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        fixturedefs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if any(_shared_fixture_of_ours(defs[-1]) for defs in fixturedefs.values() if defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def _shared_fixture_of_ours(fixturedef) -> bool:
    """A fixture of this suite (not a plugin's: pytest-django's class-scoped autouse
    _django_setup_unittest is in every test's closure) with a class, module or package scope."""
    module = getattr(fixturedef.func, "__module__", "") or ""
    return fixturedef.scope in SHARED_SCOPES and module.split(".", 1)[0] == "tests"


@pytest.fixture
def org(db):
    units, users = build_organization()
    return units, users


@pytest.fixture
def units(org):
    return org[0]


@pytest.fixture
def users(org):
    return org[1]


@pytest.fixture
def client_for(client, users):
    """Log the client in as one of the test users."""

    def login(username):
        client.force_login(users[username])
        return client

    return login


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def sqlite_only_because(reason: str):
    """Skip on other databases: for tests that only make sense on SQLite (tampering with
    audit rows, which PostgreSQL's triggers refuse; SQLite's WAL and BEGIN IMMEDIATE)."""
    return pytest.mark.skipif(connection.vendor != "sqlite", reason=f"SQLite only: {reason}")


@pytest.fixture(scope="session")
def postgres_base_url():
    """A real PostgreSQL server for the session, or a skip that says why: the scale-out run's
    server (tests/scaleout.py sets TEST_POSTGRES_BASE_URL), else one started here
    (tests/pgserver.py)."""
    from tests import pgserver

    if os.environ.get("TEST_POSTGRES_BASE_URL"):
        yield os.environ["TEST_POSTGRES_BASE_URL"]
        return
    if pgserver.find_binaries() is None:
        skip_or_fail("the PostgreSQL tests need Debian's postgresql package (apt-get install postgresql)")
    with pgserver.running_postgres(for_tests=True) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def redis_url():
    """A real redis-server for the session, or a skip that says why: the scale-out run's
    server (REDIS_URL), else one started here (tests/redisserver.py). In the scale-out run
    under pytest-xdist, the settings' REDIS_URL is this worker's own database on that server
    (config/settings/test.py), not the shared URL in the environment."""
    from tests import redisserver

    if os.environ.get("REDIS_URL"):
        yield settings.REDIS_URL
        return
    if redisserver.find_binary() is None:
        skip_or_fail("the Redis tests need redis-server (Debian: apt-get install redis-server)")
    with redisserver.running_redis() as url:
        yield url


WRITE_ONCE_TABLES = ("audit_auditevent", "audit_auditcheckpoint", "documents_documentversion", "workflows_decision")


def sqlite_write_once_triggers(cursor) -> dict[str, str]:
    """{name: CREATE statement} of the SQLite triggers on the write-once tables, as the
    migrations (audit/0007, documents/0003, workflows/0004) made them."""
    placeholders = ", ".join("%s" for _table in WRITE_ONCE_TABLES)
    cursor.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({placeholders}) ORDER BY name",  # noqa: S608
        WRITE_ONCE_TABLES,
    )
    return dict(cursor.fetchall())


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_append_only_triggers():
    """Let pytest-django's flush after a transactional test empty the write-once tables.

    Migrations install triggers that refuse UPDATE and DELETE (PostgreSQL: and TRUNCATE)
    of the audit log and the document versions; Django's flush empties every table, which
    they refuse too. Only in tests, and only for that statement list, inside the flush's own
    transaction:
    - PostgreSQL: `SET LOCAL session_replication_role = replica` (it ends with the
      transaction), which skips ordinary triggers. Production's database user is no
      superuser and cannot set it, and nothing flushes there.
    - SQLite has no such switch: the triggers are dropped before the flush and created
      again, from their own stored statements, after it, in the same transaction (SQLite's
      DDL is transactional, so no other connection ever sees them missing).
    Everywhere else in the tests the triggers stay on (tests/concurrency/test_triggers_stay_on.py)."""
    if on_postgresql():
        from django.db.backends.postgresql.operations import DatabaseOperations

        def execute_sql_flush(self, sql_list):
            return original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    elif connection.vendor == "sqlite":
        from django.db.backends.sqlite3.operations import DatabaseOperations

        def execute_sql_flush(self, sql_list):
            with self.connection.cursor() as cursor:
                triggers = sqlite_write_once_triggers(cursor)
            drop = [f"DROP TRIGGER {name}" for name in triggers]
            return original(self, [*drop, *sql_list, *triggers.values()])

    else:
        yield
        return
    original = DatabaseOperations.execute_sql_flush
    DatabaseOperations.execute_sql_flush = execute_sql_flush
    try:
        yield
    finally:
        DatabaseOperations.execute_sql_flush = original
