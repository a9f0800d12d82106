"""The who-may policy's three faces agree, over the permission matrix's people and requests.

`policy.may` (one person, one request, in Python), `policy.requests_where` (many requests
at once, in SQL) and `policy.holders` (everyone who may, for one request) are three
writings of each rule; here they are run side by side for every person of the matrix,
every action of the lifecycle and every request of the matrix (each unit's requests in
every state, co-authored, observed, edited by the gerente...), then again with active
encargaturas, one of them held by a member of a requesting unit.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from organization.models import Membership
from organization.services import create_delegation
from tests.test_permission_matrix import MISSING
from workflows import lifecycle, policy
from workflows.models import MaterialRequest

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CODES = [row.code for row in lifecycle.TRANSITIONS]


def fresh_people(dataset):
    """The matrix's people read again: each caches their roles and encargaturas."""
    people = get_user_model().objects.in_bulk([user.pk for user in dataset.users.values()])
    return {username: people[user.pk] for username, user in dataset.users.items()}


def the_requests(dataset) -> dict:
    pks = [pk for key, pk in dataset.pks.items() if key != MISSING.key]
    return MaterialRequest.objects.select_related("unit").in_bulk(pks)


def disagreements(dataset) -> list:
    people, requests = fresh_people(dataset), the_requests(dataset)
    found = []
    for code in CODES:
        holders = {pk: policy.holders(code, request) for pk, request in requests.items()}
        for username, user in people.items():
            legal_and_may = {
                pk
                for pk, request in requests.items()
                if policy.legal(code, request) and policy.may(user, code, request)
            }
            may_only = {pk for pk, request in requests.items() if policy.may(user, code, request)}
            where = set(
                MaterialRequest.objects.filter(policy.requests_where(user, code), pk__in=requests).values_list(
                    "pk", flat=True
                )
            )
            where_any_state = set(
                MaterialRequest.objects.filter(
                    policy.requests_where(user, code, legal=False), pk__in=requests
                ).values_list("pk", flat=True)
            )
            held = {pk for pk in requests if user.pk in holders[pk]}
            if where != legal_and_may:
                found.append((code, username, "requests_where", sorted(where ^ legal_and_may)))
            if where_any_state != may_only:
                found.append((code, username, "requests_where(legal=False)", sorted(where_any_state ^ may_only)))
            if held != (may_only if user.is_active else set()):
                found.append((code, username, "holders", sorted(held ^ may_only)))
    return found


def test_the_three_faces_agree_for_every_person_action_and_request(dataset):
    assert disagreements(dataset) == []


def test_they_agree_with_active_encargaturas_too(dataset):
    users = dataset.users
    today = timezone.localdate()
    with transaction.atomic():
        # Two reviewers stand in for a gerente today; revisor2 then joins Rentas (the
        # encargatura was valid when given), whose requests they must never decide.
        for delegator, delegate in (("gerente", "revisor2"), ("gerente_rentas", "revisor1")):
            create_delegation(
                users[delegator],
                delegate=users[delegate],
                starts_on=today,
                ends_on=today + timedelta(days=3),
                resolution=f"RG-{delegate}",
            )
        Membership.objects.create(user=users["revisor2"], unit=dataset.units["rentas"])
        assert disagreements(dataset) == []
        # The encargaturas are really exercised: revisor2 decides Social's request in the
        # gerente's name, not Rentas', theirs now.
        revisor2 = get_user_model().objects.get(pk=users["revisor2"].pk)
        pending = MaterialRequest.objects.in_bulk(
            [dataset.pks["rentas/pendiente_aprobacion"], dataset.pks["social/pendiente_aprobacion"]]
        )
        verdicts = {request.unit.code: policy.may(revisor2, "approve", request) for request in pending.values()}
        assert verdicts["social"] and not verdicts["rentas"]
        assert "propia unidad" in verdicts["rentas"].reason
        transaction.set_rollback(True)


def test_the_faces_are_not_trivially_empty(dataset):
    """Each action is allowed somewhere and refused somewhere: the agreement above is
    about real answers."""
    people, requests = fresh_people(dataset), the_requests(dataset)
    for code in ("submit", "forward", "observe", "approve", "return", "reject", "publish", "cancel", "withdraw"):
        answers = {
            bool(policy.legal(code, request) and policy.may(user, code, request))
            for user in people.values()
            for request in requests.values()
        }
        assert answers == {True, False}, code
