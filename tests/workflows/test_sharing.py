"""Sharing a request (co-authoring): the unit head grants another unit or a named person
access to one request, with a reason, and may revoke it, also with a reason."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD, create_request, default_details, default_fields
from workflows import policies, services
from workflows.exceptions import ActionNotAvailable, InvalidInput
from workflows.models import (
    MaterialRequest,
    MaterialRequestGroupObjectPermission,
    MaterialRequestUserObjectPermission,
    Share,
    State,
)

pytestmark = pytest.mark.django_db

REASON = "Coordinación de la campaña con Desarrollo Social."


@pytest.fixture
def head(units):
    return ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )


@pytest.fixture
def draft(users, units):
    return create_request(users["rentas1"], units["rentas"])


def detail_url(material_request):
    return reverse("workflows:request_detail", args=[material_request.pk])


def edit_url(material_request):
    return reverse("workflows:request_edit", args=[material_request.pk])


def share_url(material_request):
    return reverse("workflows:share_create", args=[material_request.pk])


def revoke_url(share):
    return reverse("workflows:share_revoke", args=[share.request_id, share.pk])


def action_url(material_request, code):
    return reverse("workflows:request_action", args=[material_request.pk, code])


def events(material_request, action):
    return AuditEvent.objects.filter(
        action=action, object_type="workflows.materialrequest", object_id=str(material_request.pk)
    )


def listed(client, material_request):
    response = client.get(reverse("workflows:request_list"))
    assert response.status_code == 200
    return material_request.reference in response.content.decode()


def written_counts():
    return (
        Share.objects.count(),
        # Logging a test client in writes a "login" event: count only the request's events.
        AuditEvent.objects.filter(object_type="workflows.materialrequest").count(),
        MaterialRequestGroupObjectPermission.objects.count(),
        MaterialRequestUserObjectPermission.objects.count(),
    )


def edit_post(material_request, **overrides):
    details = default_details(material_request.kind)
    fields = default_fields(title=overrides.pop("title", "Título corregido por la unidad invitada"))
    data = {
        "title": fields["title"],
        "requested_by": fields["requested_by"].isoformat(),
        "summary": fields["summary"],
        "body": fields["body"],
        "revision": material_request.revision,
        "d-campaign_type": details["campaign_type"],
        "d-objective": details["objective"],
        "d-audience": details["audience"],
        "d-channels": details["channels"],
        "d-start_date": details["start_date"].isoformat(),
        "d-end_date": details["end_date"].isoformat(),
        "d-budget": str(details["budget"]),
    }
    data.update(overrides)
    return data


# --- granting and revoking through the service ----------------------------------------------


def test_head_is_head_and_member_is_not(head, users, draft):
    assert policies.can_share(head, draft)
    assert not policies.can_share(users["rentas1"], draft)


def test_shared_unit_and_person_see_the_draft(client_for, head, users, units, draft):
    for username in ("social1", "obras1"):
        client = client_for(username)
        assert client.get(detail_url(draft)).status_code == 404
        assert not listed(client, draft)

    services.share_request(head, draft, reason=REASON, unit=units["social"])
    services.share_request(head, draft, reason="Revisión técnica de Obras.", user=users["obras1"])

    for username in ("social1", "obras1"):
        client = client_for(username)
        response = client.get(detail_url(draft))
        assert response.status_code == 200, username
        assert draft.title in response.content.decode()
        assert listed(client, draft), username
    assert client_for("rentas2").get(detail_url(draft)).status_code == 200  # same unit as the author
    assert client_for("nobody").get(detail_url(draft)).status_code == 404


def test_shared_user_of_another_unit_only_gets_access_personally(client_for, head, users, units, draft):
    extra = ensure_user("obras2", password=PASSWORD, roles=(Role.SOLICITANTE,), units=(units["obras"],))
    services.share_request(head, draft, reason="Solo el ingeniero.", user=users["obras1"])
    assert client_for("obras1").get(detail_url(draft)).status_code == 200
    other = Client()
    other.force_login(extra)
    assert other.get(detail_url(draft)).status_code == 404


def test_co_authors_edit_the_draft_but_cannot_submit_it(client_for, head, users, units, draft):
    services.share_request(head, draft, reason=REASON, unit=units["social"])
    services.share_request(head, draft, reason="Revisión técnica.", user=users["obras1"])

    # Through the service.
    updated = services.update_request(
        users["social1"], draft, fields={"title": "Título de Desarrollo Social"}, details={}, expected_revision=None
    )
    assert updated.title == "Título de Desarrollo Social"
    assert events(draft, "edit").filter(actor=users["social1"]).exists()
    with pytest.raises(PermissionDenied):
        services.submit_request(users["social1"], draft)
    with pytest.raises(PermissionDenied):
        services.submit_request(users["obras1"], draft)

    # Through the pages.
    client = client_for("obras1")
    page = client.get(detail_url(draft))
    body = page.content.decode()
    assert edit_url(draft) in body
    assert 'data-action="submit"' not in body
    assert client.get(edit_url(draft)).status_code == 200
    draft.refresh_from_db()
    response = client.post(edit_url(draft), edit_post(draft, title="Título de Obras"))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.title == "Título de Obras"
    response = client.post(action_url(draft, "submit"), {"revision": draft.revision, "comment": ""})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    # The unit still submits its own draft.
    submitted = services.submit_request(users["rentas1"], draft)
    assert submitted.state == State.IN_REVIEW


def test_revoking_removes_access_and_is_audited(client_for, head, users, units, draft):
    unit_share = services.share_request(head, draft, reason=REASON, unit=units["social"])
    user_share = services.share_request(head, draft, reason="Revisión técnica.", user=users["obras1"])
    assert events(draft, "share").count() == 2

    services.revoke_share(head, unit_share, reason="La coordinación terminó.")
    services.revoke_share(head, user_share, reason="Ya revisó.")

    for username in ("social1", "obras1"):
        client = client_for(username)
        assert client.get(detail_url(draft)).status_code == 404, username
        assert client.get(edit_url(draft)).status_code == 404, username
        assert not listed(client, draft), username
    with pytest.raises(PermissionDenied):
        services.update_request(
            users["social1"], draft, fields={"title": "Intento"}, details={}, expected_revision=None
        )

    unshares = events(draft, "unshare").order_by("sequence")
    assert [(e.comment, e.data["unit"], e.data["user"]) for e in unshares] == [
        ("La coordinación terminó.", "social", ""),
        ("Ya revisó.", "", "obras1"),
    ]
    assert all(e.actor == head for e in unshares)
    unit_share.refresh_from_db()
    assert unit_share.revoked_by == head
    assert unit_share.revoke_reason == "La coordinación terminó."
    assert unit_share.revoked_at is not None
    # A second revocation is refused.
    with pytest.raises(ActionNotAvailable):
        services.revoke_share(head, unit_share, reason="Otra vez.")


def test_each_grant_is_audited_with_its_reason(head, users, units, draft):
    services.share_request(head, draft, reason=REASON, unit=units["social"])
    services.share_request(head, draft, reason="Revisión técnica.", user=users["obras1"])
    shares = events(draft, "share").order_by("sequence")
    assert [(e.comment, e.data["unit"], e.data["user"], e.actor) for e in shares] == [
        (REASON, "social", "", head),
        ("Revisión técnica.", "", "obras1", head),
    ]
    assert all(e.from_state == e.to_state == State.DRAFT for e in shares)
    # The per-object permissions each share granted travel with its event.
    social_group = units["social"].group_id
    obras1 = users["obras1"].pk
    assert shares[0].data["permissions"] == {
        "granted": [["group", social_group, "change_materialrequest"], ["group", social_group, "view_materialrequest"]],
        "revoked": [],
    }
    assert shares[1].data["permissions"] == {
        "granted": [["user", obras1, "change_materialrequest"], ["user", obras1, "view_materialrequest"]],
        "revoked": [],
    }


def test_a_revocation_records_the_permissions_it_took_away(head, units, draft):
    share = services.share_request(head, draft, reason=REASON, unit=units["social"])
    services.revoke_share(head, share, reason="Fin.")
    (unshare,) = events(draft, "unshare")
    social_group = units["social"].group_id
    assert unshare.data["permissions"]["revoked"] == [
        ["group", social_group, "change_materialrequest"],
        ["group", social_group, "view_materialrequest"],
    ]
    assert unshare.data["permissions"]["granted"] == []


def test_a_share_can_be_granted_again_after_revocation(client_for, head, units, draft):
    share = services.share_request(head, draft, reason=REASON, unit=units["social"])
    services.revoke_share(head, share, reason="Fin.")
    services.share_request(head, draft, reason="Otra vez.", unit=units["social"])
    assert client_for("social1").get(detail_url(draft)).status_code == 200
    assert Share.objects.filter(request=draft).count() == 2


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_sharing_needs_a_reason(head, units, draft, reason):
    before = written_counts()
    with pytest.raises(InvalidInput) as refused:
        services.share_request(head, draft, reason=reason, unit=units["social"])
    assert "reason" in refused.value.field_errors
    assert written_counts() == before


def test_revoking_needs_a_reason(head, units, draft, client_for):
    share = services.share_request(head, draft, reason=REASON, unit=units["social"])
    before = written_counts()
    with pytest.raises(InvalidInput):
        services.revoke_share(head, share, reason="  ")
    assert written_counts() == before
    assert client_for("social1").get(detail_url(draft)).status_code == 200


def test_a_plain_member_cannot_share_or_revoke(head, users, units, draft):
    before = written_counts()
    with pytest.raises(PermissionDenied):
        services.share_request(users["rentas1"], draft, reason=REASON, unit=units["social"])
    assert written_counts() == before
    share = services.share_request(head, draft, reason=REASON, unit=units["social"])
    before = written_counts()
    with pytest.raises(PermissionDenied):
        services.revoke_share(users["rentas1"], share, reason="No corresponde.")
    assert written_counts() == before


def test_the_head_of_another_unit_cannot_share(users, units, draft):
    other_head = ensure_user(
        "jefe_social",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD,),
        units=(units["social"],),
        head_of=(units["social"],),
    )
    with pytest.raises(PermissionDenied):
        services.share_request(other_head, draft, reason=REASON, user=users["obras1"])


@pytest.mark.parametrize(
    "case",
    ["own_unit", "twice_same_unit", "twice_same_user", "unit_and_user", "neither", "inactive_user"],
)
def test_invalid_shares_write_nothing(head, users, units, draft, case):
    if case.startswith("twice"):
        target = {"unit": units["social"]} if case == "twice_same_unit" else {"user": users["obras1"]}
        services.share_request(head, draft, reason=REASON, **target)
    kwargs = {
        "own_unit": {"unit": units["rentas"]},
        "twice_same_unit": {"unit": units["social"]},
        "twice_same_user": {"user": users["obras1"]},
        "unit_and_user": {"unit": units["social"], "user": users["obras1"]},
        "neither": {},
        "inactive_user": {"user": users["obras1"]},
    }[case]
    if case == "inactive_user":
        users["obras1"].is_active = False
        users["obras1"].save(update_fields=["is_active"])
    before = written_counts()
    with pytest.raises(InvalidInput):
        services.share_request(head, draft, reason=REASON, **kwargs)
    assert written_counts() == before


# --- state changes ----------------------------------------------------------------------------


def test_shares_survive_state_changes(client_for, head, users, units, draft):
    services.share_request(head, draft, reason=REASON, unit=units["social"])
    services.share_request(head, draft, reason="Revisión técnica.", user=users["obras1"])
    submitted = services.submit_request(users["rentas1"], draft)
    assert submitted.state == State.IN_REVIEW

    for username in ("social1", "obras1"):
        client = client_for(username)
        page = client.get(detail_url(draft))
        assert page.status_code == 200, username
        assert edit_url(draft) not in page.content.decode()
        assert client.get(edit_url(draft)).status_code == 403, username
        with pytest.raises(PermissionDenied):
            services.update_request(
                users[username], submitted, fields={"title": "Intento"}, details={}, expected_revision=None
            )

    # Observed back to draft: the co-authors edit again.
    observed = services.observe_request(users["revisor1"], submitted, comment="Falta el presupuesto.")
    assert observed.state == State.DRAFT
    assert client_for("social1").get(edit_url(draft)).status_code == 200

    # All the way to publication, the shares keep reading access.
    current = MaterialRequest.objects.get(pk=draft.pk)
    current = services.submit_request(users["rentas1"], current)
    current = services.forward_request(users["revisor1"], current)
    current = services.approve_request(users["gerente"], current)
    assert current.state == State.APPROVED
    for username in ("social1", "obras1"):
        assert client_for(username).get(detail_url(draft)).status_code == 200, username
        assert client_for(username).get(edit_url(draft)).status_code == 403, username


def test_a_share_granted_after_submission_gives_read_access_only(client_for, head, users, units, draft):
    submitted = services.submit_request(users["rentas1"], draft)
    services.share_request(head, submitted, reason=REASON, unit=units["social"])
    client = client_for("social1")
    assert client.get(detail_url(draft)).status_code == 200
    assert client.get(edit_url(draft)).status_code == 403


# --- the pages --------------------------------------------------------------------------------


def test_head_sees_the_share_form(client_for, head, draft):
    client = client_for("rentas1")
    assert share_url(draft) not in client.get(detail_url(draft)).content.decode()
    client.force_login(head)
    assert share_url(draft) in client.get(detail_url(draft)).content.decode()


def test_share_and_revoke_through_the_pages(client, client_for, head, users, units, draft):
    client.force_login(head)
    response = client.post(share_url(draft), {"unit": units["social"].pk, "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft)
    response = client.post(share_url(draft), {"user": users["obras1"].pk, "reason": "Revisión técnica."})
    assert response.status_code == 302
    unit_share = Share.objects.get(request=draft, unit=units["social"])
    user_share = Share.objects.get(request=draft, user=users["obras1"])
    assert unit_share.granted_by == head
    assert unit_share.reason == REASON

    page = client.get(detail_url(draft)).content.decode()
    assert "Desarrollo Social" in page
    assert revoke_url(unit_share) in page

    social = client_for("social1")
    assert social.get(detail_url(draft)).status_code == 200
    client.force_login(head)

    response = client.post(revoke_url(unit_share), {"reason": "Ya no hace falta."})
    assert response.status_code == 302
    response = client.post(revoke_url(user_share), {"reason": "Revisión terminada."})
    assert response.status_code == 302
    assert events(draft, "unshare").count() == 2
    assert events(draft, "unshare").first().comment == "Ya no hace falta."

    for username in ("social1", "obras1"):
        assert client_for(username).get(detail_url(draft)).status_code == 404, username


def test_share_page_refusals(client, client_for, head, users, units, draft):
    # A unit member who is not the head: 403, nothing written.
    before = written_counts()
    response = client_for("rentas1").post(share_url(draft), {"unit": units["social"].pk, "reason": REASON})
    assert response.status_code == 403
    # Someone who cannot even see the request: 404.
    response = client_for("obras1").post(share_url(draft), {"unit": units["social"].pk, "reason": REASON})
    assert response.status_code == 404
    assert written_counts() == before

    client.force_login(head)
    bad_posts = [
        {"unit": units["social"].pk, "reason": ""},  # no reason
        {"unit": units["rentas"].pk, "reason": REASON},  # its own unit
        {"unit": units["social"].pk, "user": users["obras1"].pk, "reason": REASON},  # both
        {"reason": REASON},  # neither
    ]
    for data in bad_posts:
        response = client.post(share_url(draft), data)
        assert response.status_code == 400, data
        assert "Revise los datos para compartir." in response.content.decode()
    assert written_counts() == before

    client.post(share_url(draft), {"unit": units["social"].pk, "reason": REASON})
    before = written_counts()
    response = client.post(share_url(draft), {"unit": units["social"].pk, "reason": REASON})
    assert response.status_code == 400
    assert "ya está compartida" in response.content.decode()
    assert written_counts() == before


def test_revoke_page_refusals(client, client_for, head, users, units, draft):
    share = services.share_request(head, draft, reason=REASON, unit=units["social"])
    before = written_counts()
    assert client_for("rentas1").post(revoke_url(share), {"reason": "No."}).status_code == 403
    assert client_for("social1").post(revoke_url(share), {"reason": "No."}).status_code == 403
    assert written_counts() == before
    client.force_login(head)
    response = client.post(revoke_url(share), {"reason": ""})
    assert response.status_code == 400
    assert "Indique el motivo" in response.content.decode()
    # A share of another request, addressed through this one: 404.
    other = create_request(users["rentas1"], units["rentas"], title="Otra solicitud")
    other_share = services.share_request(head, other, reason=REASON, unit=units["obras"])
    before = written_counts()
    url = reverse("workflows:share_revoke", args=[draft.pk, other_share.pk])
    assert client.post(url, {"reason": "Cruzado."}).status_code == 404
    assert written_counts() == before
    # Already revoked: 409.
    services.revoke_share(head, share, reason="Fin.")
    assert client.post(revoke_url(share), {"reason": "Otra vez."}).status_code == 409
    assert client_for("social1").get(detail_url(draft)).status_code == 404


# --- separation of duties for co-authors ------------------------------------------------------

# A co-author (a person or unit the request was shared with) counts as an author:
# nobody reviews, approves or publishes a text they helped write.


def test_a_gerente_who_co_wrote_the_draft_cannot_approve_it(head, users, draft):
    services.share_request(head, draft, reason="Redacción conjunta con la gerencia.", user=users["gerente"])
    edited = services.update_request(
        users["gerente"], draft, fields={"body": "Texto escrito por el gerente."}, details={}, expected_revision=None
    )
    assert AuditEvent.objects.filter(action="edit", actor=users["gerente"], object_id=str(draft.pk)).exists()
    pending = services.forward_request(users["revisor1"], services.submit_request(users["rentas1"], edited))
    with pytest.raises(PermissionDenied):
        services.approve_request(users["gerente"], pending)


def test_a_reviewer_who_co_wrote_the_draft_cannot_review_it(head, users, draft):
    services.share_request(head, draft, reason="Apoyo en la redacción.", user=users["revisor1"])
    edited = services.update_request(
        users["revisor1"], draft, fields={"body": "Texto escrito por el revisor."}, details={}, expected_revision=None
    )
    in_review = services.submit_request(users["rentas1"], edited)
    with pytest.raises(PermissionDenied):
        services.forward_request(users["revisor1"], in_review)
