from datetime import time, timedelta

import pytest
from django.utils import timezone

from civic_calendar import services
from civic_calendar.models import Category
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD
from workflows.models import Kind, PublicationFormat

SPEECH = (Kind.SPEECH.value, "")
PRESS_RELEASE = (Kind.PUBLICATION.value, PublicationFormat.PRESS_RELEASE.value)
CAMPAIGN = (Kind.CAMPAIGN.value, "")
SIGNAGE = (Kind.SIGNAGE.value, "")


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def event_data(units, *, days=40, unit="rentas", **overrides):
    start = in_days(days)
    data = {
        "title": "Ceremonia de aniversario del distrito",
        "category": Category.CEREMONY,
        "description": "Sesión solemne y desfile cívico.",
        "start_date": start,
        "end_date": start,
        "all_day": False,
        "start_time": time(10, 0),
        "end_time": time(12, 0),
        "place": "Plaza principal",
        "unit": units[unit] if unit else None,
        "internal": False,
    }
    data.update(overrides)
    return data


@pytest.fixture
def jefe_rentas(users, units):
    """The head of Rentas: the spawned drafts of an event of Rentas land with them."""
    user = ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )
    users["jefe_rentas"] = user
    return user


@pytest.fixture
def make_event(users, units):
    """Register an event through the service, as the gerente unless told otherwise."""

    def make(actor="gerente", needs=(SPEECH, PRESS_RELEASE), **overrides):
        return services.create_event(users[actor], data=event_data(units, **overrides), needs=needs)

    return make
