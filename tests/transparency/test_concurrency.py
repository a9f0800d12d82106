"""Concurrent officers on the embedded SQLite database (WAL, BEGIN IMMEDIATE): references
stay distinct and consecutive, a double submit makes one entry, one decision wins.

`transaction=True`: the worker threads have their own connections and must see the
committed data the test set up."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.models import AuditEvent
from organization.roles import Role
from organization.services import ensure_user
from tests import threads
from tests.factories import PASSWORD
from transparency import services
from transparency.models import TransparencyRequest
from workflows.exceptions import ActionNotAvailable

from .conftest import entry_data

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def run_together(work, count=THREADS):
    return threads.run_together(work, count)


@pytest.fixture
def officers(db):
    return [ensure_user(f"saip_{n}", password=PASSWORD, roles=(Role.TRANSPARENCIA,)) for n in range(THREADS)]


def test_concurrent_registrations_get_consecutive_distinct_references(officers):
    per_thread = 4
    User = get_user_model()

    def work(index):
        actor = User.objects.get(username=f"saip_{index}")
        return lambda: [services.register_request(actor, data=entry_data()).reference for _ in range(per_thread)]

    outcomes = run_together(work)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    references = [reference for _, batch in outcomes for reference in batch]
    year = timezone.localdate().year
    total = THREADS * per_thread
    assert sorted(references) == [f"SAIP-{year}-{n:04d}" for n in range(1, total + 1)]
    assert AuditEvent.objects.filter(action="transparency_register").count() == total


def test_a_double_submit_of_one_form_makes_one_entry(officers):
    token = uuid.uuid4()
    User = get_user_model()

    def work(index):
        actor = User.objects.get(username="saip_0")
        return lambda: services.register_request(actor, data=entry_data(), client_token=token).pk

    outcomes = run_together(work)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert len({pk for _, pk in outcomes}) == 1
    assert TransparencyRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="transparency_register").count() == 1


def test_one_of_concurrent_answers_and_denials_wins(officers):
    entry = services.register_request(officers[0], data=entry_data())
    entry = services.start_attention(officers[0], entry)
    User = get_user_model()

    def work(index):
        actor = User.objects.get(username=f"saip_{index}")
        page = TransparencyRequest.objects.get(pk=entry.pk)  # the page each officer loaded
        if index % 2:
            return lambda: services.answer_request(actor, page, response_summary=f"Respuesta {index}").state
        return lambda: (
            services.deny_request(actor, page, exemption="art17_5", justification=f"Denegatoria {index}").state
        )

    outcomes = run_together(work)
    winners = [value for kind, value in outcomes if kind == "ok"]
    losers = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1, outcomes
    assert all(isinstance(error, ActionNotAvailable) for error in losers), losers
    final = TransparencyRequest.objects.get(pk=entry.pk)
    assert final.state == winners[0]
    decisions = AuditEvent.objects.filter(
        object_id=str(entry.pk), action__in=["transparency_answer", "transparency_deny"]
    )
    assert decisions.count() == 1
