"""An approval costs a fixed number of SQL statements, whatever the size of the office:
the figure the benchmark reports (bench/) is guarded here against regressions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD, request_in_state
from workflows import services
from workflows.models import State

pytestmark = pytest.mark.django_db

# Statements of one approval, process-wide caches warm, as a production request runs it
# (its transaction is the outermost: the test's savepoint pair around it is left out).
# 54 before the first optimisation, 25 before the lifecycle specification let viewflow
# record only what changed. See docs/PERFORMANCE.md.
APPROVAL_STATEMENTS = 16


def _is_savepoint(sql: str) -> bool:
    return sql.split(None, 1)[0].upper() in ("SAVEPOINT", "RELEASE", "ROLLBACK")


def approve_and_count(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    with CaptureQueriesContext(connection) as context:
        services.approve_request(users["gerente"], material_request, comment="Conforme.")
    return len([query for query in context.captured_queries if not _is_savepoint(query["sql"])])


def test_an_approval_stays_within_its_statement_budget(users, units):
    approve_and_count(users, units)  # warms the process-wide caches
    assert approve_and_count(users, units) <= APPROVAL_STATEMENTS


def test_the_count_does_not_grow_with_the_office(users, units):
    approve_and_count(users, units)
    small = approve_and_count(users, units)
    for n in range(15):
        ensure_user(f"publicador{n}", password=PASSWORD, roles=(Role.PUBLICADOR,))
        ensure_user(f"revisor{n + 10}", password=PASSWORD, roles=(Role.REVISOR,))
    assert approve_and_count(users, units) == small
