"""An approval costs a fixed number of SQL statements, whatever the size of the office:
the figure the benchmark reports (bench/) is guarded here against regressions."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import taskqueue
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD, request_in_state
from workflows import services
from workflows.models import State

pytestmark = pytest.mark.django_db

# Statements of one approval as a production request runs it: the approver read afresh
# (nothing cached on them), process-wide caches warm, the after-commit work included (the
# unread count pushed with the notifications), the test's savepoint pair left out (a
# production request's transaction is the outermost). 54 before the first optimisation,
# 25 before the lifecycle specification let viewflow record only what changed (issue 14:
# at most 16). See docs/PERFORMANCE.md.
APPROVAL_STATEMENTS = 16


def _is_savepoint(sql: str) -> bool:
    return sql.split(None, 1)[0].upper() in ("SAVEPOINT", "RELEASE", "ROLLBACK")


@pytest.fixture
def held_tasks(monkeypatch):
    """What the approval hands to the task queue (the new version's DOCX render) is held,
    not run: it is deferred work of its own, measured on its own line by the benchmark."""
    held = []
    monkeypatch.setattr(taskqueue, "enqueue", lambda task, *args, lane="default": held.append(task.__name__))
    return held


def approve_and_count(users, units, on_commit):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    approver = get_user_model().objects.get(pk=users["gerente"].pk)
    with CaptureQueriesContext(connection) as context, on_commit(execute=True):
        services.approve_request(approver, material_request, comment="Conforme.")
    return len([query for query in context.captured_queries if not _is_savepoint(query["sql"])])


def test_an_approval_stays_within_its_statement_budget(users, units, django_capture_on_commit_callbacks, held_tasks):
    approve_and_count(users, units, django_capture_on_commit_callbacks)  # warms the process-wide caches
    assert approve_and_count(users, units, django_capture_on_commit_callbacks) <= APPROVAL_STATEMENTS
    assert "render_version_docx" in held_tasks


def test_the_count_does_not_grow_with_the_office(users, units, django_capture_on_commit_callbacks, held_tasks):
    approve_and_count(users, units, django_capture_on_commit_callbacks)
    small = approve_and_count(users, units, django_capture_on_commit_callbacks)
    for n in range(15):
        ensure_user(f"publicador{n}", password=PASSWORD, roles=(Role.PUBLICADOR,))
        ensure_user(f"revisor{n + 10}", password=PASSWORD, roles=(Role.REVISOR,))
    assert approve_and_count(users, units, django_capture_on_commit_callbacks) == small
