"""The test suite's flush past the write-once triggers (tests/conftest.py) is scoped to the
flush itself: in the transactional tests that follow one, the triggers still refuse."""

import pytest
from django.db import connection, transaction

from tests.conftest import on_postgresql
from tests.factories import create_request

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL only: the triggers exist there (the scale-out run)"),
]


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_the_triggers_refuse_after_a_flush(users, units, round_):
    create_request(users["rentas1"], units["rentas"])
    for statement in ("UPDATE audit_auditevent SET comment = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(Exception, match="solo adición"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
