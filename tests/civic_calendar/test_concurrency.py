"""Several office users press «Generar las solicitudes» on one event at the same moment
(the embedded SQLite database: WAL, BEGIN IMMEDIATE; a row lock on PostgreSQL): one set of
drafts, the others refused with nothing written.

`transaction=True`: the worker threads have their own connections and must see the
committed data the test set up."""

import pytest
from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from civic_calendar import services
from tests import threads
from workflows.exceptions import ActionNotAvailable
from workflows.models import MaterialRequest

from .conftest import PRESS_RELEASE, SPEECH, event_data

pytestmark = pytest.mark.django_db(transaction=True)

ACTORS = ["gerente", "revisor1", "revisor2", "publicador"]


def test_concurrent_spawns_make_one_set_of_drafts(users, units, jefe_rentas):
    event = services.create_event(users["gerente"], data=event_data(units, days=60), needs=[SPEECH, PRESS_RELEASE])
    User = get_user_model()

    def work(index):
        actor = User.objects.get(username=ACTORS[index])
        return lambda: [need.request.reference for need in services.spawn_requests(actor, event)]

    outcomes = threads.run_together(work, len(ACTORS))
    winners = [value for kind, value in outcomes if kind == "ok"]
    losers = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1, outcomes
    assert all(isinstance(error, ActionNotAvailable) for error in losers), losers
    assert sorted(MaterialRequest.objects.values_list("reference", flat=True)) == sorted(winners[0])
    assert AuditEvent.objects.filter(action="calendar_spawn", object_type="civic_calendar.calendarevent").count() == 1
