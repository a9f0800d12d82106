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

# Statements of one approval inside the test's transaction, process-wide caches warm
# (54 before the optimisation, 31 before the permission and flow reads were merged). A
# production request has no savepoint pair around it (its transaction is the outermost):
# 27 there. See docs/PERFORMANCE.md.
APPROVAL_STATEMENTS = 29


def approve_and_count(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    with CaptureQueriesContext(connection) as context:
        services.approve_request(users["gerente"], material_request, comment="Conforme.")
    return len(context.captured_queries)


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
