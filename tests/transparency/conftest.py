from datetime import datetime

import pytest
from django.utils import timezone

from tests.factories import request_in_state
from transparency import services
from transparency.deadlines import WorkingCalendar
from workflows.models import State


def received(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def entry_data(**overrides):
    data = {
        "requester_name": "María Elena Quispe Huamán",
        "requester_document_type": "dni",
        "requester_document_number": "45678912",
        "requester_email": "mequispe@correo.example",
        "requester_phone": "987 111 222",
        "requester_address": "Jr. Junín 123",
        "channel": "presencial",
        "received_at": received(2026, 3, 2),
        "requested_information": "Copia del expediente de la campaña de vacunación y quién la aprobó.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def register(users):
    """Register an entry through the service, as the transparencia officer."""

    def make(actor="transparencia", **overrides):
        return services.register_request(users[actor], data=entry_data(**overrides))

    return make


@pytest.fixture
def published(users, units):
    return request_in_state(users, units, State.PUBLISHED)


def walk(users, entry, *codes, actor="transparencia"):
    """Move an entry through transitions with valid input."""
    kwargs = {
        "start": {},
        "extend": {"new_due_on": None, "justification": "Volumen de la información."},
        "answer": {"response_summary": "Se entregó copia del expediente por correo."},
        "deny": {"exemption": "art17_5", "justification": "Contiene datos de salud de terceros."},
        "archive": {"reason": "Solicitud duplicada."},
    }
    for code in codes:
        args = dict(kwargs[code])
        if code == "extend":
            args["new_due_on"] = WorkingCalendar().add_working_days(entry.response_due_on, 5)
        entry = services.ACTION_SERVICES[code](users[actor], entry, **args)
    return entry
