"""The demo data that `make run` loads: complete, through the services, idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from audit.models import AuditEvent
from organization.models import Membership, Unit
from workflows import permissions
from workflows.models import Kind, MaterialRequest, MaterialRequestGroupObjectPermission, State

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "rentas1",
    "rentas2",
    "social1",
    "obras1",
    "revisor1",
    "revisor2",
    "gerente",
    "publicador",
    "transparencia",
    "auditor",
    "admin",
    "jefe_rentas",
}


def counts():
    return {
        "users": get_user_model().objects.count(),
        "units": Unit.objects.count(),
        "memberships": Membership.objects.count(),
        "requests": MaterialRequest.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_seed_demo_loads_everything_and_a_second_run_changes_nothing(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first

    assert set(get_user_model().objects.values_list("username", flat=True)) >= DEMO_USERS
    assert set(Unit.objects.values_list("code", flat=True)) == {"rentas", "desarrollo-social", "obras"}
    assert Membership.objects.get(user__username="jefe_rentas").is_head
    assert get_user_model().objects.get(username="admin").is_superuser
    assert MaterialRequest.objects.count() >= 12
    assert set(MaterialRequest.objects.values_list("kind", flat=True)) == set(Kind.values)
    assert set(MaterialRequest.objects.values_list("state", flat=True)) == set(State.values)
    # Built through the services: every request has its history and its permissions.
    for material_request in MaterialRequest.objects.select_related("unit"):
        assert AuditEvent.objects.filter(object_id=str(material_request.pk), action="create").exists()
        assert MaterialRequestGroupObjectPermission.objects.filter(
            content_object=material_request, group=material_request.unit.group, permission__codename=permissions.VIEW
        ).exists()
    output = capsys.readouterr().out
    assert "demo12345" in output and "rentas1" in output


def test_demo_users_can_log_in_with_the_published_password(client):
    call_command("seed_demo")
    response = client.post("/ingresar/", {"username": "revisor1", "password": "demo12345"})
    assert response.status_code == 302


def test_seed_demo_prints_a_short_summary_not_the_emails(settings, capsys):
    """`make run` uses the console email backend: the demo's history would print every
    notification email it sends; the command says how many instead."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "Subject:" not in output and "Content-Type" not in output
    assert "correos de notificación de la demostración no se enviaron" in output
    assert len(output.splitlines()) < 30
