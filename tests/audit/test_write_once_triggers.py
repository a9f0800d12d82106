"""The database itself refuses raw UPDATE and DELETE of the write-once tables, on SQLite
(audit/0007, documents/0003, workflows/0004) as on PostgreSQL (audit/0003, documents/0002,
workflows/0004): whichever the
suite runs on (SQLite in the ordinary run, PostgreSQL in the scale-out run)."""

import pytest
from django.db import connection, transaction

from audit.services import create_checkpoint
from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

WRITE_ONCE_TABLES = ["audit_auditevent", "audit_auditcheckpoint", "documents_documentversion", "workflows_decision"]
STATEMENTS = [
    "UPDATE {table} SET id = id",
    "UPDATE {table} SET id = id WHERE id = (SELECT id FROM {table} ORDER BY id DESC LIMIT 1)",
    "DELETE FROM {table}",
    "DELETE FROM {table} WHERE id = (SELECT id FROM {table} ORDER BY id DESC LIMIT 1)",
]


def count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
        return cursor.fetchone()[0]


@pytest.mark.parametrize("table", WRITE_ONCE_TABLES)
@pytest.mark.parametrize("statement", STATEMENTS)
def test_raw_sql_cannot_change_or_delete_write_once_rows(users, units, table, statement):
    request_in_state(users, units, State.APPROVED)
    create_checkpoint()
    before = count(table)
    assert before > 0
    with pytest.raises(Exception, match="solo adición"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert count(table) == before


def test_inserts_still_work(users, units):
    request_in_state(users, units, State.DRAFT)
    assert create_checkpoint().sequence == 1
    assert create_checkpoint().sequence == 2
