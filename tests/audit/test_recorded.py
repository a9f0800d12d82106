"""Grants and revokes that do not go through a request's service are audited too: a user
joining or leaving a group (a role or a unit) gains or loses what the group holds."""

import pytest
from django.contrib.auth.models import Group

from audit import context
from audit.models import AuditEvent
from audit.services import chain_for
from organization.roles import Role

pytestmark = pytest.mark.django_db


def group_events(user):
    return list(
        AuditEvent.objects.filter(chain=chain_for(user), action__in=["group_added", "group_removed"])
        .order_by("sequence")
        .values_list("action", "data", "actor_username")
    )


def test_adding_and_removing_a_role_is_recorded(users):
    nobody = users["nobody"]
    revisores = Group.objects.get(name=Role.REVISOR)
    nobody.groups.add(revisores)
    nobody.groups.remove(revisores)
    assert group_events(nobody) == [
        ("group_added", {"group": Role.REVISOR.value}, ""),
        ("group_removed", {"group": Role.REVISOR.value}, ""),
    ]


def test_changes_from_the_group_side_and_clears_are_recorded(users):
    nobody, obras1 = users["nobody"], users["obras1"]
    publicadores = Group.objects.get(name=Role.PUBLICADOR)
    publicadores.user_set.add(nobody)
    assert group_events(nobody)[-1] == ("group_added", {"group": Role.PUBLICADOR.value}, "")
    groups_before = set(obras1.groups.values_list("name", flat=True))
    obras1.groups.clear()
    removed = {data["group"] for action, data, _who in group_events(obras1) if action == "group_removed"}
    assert removed == groups_before


def test_the_person_who_made_the_change_is_the_actor(users):
    token = context.activate(context.AuditContext(ip_address="10.0.0.7", user=users["admin"]))
    try:
        users["nobody"].groups.add(Group.objects.get(name=Role.AUDITOR))
    finally:
        context.deactivate(token)
    event = AuditEvent.objects.filter(chain=chain_for(users["nobody"]), action="group_added").get()
    assert (event.actor, event.ip_address) == (users["admin"], "10.0.0.7")


def test_the_admin_records_role_changes_with_the_administrator(client, users):
    client.force_login(users["admin"])
    nobody = users["nobody"]
    auditors = Group.objects.get(name=Role.AUDITOR)
    response = client.post(
        f"/admin/auth/user/{nobody.pk}/change/",
        {
            "username": nobody.username,
            "is_active": "on",
            "groups": [auditors.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(chain=chain_for(nobody), action="group_added").get()
    assert event.data == {"group": Role.AUDITOR.value}
    assert event.actor == users["admin"]
