"""The inbox's lean permission filters (workflows.permissions.perm_filter, could_hold,
objects_with_perm(among=...)) decide exactly as guardian's get_objects_for_user does:
person by person, codename by codename, encargados and shares included."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from organization.roles import Role
from organization.services import create_delegation, ensure_user
from tests.factories import PASSWORD, create_request, request_in_state
from workflows import permissions as perm
from workflows import services
from workflows.models import MaterialRequest, State

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def world(users, units):
    """A request in every state, an urgent publication waiting for its post-review, a
    draft shared with a unit and another with a person, and an active encargatura."""
    head = ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )
    requests = [request_in_state(users, units, state) for state in State]
    requests.append(request_in_state(users, units, State.PENDING_APPROVAL, author="social1", unit="social"))
    requests.append(
        services.publish_urgently(
            users["gerente"],
            request_in_state(users, units, State.IN_REVIEW),
            channel="Radio municipal",
            date=timezone.localdate(),
            comment="Alerta por lluvias",
        )
    )
    shared_with_unit = create_request(users["rentas1"], units["rentas"])
    services.share_request(head, shared_with_unit, reason="Coautoría.", unit=units["obras"])
    shared_with_person = create_request(users["rentas1"], units["rentas"])
    services.share_request(head, shared_with_person, reason="Coautoría.", user=users["publicador"])
    today = timezone.localdate()
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=2),
        resolution="R1",
    )
    return [*requests, shared_with_unit, shared_with_person]


def guardian_ids(user, codename):
    """What guardian's own query says (objects_with_perm without `among`)."""
    return set(perm.objects_with_perm(user, codename).values_list("pk", flat=True))


def test_perm_filter_and_could_hold_agree_with_guardian(users, world):
    checked = 0
    for username in users:
        user = fresh(users[username])
        for codename in perm.ALL_CODENAMES:
            expected = guardian_ids(user, codename)
            lean = set(MaterialRequest.objects.filter(perm.perm_filter(user, codename)).values_list("pk", flat=True))
            assert lean == expected, (username, codename)
            among = [world[0].pk, world[-1].pk, world[-3].pk, 999_999]
            narrowed = set(perm.objects_with_perm(user, codename, among=among).values_list("pk", flat=True))
            assert narrowed == expected & set(among), (username, codename)
            if expected:
                # Pruning never drops a codename the person holds somewhere.
                assert perm.could_hold(user, codename), (username, codename)
            checked += bool(expected)
    assert checked > 20  # the world gives most people something to hold


def test_could_hold_prunes_what_no_request_can_give(users):
    assert not perm.could_hold(users["revisor1"], perm.APPROVE)
    assert not perm.could_hold(users["revisor1"], perm.SUBMIT)
    assert perm.could_hold(users["revisor1"], perm.REVIEW)
    assert not perm.could_hold(users["gerente"], perm.REVIEW)
    assert perm.could_hold(users["rentas1"], perm.SUBMIT)
    assert not perm.could_hold(users["nobody"], perm.PUBLISH)
    assert perm.could_hold(users["nobody"], perm.VIEW)  # a share may name anyone


def test_an_encargado_could_hold_the_gerentes_approval_only_while_it_lasts(users):
    today = timezone.localdate()
    assert not perm.could_hold(fresh(users["revisor2"]), perm.APPROVE)
    create_delegation(users["gerente"], delegate=users["revisor2"], starts_on=today, ends_on=today, resolution="R2")
    assert perm.could_hold(fresh(users["revisor2"]), perm.APPROVE)
    assert not perm.could_hold(fresh(users["revisor2"]), perm.PUBLISH)


def test_inactive_and_anonymous_people_hold_nothing(users, world):
    from django.contrib.auth.models import AnonymousUser

    gerente = fresh(users["gerente"])
    gerente.is_active = False
    for who in (gerente, AnonymousUser()):
        assert not perm.could_hold(who, perm.VIEW)
        assert not MaterialRequest.objects.filter(perm.perm_filter(who, perm.VIEW)).exists()
        assert not perm.objects_visible_to(who, among=[world[0].pk]).exists()


def test_a_superuser_sees_every_request_among_those_asked(users, world):
    admin = fresh(users["admin"])
    among = [world[0].pk, world[1].pk, 999_999]
    assert set(perm.objects_visible_to(admin, among=among).values_list("pk", flat=True)) == set(among[:2])
