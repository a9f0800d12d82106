"""Encargatura: the gerente hands their approval power to a named person for a period, by
a resolution. The record says who approved in whose name; the delegation ends by itself
after its end date, or earlier when revoked; separation of duties still holds."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from organization import services as org_services
from organization.models import Delegation
from organization.selectors import delegators_for
from tests.factories import create_request, request_in_state
from workflows import services
from workflows.models import State
from workflows.permissions import perms_of

pytestmark = pytest.mark.django_db

RESOLUTION = "RA-123-2026"
BANNER = "Encargatura vigente"
LIST_URL = reverse("organization:delegation_list")
CREATE_URL = reverse("organization:delegation_create")


def fresh(user):
    """The user as a new request would load it: roles and delegations are cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


def today():
    return timezone.localdate()


@contextmanager
def days_later(days):
    """Move the clock `days` ahead: timezone.now, and through it timezone.localdate."""
    moved = timezone.now() + timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=moved):
        yield


def delegate(users, who="revisor2", start=0, end=5, resolution=RESOLUTION, by="gerente"):
    return org_services.create_delegation(
        users[by],
        delegate=users[who],
        starts_on=today() + timedelta(days=start),
        ends_on=today() + timedelta(days=end),
        resolution=resolution,
    )


def detail_url(material_request):
    return reverse("workflows:request_detail", args=[material_request.pk])


def action_url(material_request, code):
    return reverse("workflows:request_action", args=[material_request.pk, code])


def pending_list_url():
    return reverse("workflows:request_list") + "?state=pendiente_aprobacion"


def delegation_events(action):
    return AuditEvent.objects.filter(action=action, object_type="organization.delegation")


def written_counts():
    return Delegation.objects.count(), delegation_events("delegate").count()


@pytest.fixture
def pending(users, units):
    return request_in_state(users, units, State.PENDING_APPROVAL)


@pytest.fixture
def delegation(users):
    return delegate(users)


# --- creating one ------------------------------------------------------------------------------


def test_gerente_creates_a_delegation_through_the_service(users, delegation):
    assert delegation.delegator == users["gerente"]
    assert delegation.delegate == users["revisor2"]
    assert delegation.created_by == users["gerente"]
    assert (delegation.starts_on, delegation.ends_on) == (today(), today() + timedelta(days=5))
    assert delegation.resolution == RESOLUTION
    assert delegation.is_active
    assert delegators_for(fresh(users["revisor2"])) == [users["gerente"]]
    event = delegation_events("delegate").get()
    assert event.actor == users["gerente"]
    assert event.comment == RESOLUTION
    assert event.object_id == str(delegation.pk)
    assert event.data == {
        "delegate": "revisor2",
        "starts_on": today().isoformat(),
        "ends_on": (today() + timedelta(days=5)).isoformat(),
    }


def test_gerente_creates_a_delegation_through_the_page(client_for, users):
    client = client_for("gerente")
    page = client.get(LIST_URL)
    assert page.status_code == 200
    assert 'action="' + CREATE_URL + '"' in page.content.decode()
    response = client.post(
        CREATE_URL,
        {
            "delegate": users["revisor2"].pk,
            "starts_on": today().isoformat(),
            "ends_on": (today() + timedelta(days=5)).isoformat(),
            "resolution": RESOLUTION,
            "notes": "Vacaciones del gerente.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate, delegation.resolution) == (
        users["gerente"],
        users["revisor2"],
        RESOLUTION,
    )
    assert delegation.notes == "Vacaciones del gerente."
    assert delegation_events("delegate").count() == 1
    page = client.get(LIST_URL).content.decode()
    assert RESOLUTION in page
    assert "Vigente" in page
    assert "Encargatura registrada" in page


def test_only_the_gerente_creates(client_for, users):
    with pytest.raises(PermissionDenied):
        delegate(users, who="revisor2", by="revisor1")
    data = {
        "delegate": users["revisor2"].pk,
        "starts_on": today().isoformat(),
        "ends_on": (today() + timedelta(days=5)).isoformat(),
        "resolution": RESOLUTION,
    }
    for username in ("revisor1", "rentas1", "publicador"):
        assert client_for(username).post(CREATE_URL, data).status_code == 403, username
    assert written_counts() == (0, 0)


def test_a_future_delegation_is_not_active_yet(users, pending):
    future = delegate(users, start=2, end=4)
    assert not future.is_active
    with pytest.raises(PermissionDenied):
        services.approve_request(fresh(users["revisor2"]), pending)
    with days_later(2):
        assert Delegation.objects.get(pk=future.pk).is_active
        approved = services.approve_request(fresh(users["revisor2"]), pending)
    assert approved.approved_on_behalf_of == users["gerente"]


# --- while it is active ------------------------------------------------------------------------


def test_delegate_approves_in_the_gerentes_name(client_for, users, pending, delegation):
    revisor2 = fresh(users["revisor2"])
    client = client_for("revisor2")
    listing = client.get(pending_list_url())
    assert pending.reference in listing.content.decode()
    page = client.get(detail_url(pending)).content.decode()
    assert 'data-action="approve"' in page

    approved = services.approve_request(revisor2, pending, comment="Conforme.")
    assert approved.state == State.APPROVED
    assert approved.approved_by == users["revisor2"]
    assert approved.approved_on_behalf_of == users["gerente"]
    event = AuditEvent.objects.get(action="approve", object_id=str(pending.pk))
    assert event.actor == users["revisor2"]
    assert event.on_behalf_of == users["gerente"]

    page = client.get(detail_url(pending)).content.decode()
    assert "por encargo de" in page
    assert "revisor2 por encargo de gerente" in " ".join(page.split())


def test_delegate_approves_through_the_page(client_for, users, pending, delegation):
    client = client_for("revisor2")
    response = client.post(action_url(pending, "approve"), {"revision": pending.revision, "comment": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.state == State.APPROVED
    assert (pending.approved_by, pending.approved_on_behalf_of) == (users["revisor2"], users["gerente"])


def test_gerente_approving_himself_is_not_on_behalf(users, pending, delegation):
    approved = services.approve_request(users["gerente"], pending)
    assert approved.approved_by == users["gerente"]
    assert approved.approved_on_behalf_of is None
    assert AuditEvent.objects.get(action="approve", object_id=str(pending.pk)).on_behalf_of is None


def test_banner_shows_on_the_delegates_pages_only(client_for, users, pending, delegation):
    for url in (reverse("workflows:request_list"), detail_url(pending)):
        body = client_for("revisor2").get(url).content.decode()
        assert BANNER in body
        assert "por encargo de gerente" in body
    assert BANNER not in client_for("revisor1").get(reverse("workflows:request_list")).content.decode()
    assert BANNER not in client_for("gerente").get(reverse("workflows:request_list")).content.decode()


def test_a_delegate_with_no_role_sees_pending_requests_only_while_active(client_for, users, pending, settings):
    """`nobody` holds no role (office staff the configuration names): whatever they see
    comes from the encargatura alone."""
    settings.DELEGATION_ELIGIBLE_USERS = ["nobody"]
    client = client_for("nobody")
    assert client.get(detail_url(pending)).status_code == 404
    delegate(users, who="nobody")
    assert pending.reference in client.get(pending_list_url()).content.decode()
    assert client.get(detail_url(pending)).status_code == 200
    with days_later(6):
        client = client_for("nobody")
        assert client.get(detail_url(pending)).status_code == 404
        assert pending.reference not in client.get(pending_list_url()).content.decode()
        with pytest.raises(PermissionDenied):
            services.approve_request(fresh(users["nobody"]), pending)


def test_a_delegate_does_not_see_drafts_or_get_other_powers(users, units, pending, delegation):
    draft = create_request(users["rentas1"], units["rentas"], title="Borrador reservado")
    revisor2 = fresh(users["revisor2"])
    assert perms_of(revisor2, draft) == set()
    # Gerente's powers other than view and approve (cancel) stay with the gerente.
    with pytest.raises(PermissionDenied):
        services.cancel_request(revisor2, pending, comment="No corresponde.")


# --- it ends by itself --------------------------------------------------------------------------


def test_still_active_on_its_last_day(users, pending, delegation):
    with days_later(5):
        approved = services.approve_request(fresh(users["revisor2"]), pending)
    assert approved.approved_on_behalf_of == users["gerente"]


def test_it_ends_by_itself_after_the_end_date(client_for, users, pending, delegation):
    with days_later(6):
        revisor2 = fresh(users["revisor2"])
        assert delegators_for(revisor2) == []
        assert not Delegation.objects.get(pk=delegation.pk).is_active
        with pytest.raises(PermissionDenied):
            services.approve_request(revisor2, pending)
        client = client_for("revisor2")
        body = client.get(detail_url(pending)).content.decode()
        assert 'data-action="approve"' not in body
        assert BANNER not in body
        response = client.post(action_url(pending, "approve"), {"revision": pending.revision, "comment": ""})
        assert response.status_code == 403
        # The gerente is still the one who approves.
        assert services.approve_request(users["gerente"], pending).state == State.APPROVED
    assert AuditEvent.objects.get(action="approve", object_id=str(pending.pk)).on_behalf_of is None


def test_it_ends_when_the_gerente_is_deactivated(users, pending, delegation):
    users["gerente"].is_active = False
    users["gerente"].save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        services.approve_request(fresh(users["revisor2"]), pending)


# --- revoked early --------------------------------------------------------------------------------


def test_revoked_early(client_for, users, pending, delegation):
    revoked = org_services.revoke_delegation(users["gerente"], delegation, reason="Retorno anticipado del titular.")
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == users["gerente"]
    assert not Delegation.objects.get(pk=delegation.pk).is_active
    event = delegation_events("revoke_delegation").get()
    assert (event.actor, event.comment, event.object_id) == (
        users["gerente"],
        "Retorno anticipado del titular.",
        str(delegation.pk),
    )
    with pytest.raises(PermissionDenied):
        services.approve_request(fresh(users["revisor2"]), pending)
    assert BANNER not in client_for("revisor2").get(reverse("workflows:request_list")).content.decode()
    # Revoking twice is refused.
    with pytest.raises(ValidationError):
        org_services.revoke_delegation(users["gerente"], revoked, reason="Otra vez.")
    assert delegation_events("revoke_delegation").count() == 1


def test_revoked_through_the_page(client_for, users, delegation):
    client = client_for("gerente")
    url = reverse("organization:delegation_revoke", args=[delegation.pk])
    assert url in client.get(LIST_URL).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    assert Delegation.objects.get(pk=delegation.pk).revoked_at is None
    response = client.post(url, {"reason": "Fin anticipado."})
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoke_reason == "Fin anticipado."
    assert "Revocada" in client.get(LIST_URL).content.decode()
    assert delegation_events("revoke_delegation").count() == 1


def test_revocation_needs_a_reason_and_the_holder(users, delegation):
    with pytest.raises(ValidationError):
        org_services.revoke_delegation(users["gerente"], delegation, reason="   ")
    with pytest.raises(PermissionDenied):
        org_services.revoke_delegation(users["revisor2"], delegation, reason="Renuncio.")
    with pytest.raises(PermissionDenied):
        org_services.revoke_delegation(users["revisor1"], delegation, reason="No.")
    assert Delegation.objects.get(pk=delegation.pk).revoked_at is None
    assert not delegation_events("revoke_delegation").exists()


# --- bad input --------------------------------------------------------------------------------


BAD_INPUT = {
    # case: (delegate, start offset, end offset, resolution, message)
    "end_before_start": ("revisor2", 3, 1, RESOLUTION, "La fecha de fin no puede ser anterior a la de inicio."),
    "end_in_the_past": ("revisor2", -10, -1, RESOLUTION, "La encargatura ya habría terminado"),
    "overlap": ("revisor1", 2, 8, RESOLUTION, "Se superpone con la encargatura a revisor2"),
    "to_oneself": ("gerente", 0, 5, RESOLUTION, "No puede encargarse la aprobación a sí mismo."),
    "no_resolution": ("revisor2", 0, 5, "   ", "Indique el número de la resolución de encargatura."),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_in_the_service(users, case):
    who, start, end, resolution, message = BAD_INPUT[case]
    if case == "overlap":
        delegate(users)
    before = written_counts()
    with pytest.raises(ValidationError) as refused:
        delegate(users, who=who, start=start, end=end, resolution=resolution)
    assert any(message in text for text in refused.value.messages), refused.value.messages
    assert written_counts() == before


PAGE_MESSAGES = {
    **{case: spec[4] for case, spec in BAD_INPUT.items()},
    # The form offers every active user but the gerente; Django's own Spanish message.
    "to_oneself": "Escoja una opción válida",
    # An empty resolution is caught by the form's required field.
    "no_resolution": "Este campo es obligatorio.",
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_on_the_page(client_for, users, case):
    who, start, end, resolution, _message = BAD_INPUT[case]
    if case == "overlap":
        delegate(users)
    before = written_counts()
    response = client_for("gerente").post(
        CREATE_URL,
        {
            "delegate": users[who].pk,
            "starts_on": (today() + timedelta(days=start)).isoformat(),
            "ends_on": (today() + timedelta(days=end)).isoformat(),
            "resolution": resolution,
        },
    )
    assert response.status_code == 400
    assert PAGE_MESSAGES[case] in response.content.decode()
    assert written_counts() == before


def test_inverted_dates_on_the_page_write_nothing(client_for, users):
    """Whatever the message, an inverted period is refused and nothing is written."""
    response = client_for("gerente").post(
        CREATE_URL,
        {
            "delegate": users["revisor2"].pk,
            "starts_on": (today() + timedelta(days=3)).isoformat(),
            "ends_on": (today() + timedelta(days=1)).isoformat(),
            "resolution": RESOLUTION,
        },
    )
    assert response.status_code == 400
    assert written_counts() == (0, 0)


def test_a_revoked_delegation_does_not_block_a_new_one(users):
    first = delegate(users)
    org_services.revoke_delegation(users["gerente"], first, reason="Cambio de encargado.")
    second = delegate(users, who="revisor1", start=1, end=4)
    assert second.delegate == users["revisor1"]


# --- separation of duties ---------------------------------------------------------------------


def test_a_member_of_a_requesting_unit_cannot_receive_a_delegation(users):
    with pytest.raises(ValidationError) as refused:
        delegate(users, who="revisor_rentas")
    [message] = refused.value.message_dict["delegate"]
    assert "es miembro de Rentas, cuyas solicitudes aprobaría" in message
    assert not Delegation.objects.filter(delegate=users["revisor_rentas"]).exists()


@pytest.mark.parametrize("who", ["publicador", "transparencia", "auditor", "nobody", "rentas1"])
def test_only_approvers_and_configured_office_staff_receive_a_delegation(users, who):
    with pytest.raises(ValidationError) as refused:
        delegate(users, who=who)
    assert "no puede recibir la encargatura" in refused.value.message_dict["delegate"][0]
    assert not Delegation.objects.exists()


def test_the_configuration_names_more_office_staff(users, settings):
    settings.DELEGATION_ELIGIBLE_USERS = ["publicador"]
    assert delegate(users, who="publicador").delegate == users["publicador"]
    settings.DELEGATION_ELIGIBLE_ROLES = []
    with pytest.raises(ValidationError):
        delegate(users, who="revisor1", start=10, end=12)


def test_the_delegation_form_says_why_a_person_is_refused(client_for, users):
    response = client_for("gerente").post(
        CREATE_URL,
        {
            "delegate": users["revisor_rentas"].pk,
            "starts_on": today().isoformat(),
            "ends_on": (today() + timedelta(days=3)).isoformat(),
            "resolution": RESOLUTION,
        },
    )
    assert response.status_code == 400
    assert "es miembro de Rentas, cuyas solicitudes aprobaría: no puede recibir la encargatura." in (
        response.content.decode()
    )
    assert not Delegation.objects.exists()


def test_a_delegate_who_joins_a_unit_does_not_decide_its_requests(users, units):
    """Membership checked when the power is used too: a delegate added to a unit after
    the encargatura approves other units' requests, never their own unit's."""
    delegate(users, who="revisor2")
    org_services.add_member(units["rentas"], users["revisor2"])
    own_unit = request_in_state(users, units, State.PENDING_APPROVAL)
    with pytest.raises(PermissionDenied, match="su propia unidad"):
        services.approve_request(fresh(users["revisor2"]), own_unit)
    own_unit.refresh_from_db()
    assert own_unit.state == State.PENDING_APPROVAL
    other = request_in_state(users, units, State.PENDING_APPROVAL, author="social1", unit="social")
    approved = services.approve_request(fresh(users["revisor2"]), other)
    assert approved.approved_on_behalf_of == users["gerente"]


def test_the_reviewer_who_forwarded_cannot_approve_as_delegate(client_for, users, units, delegation):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    forwarded = services.forward_request(users["revisor2"], material_request)
    assert forwarded.forwarded_by == users["revisor2"]
    with pytest.raises(PermissionDenied, match="derivó"):
        services.approve_request(fresh(users["revisor2"]), forwarded)
    page = client_for("revisor2").get(detail_url(forwarded)).content.decode()
    assert 'data-action="approve"' not in page
    forwarded.refresh_from_db()
    assert forwarded.state == State.PENDING_APPROVAL
    assert not AuditEvent.objects.filter(action="approve", object_id=str(forwarded.pk)).exists()


# --- the list page -----------------------------------------------------------------------------


def test_the_list_page(client_for, users, delegation):
    for username in ("gerente", "admin"):
        response = client_for(username).get(LIST_URL)
        assert response.status_code == 200, username
        body = response.content.decode()
        assert RESOLUTION in body, username
        assert "revisor2" in body
    for username in ("rentas1", "revisor1", "publicador", "nobody"):
        assert client_for(username).get(LIST_URL).status_code == 403, username


def test_the_list_page_needs_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
