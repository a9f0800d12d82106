import os

import pytest
from django.db import connection

from tests.factories import build_organization


def skip_or_fail(reason: str):
    """Skip with the reason; under CI (REQUIRE_ALL_SUITES=1) a missing dependency fails."""
    if os.environ.get("REQUIRE_ALL_SUITES") == "1":
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


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
    server (REDIS_URL), else one started here (tests/redisserver.py)."""
    from tests import redisserver

    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if redisserver.find_binary() is None:
        skip_or_fail("the Redis tests need redis-server (Debian: apt-get install redis-server)")
    with redisserver.running_redis() as url:
        yield url


WRITE_ONCE_TABLES = ("audit_auditevent", "audit_auditcheckpoint", "documents_documentversion")


def sqlite_write_once_triggers(cursor) -> dict[str, str]:
    """{name: CREATE statement} of the SQLite triggers on the write-once tables, as the
    migrations (audit/0007, documents/0003) made them."""
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
