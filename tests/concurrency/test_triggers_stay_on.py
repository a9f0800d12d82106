"""The test suite's flush past the write-once triggers (tests/conftest.py) is scoped to the
flush itself: in the transactional tests that follow one, the triggers still refuse, on
PostgreSQL (session_replication_role back to origin) and on SQLite (the triggers dropped
for the flush are there again)."""

import pytest
from django.db import connection, transaction

from audit.services import create_checkpoint
from tests.conftest import WRITE_ONCE_TABLES, on_postgresql, sqlite_write_once_triggers
from tests.factories import request_in_state
from workflows.models import State

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# What audit/0007, documents/0003 and workflows/0004 install on SQLite.
SQLITE_TRIGGERS = {f"{table}_no_{operation}" for table in WRITE_ONCE_TABLES for operation in ("update", "delete")}


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_the_triggers_refuse_after_a_flush(users, units, settings, tmp_path, round_):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path  # this test's checkpoint reaches its outside copy
    request_in_state(users, units, State.APPROVED)
    create_checkpoint()
    for table in WRITE_ONCE_TABLES:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            assert cursor.fetchone()[0] > 0, f"{table} is empty: the check would prove nothing"
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608
            with pytest.raises(Exception, match="solo adición"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        if on_postgresql():
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
        else:
            assert set(sqlite_write_once_triggers(cursor)) == SQLITE_TRIGGERS
