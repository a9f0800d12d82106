"""The demo shows the register: one citizen's request about a published campaign."""

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from transparency.models import State, TransparencyRequest
from workflows.models import Kind
from workflows.models import State as RequestState

pytestmark = pytest.mark.django_db


def test_seed_demo_registers_one_transparency_request_once():
    call_command("seed_demo")
    entry = TransparencyRequest.objects.get()
    assert entry.created_by.username == "transparencia"
    assert entry.assigned_to.username == "transparencia"
    assert entry.state == State.IN_PROGRESS
    [campaign] = entry.material_requests.all()
    assert campaign.kind == Kind.CAMPAIGN and campaign.state == RequestState.PUBLISHED
    actions = list(
        AuditEvent.objects.filter(object_type="audit.transparencyrequest", object_id=str(entry.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["transparency_register", "transparency_link_request", "transparency_start"]
    events = AuditEvent.objects.count()
    call_command("seed_demo")
    assert TransparencyRequest.objects.count() == 1
    assert AuditEvent.objects.count() == events
