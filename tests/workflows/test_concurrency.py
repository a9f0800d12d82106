"""Concurrent actors on the embedded SQLite database (WAL, BEGIN IMMEDIATE).

Each worker thread gets its own database connection from Django and closes it when
done. The threads must see the data the test set up, so these tests run with
`transaction=True`: nothing is wrapped in a rolled-back transaction, the data is
committed, and pytest-django flushes every table after each test (which is also why
pytest-django runs these after the ordinary database tests).
"""

import uuid
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.models import AuditEvent
from organization.roles import Role
from organization.services import ensure_user
from tests import threads
from tests.factories import PASSWORD, default_details, default_fields, request_in_state
from workflows import services
from workflows.exceptions import ActionNotAvailable, StaleRequest
from workflows.models import Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def run_together(work, count=THREADS):
    return threads.run_together(work, count)


def events_of(material_request):
    return AuditEvent.objects.filter(
        object_type="workflows.materialrequest", object_id=str(material_request.pk)
    ).order_by("sequence")


@pytest.fixture
def gerentes(db):
    return [ensure_user(f"gerente_{index}", password=PASSWORD, roles=(Role.GERENTE,)) for index in range(THREADS)]


@pytest.mark.parametrize(
    ("send_revision", "loser_error"),
    [(False, ActionNotAvailable), (True, StaleRequest)],
    ids=["no-revision", "with-page-revision"],
)
def test_only_one_of_eight_concurrent_approvals_wins(users, units, gerentes, send_revision, loser_error):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    revision = MaterialRequest.objects.get(pk=pending.pk).revision
    User = get_user_model()

    def work(index):
        # Each thread loads "its page": its own user and request objects.
        actor = User.objects.get(pk=gerentes[index].pk)
        page = MaterialRequest.objects.get(pk=pending.pk)
        expected = revision if send_revision else None

        def approve():
            result = services.approve_request(actor, page, comment=f"Aprobado por {index}", expected_revision=expected)
            return result.approved_by_id

        return approve

    outcomes = run_together(work)

    winners = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1, outcomes
    assert len(errors) == THREADS - 1
    # Losers are told the request moved on; never "database is locked" or anything else.
    assert all(type(error) is loser_error for error in errors), errors
    assert all(error.status_code == 409 for error in errors)

    stored = MaterialRequest.objects.get(pk=pending.pk)
    assert stored.state == State.APPROVED
    assert stored.revision == revision + 1
    assert stored.approved_by_id == winners[0]
    approvals = list(events_of(pending).filter(action="approve"))
    assert len(approvals) == 1
    assert approvals[0].actor_id == winners[0]
    sequences = list(events_of(pending).values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))


def test_concurrent_decisions_of_different_kinds_leave_one_outcome(users, units):
    """The gerente's approve, reject and return race on one pending request: one wins."""
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    User = get_user_model()
    moves = [
        ("gerente", services.approve_request, State.APPROVED),
        ("gerente", services.reject_request, State.CANCELLED),
        ("gerente", services.return_request, State.DRAFT),
    ] * 3

    def work(index):
        username, service, _target = moves[index]
        actor = User.objects.get(username=username)
        page = MaterialRequest.objects.get(pk=pending.pk)
        return lambda: service(actor, page, comment="Decisión concurrente").state

    outcomes = run_together(work)

    winners = [(index, value) for index, (kind, value) in enumerate(outcomes) if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1, outcomes
    assert all(isinstance(error, ActionNotAvailable) for error in errors), errors
    index, state = winners[0]
    assert state == moves[index][2]
    assert MaterialRequest.objects.get(pk=pending.pk).state == state
    events = list(events_of(pending))
    assert [event.action for event in events][:3] == ["create", "submit", "forward"]
    assert len(events) == 4  # and the one decision
    assert events[-1].to_state == state


def test_concurrent_creates_get_consecutive_distinct_references(users, units):
    per_thread = 5
    authors = ["rentas1", "rentas2", "revisor_rentas", "gerente_rentas"]
    User = get_user_model()

    def work(index):
        actor = User.objects.get(username=authors[index % len(authors)])
        unit = units["rentas"]

        def create_five():
            return [
                services.create_request(
                    actor,
                    unit=unit,
                    kind=Kind.PUBLICATION,
                    fields=default_fields(title=f"Hilo {index} n.º {n}"),
                    details=default_details(Kind.PUBLICATION),
                ).reference
                for n in range(per_thread)
            ]

        return create_five

    outcomes = run_together(work)

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    references = [reference for _, batch in outcomes for reference in batch]
    total = THREADS * per_thread
    assert len(set(references)) == total
    year = timezone.localdate().year
    assert sorted(references) == [f"COM-{year}-{n:05d}" for n in range(1, total + 1)]
    assert MaterialRequest.objects.count() == total
    assert AuditEvent.objects.filter(action="create").count() == total


def test_concurrent_double_submit_of_one_form_creates_one_request(users, units):
    token = uuid.uuid4()
    User = get_user_model()

    def work(index):
        actor = User.objects.get(username="rentas1")

        def submit_form():
            return services.create_request(
                actor,
                unit=units["rentas"],
                kind=Kind.SIGNAGE,
                fields=default_fields(),
                details=default_details(Kind.SIGNAGE),
                client_token=token,
            ).pk

        return submit_form

    outcomes = run_together(work)

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert len({pk for _, pk in outcomes}) == 1
    assert MaterialRequest.objects.count() == 1
    assert Counter(
        AuditEvent.objects.filter(object_type="workflows.materialrequest").values_list("action", flat=True)
    ) == {"create": 1}
