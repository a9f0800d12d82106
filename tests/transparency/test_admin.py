"""The admin: the register is read-only there; decreed non-working days are edited there
and move the deadlines of open entries."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from transparency.models import NonWorkingDay, TransparencyRequest

from .conftest import walk

pytestmark = pytest.mark.django_db


def test_the_register_is_read_only_in_the_admin(client_for, register):
    entry = register()
    client = client_for("admin")
    assert client.get(reverse("admin:audit_transparencyrequest_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_transparencyrequest_add")).status_code == 403
    response = client.post(
        reverse("admin:audit_transparencyrequest_change", args=[entry.pk]), {"requester_name": "Cambiado"}
    )
    assert response.status_code == 403
    assert TransparencyRequest.objects.get(pk=entry.pk).requester_name != "Cambiado"


def test_a_decreed_non_working_day_added_in_the_admin_moves_open_deadlines(client_for, users, register):
    open_entry = register()  # received 2 March 2026: answer due 16 March
    closed = walk(users, register(), "archive")
    client = client_for("admin")
    response = client.post(
        reverse("admin:audit_nonworkingday_add"), {"date": "2026-03-12", "description": "Día no laborable (DS)"}
    )
    assert response.status_code == 302
    open_entry.refresh_from_db()
    closed.refresh_from_db()
    assert open_entry.response_due_on == date(2026, 3, 17)
    assert closed.response_due_on == date(2026, 3, 16)  # a closed entry keeps what it had
    event = AuditEvent.objects.filter(object_id=str(open_entry.pk), action="transparency_recompute").get()
    assert event.actor == users["admin"]
    assert event.data == {"response_due_on": ["2026-03-16", "2026-03-17"]}
    assert "Día no laborable registrado" in event.comment

    day = NonWorkingDay.objects.get()
    response = client.post(reverse("admin:audit_nonworkingday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    open_entry.refresh_from_db()
    assert open_entry.response_due_on == date(2026, 3, 16)
    assert AuditEvent.objects.filter(object_id=str(open_entry.pk), action="transparency_recompute").count() == 2


def test_a_non_working_day_outside_every_deadline_moves_nothing(client_for, register):
    entry = register()
    client_for("admin").post(
        reverse("admin:audit_nonworkingday_add"), {"date": "2026-05-15", "description": "Otro día"}
    )
    assert not AuditEvent.objects.filter(object_id=str(entry.pk), action="transparency_recompute").exists()
