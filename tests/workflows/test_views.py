"""Every page's status and content for allowed and refused users, and bad input."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.factories import create_request, request_in_state
from workflows.models import Attachment, Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def detail_url(material_request):
    return reverse("workflows:request_detail", args=[material_request.pk])


def action_url(material_request, code):
    return reverse("workflows:request_action", args=[material_request.pk, code])


def edit_url(material_request):
    return reverse("workflows:request_edit", args=[material_request.pk])


def campaign_post(unit, **overrides):
    data = {
        "unit": unit.pk,
        "title": "Campaña de limpieza de playas",
        "requested_by": (TODAY() + timedelta(days=10)).isoformat(),
        "summary": "Convocar a voluntarios.",
        "body": "Texto.",
        "d-campaign_type": "sensibilizacion",
        "d-objective": "Reunir 300 voluntarios.",
        "d-audience": "Jóvenes del distrito",
        "d-channels": ["facebook", "radio"],
        "d-start_date": (TODAY() + timedelta(days=12)).isoformat(),
        "d-end_date": (TODAY() + timedelta(days=20)).isoformat(),
        "d-budget": "2500.00",
    }
    data.update(overrides)
    return data


KIND_POSTS = {
    Kind.PUBLICATION: {"d-format": "nota_prensa", "d-channels": ["web"], "d-lead": "Entradilla", "d-contact": ""},
    Kind.SPEECH: {
        "d-event_name": "Aniversario",
        "d-place": "Plaza de armas",
        "d-event_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "d-speaker": "Alcalde",
        "d-duration_minutes": "12",
        "d-key_messages": "Gracias.",
    },
    Kind.SIGNAGE: {
        "d-premises": "Mercado municipal",
        "d-address": "Jr. Lima 200",
        "d-location_detail": "Entrada",
        "d-sign_type": "informativa",
        "d-dimensions": "60 × 40 cm",
        "d-material": "Aluminio",
        "d-quantity": "2",
        "d-sign_text": "Horario de atención",
    },
}


def common_post(unit, title="Solicitud de prueba"):
    return {
        "unit": unit.pk,
        "title": title,
        "requested_by": (TODAY() + timedelta(days=9)).isoformat(),
        "summary": "Resumen.",
        "body": "Cuerpo.",
    }


# --- login -----------------------------------------------------------------------------


def test_pages_require_login(client, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    urls = [
        reverse("workflows:request_list"),
        reverse("workflows:request_kind_choice"),
        reverse("workflows:request_create", args=["campaign"]),
        detail_url(material_request),
        edit_url(material_request),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.post(action_url(material_request, "submit"), {"revision": 1})
    assert response.status_code == 302
    assert MaterialRequest.objects.get().state == State.DRAFT


def test_login_page_is_spanish_and_bad_password_is_explained(client, users):
    response = client.get(reverse("login"))
    assert "Ingresar" in response.content.decode()
    response = client.post(reverse("login"), {"username": "rentas1", "password": "equivocada"})
    assert response.status_code == 200
    assert "Usuario o contraseña incorrectos" in response.content.decode()
    response = client.post(reverse("login"), {"username": "rentas1", "password": "demo12345"})
    assert response.status_code == 302


def test_logout_is_a_post_and_ends_the_session(client_for):
    client = client_for("rentas1")
    assert client.get(reverse("workflows:request_list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("workflows:request_list")).status_code == 302


def test_posts_need_a_csrf_token(users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["rentas1"])
    response = client.post(action_url(material_request, "submit"), {"revision": material_request.revision})
    assert response.status_code == 403
    assert MaterialRequest.objects.get().state == State.DRAFT


# --- list ------------------------------------------------------------------------------


def test_list_shows_own_unit_and_hides_other_units_drafts(client_for, users, units):
    own = create_request(users["rentas2"], units["rentas"], title="Borrador de Rentas")
    other = create_request(users["social1"], units["social"], title="Borrador de Social")
    body = client_for("rentas1").get(reverse("workflows:request_list")).content.decode()
    assert own.reference in body
    assert other.reference not in body


def test_reviewer_list_shows_submitted_requests_only(client_for, users, units):
    draft = create_request(users["rentas1"], units["rentas"], title="Aún borrador")
    submitted = request_in_state(users, units, State.IN_REVIEW)
    body = client_for("revisor1").get(reverse("workflows:request_list")).content.decode()
    assert submitted.reference in body
    assert draft.reference not in body


def test_list_filters_by_state_kind_date_and_search(client_for, users, units):
    campaign = request_in_state(users, units, State.IN_REVIEW, kind=Kind.CAMPAIGN)
    speech = create_request(users["rentas1"], units["rentas"], Kind.SPEECH, title="Discurso del aniversario")
    client = client_for("rentas1")
    url = reverse("workflows:request_list")

    def listed(**params):
        body = client.get(url, params).content.decode()
        return {ref for ref in (campaign.reference, speech.reference) if ref in body}

    assert listed() == {campaign.reference, speech.reference}
    assert listed(state="en_revision") == {campaign.reference}
    assert listed(kind="speech") == {speech.reference}
    assert listed(q="aniversario") == {speech.reference}
    assert listed(q=campaign.reference) == {campaign.reference}
    assert listed(date_from=(TODAY() + timedelta(days=1)).isoformat()) == set()
    assert listed(date_to=TODAY().isoformat()) == {campaign.reference, speech.reference}


def test_list_rejects_malformed_filters_in_spanish(client_for, users, units):
    create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas1").get(reverse("workflows:request_list"), {"date_from": "2026-13-45"})
    assert response.status_code == 400
    assert "Introduzca una fecha válida" in response.content.decode()
    response = client_for("rentas1").get(
        reverse("workflows:request_list"), {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.status_code == 400
    assert "no puede ser anterior" in response.content.decode()


def test_list_is_paginated(client_for, users, units):
    for number in range(30):
        create_request(users["rentas1"], units["rentas"], title=f"Solicitud {number:02d}")
    client = client_for("rentas1")
    first = client.get(reverse("workflows:request_list")).content.decode()
    second = client.get(reverse("workflows:request_list"), {"page": 2}).content.decode()
    assert "Página 1 de 2" in first
    assert "Solicitud 29" in first and "Solicitud 00" not in first
    assert "Solicitud 00" in second
    # A page number out of range shows the last page, not an error.
    assert client.get(reverse("workflows:request_list"), {"page": 99}).status_code == 200


# --- create ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_create_form_renders_for_each_kind(client_for, kind):
    response = client_for("rentas1").get(reverse("workflows:request_create", args=[kind.value]))
    assert response.status_code == 200
    assert str(kind.label) in response.content.decode()


def test_unknown_kind_is_404(client_for):
    assert client_for("rentas1").get(reverse("workflows:request_create", args=["folleto"])).status_code == 404


@pytest.mark.parametrize("kind", list(Kind))
def test_create_each_kind_through_the_form(client_for, units, kind):
    data = (
        campaign_post(units["rentas"])
        if kind == Kind.CAMPAIGN
        else {**common_post(units["rentas"]), **KIND_POSTS[kind]}
    )
    response = client_for("rentas1").post(reverse("workflows:request_create", args=[kind.value]), data)
    created = MaterialRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(created)
    assert created.kind == kind and created.state == State.DRAFT
    assert created.details is not None
    assert created.reference.startswith(f"COM-{TODAY().year}-")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Este campo es obligatorio."),
        ({"title": "   "}, "Este campo es obligatorio."),
        ({"title": "x" * 201}, "tenga menos de 200 caracteres"),
        ({"summary": "x" * 1001}, "tenga menos de 1000 caracteres"),
        ({"body": "x" * 60_001}, "tenga menos de 60000 caracteres"),
        ({"requested_by": "2020-01-01"}, "La fecha requerida no puede estar en el pasado."),
        ({"requested_by": "no-es-fecha"}, "Introduzca una fecha válida."),
        ({"d-end_date": (TODAY() + timedelta(days=11)).isoformat()}, "no puede ser anterior a la de inicio"),
        ({"d-start_date": "2020-01-01", "d-end_date": "2020-02-01"}, "no puede empezar en el pasado"),
        ({"d-channels": []}, "Este campo es obligatorio."),
        ({"d-channels": ["telegrama"]}, "Escoja una opción válida"),
        ({"d-budget": "-5"}, "mayor o igual a 0"),
        ({"d-campaign_type": "otra"}, "Escoja una opción válida"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(client_for, units, overrides, message):
    response = client_for("rentas1").post(
        reverse("workflows:request_create", args=["campaign"]), campaign_post(units["rentas"], **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MaterialRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="workflows.materialrequest").exists()


def test_create_for_a_unit_one_does_not_belong_to_is_refused(client_for, units):
    response = client_for("rentas1").post(
        reverse("workflows:request_create", args=["campaign"]), campaign_post(units["social"])
    )
    assert response.status_code == 400
    assert "Escoja una opción válida" in response.content.decode()
    assert MaterialRequest.objects.count() == 0


@pytest.mark.parametrize("username", ["revisor1", "gerente", "auditor", "nobody"])
def test_users_without_a_unit_cannot_create(client_for, units, username):
    client = client_for(username)
    assert client.get(reverse("workflows:request_kind_choice")).status_code == 403
    response = client.post(reverse("workflows:request_create", args=["campaign"]), campaign_post(units["rentas"]))
    assert response.status_code == 403
    assert MaterialRequest.objects.count() == 0


def test_second_submit_of_the_same_create_form_makes_one_request(client_for, units):
    client = client_for("rentas1")
    data = campaign_post(units["rentas"], client_token="0b7e3a4c-5d8e-4f3a-9c1b-2a6d7e8f9a0b")
    first = client.post(reverse("workflows:request_create", args=["campaign"]), data)
    second = client.post(reverse("workflows:request_create", args=["campaign"]), data)
    assert MaterialRequest.objects.count() == 1
    assert first["Location"] == second["Location"]


# --- detail ----------------------------------------------------------------------------


def test_detail_shows_fields_history_and_state(client_for, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    body = client_for("rentas1").get(detail_url(material_request)).content.decode()
    assert "Pendiente de aprobación" in body
    assert "Vacunar 5 000 perros." in body  # kind-specific field
    assert "Prevención" not in body or "De prevención" in body
    for label in ("Creó el borrador", "Envió a revisión", "Derivó a aprobación"):
        assert label in body


@pytest.mark.parametrize(
    ("state", "username", "expected_actions"),
    [
        (State.DRAFT, "rentas1", {"submit", "cancel"}),
        (State.DRAFT, "rentas2", {"submit", "cancel"}),
        (State.IN_REVIEW, "rentas1", {"cancel"}),
        (State.IN_REVIEW, "revisor1", {"forward", "observe"}),
        # The default test campaign is a prevention campaign: the urgent path is open.
        (State.IN_REVIEW, "gerente", {"cancel", "urgent_publish"}),
        (State.PENDING_APPROVAL, "gerente", {"approve", "return", "reject", "cancel", "urgent_publish"}),
        (State.PENDING_APPROVAL, "revisor1", set()),
        (State.APPROVED, "publicador", {"publish"}),
        (State.APPROVED, "gerente", set()),
        (State.PUBLISHED, "gerente", {"withdraw"}),
        (State.PUBLISHED, "publicador", {"withdraw"}),
        (State.PUBLISHED, "transparencia", set()),
        (State.PUBLISHED, "auditor", set()),
        (State.CANCELLED, "rentas1", set()),
    ],
)
def test_detail_offers_exactly_the_actions_the_user_may_take(
    client_for, users, units, state, username, expected_actions
):
    material_request = request_in_state(users, units, state)
    response = client_for(username).get(detail_url(material_request))
    assert response.status_code == 200
    offered = {entry["action"].code for entry in response.context["actions"]}
    assert offered == expected_actions
    body = response.content.decode()
    for code in expected_actions:
        assert action_url(material_request, code) in body


@pytest.mark.parametrize(
    ("state", "username"),
    [
        (State.DRAFT, "social1"),
        (State.DRAFT, "revisor1"),
        (State.DRAFT, "gerente"),
        (State.DRAFT, "publicador"),
        (State.IN_REVIEW, "publicador"),
        (State.APPROVED, "transparencia"),
        (State.PENDING_APPROVAL, "auditor"),
        (State.DRAFT, "nobody"),
    ],
)
def test_detail_is_404_for_who_may_not_see_it(client_for, users, units, state, username):
    material_request = request_in_state(users, units, state)
    assert client_for(username).get(detail_url(material_request)).status_code == 404
    assert client_for(username).get(edit_url(material_request)).status_code == 404


def test_unknown_id_is_404(client_for):
    assert client_for("rentas1").get(reverse("workflows:request_detail", args=[999999])).status_code == 404


# --- actions ---------------------------------------------------------------------------


def test_submit_then_forward_through_the_pages(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas1").post(action_url(material_request, "submit"), {"revision": 1})
    assert response.status_code == 302
    material_request.refresh_from_db()
    assert material_request.state == State.IN_REVIEW

    response = client_for("rentas2").post(action_url(material_request, "forward"), {"revision": 2})
    assert response.status_code == 403
    assert "Solo un revisor" in response.content.decode()

    response = client_for("revisor1").post(action_url(material_request, "forward"), {"revision": 2}, follow=True)
    assert f"Solicitud {material_request.reference} derivada a aprobación." in response.content.decode()


def test_missing_reason_shows_the_form_again(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    response = client_for("revisor1").post(
        action_url(material_request, "observe"), {"revision": material_request.revision, "comment": "  "}
    )
    assert response.status_code == 400
    assert "Este campo es obligatorio." in response.content.decode()
    material_request.refresh_from_db()
    assert material_request.state == State.IN_REVIEW


def test_stale_page_is_refused_with_409(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    stale_revision = material_request.revision
    client_for("revisor1").post(action_url(material_request, "forward"), {"revision": stale_revision})
    response = client_for("revisor2").post(
        action_url(material_request, "observe"), {"revision": stale_revision, "comment": "Falta la fecha."}
    )
    assert response.status_code == 409
    assert "cambió desde que abrió esta página" in response.content.decode()
    material_request.refresh_from_db()
    assert material_request.state == State.PENDING_APPROVAL


def test_action_not_available_in_this_state_is_409(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    response = client_for("gerente").post(
        action_url(material_request, "approve"), {"revision": material_request.revision}
    )
    assert response.status_code == 409
    assert "no está disponible en el estado «En revisión»" in response.content.decode()


def test_unknown_action_is_404_and_get_is_405(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    client = client_for("rentas1")
    assert client.post(action_url(material_request, "teleport"), {"revision": 1}).status_code == 404
    assert client.get(action_url(material_request, "submit")).status_code == 405


def test_posting_an_action_on_another_units_draft_is_404(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("social1").post(action_url(material_request, "submit"), {"revision": 1})
    assert response.status_code == 404
    material_request.refresh_from_db()
    assert material_request.state == State.DRAFT


def test_missing_or_tampered_revision_is_refused(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    client = client_for("rentas1")
    assert client.post(action_url(material_request, "submit"), {}).status_code == 400
    assert client.post(action_url(material_request, "submit"), {"revision": "abc"}).status_code == 400
    assert client.post(action_url(material_request, "submit"), {"revision": 7}).status_code == 409
    material_request.refresh_from_db()
    assert material_request.state == State.DRAFT


def test_publish_needs_channel_and_a_date_not_in_the_future(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED, kind=Kind.SPEECH)
    client = client_for("publicador")
    body = client.get(detail_url(material_request)).content.decode()
    assert "Marcar como pronunciado" in body
    future = (TODAY() + timedelta(days=1)).isoformat()
    response = client.post(
        action_url(material_request, "publish"),
        {"revision": material_request.revision, "channel": "Auditorio", "date": future},
    )
    assert response.status_code == 400
    assert "La fecha no puede ser futura." in response.content.decode()
    response = client.post(
        action_url(material_request, "publish"),
        {"revision": material_request.revision, "channel": "Auditorio", "date": TODAY().isoformat()},
        follow=True,
    )
    page = response.content.decode()
    assert f"Discurso {material_request.reference} registrado como pronunciado." in page
    assert '<span class="state state-publicado">Discurso pronunciado</span>' in page
    assert "Discurso registrado como pronunciado por" in page


# --- edit ------------------------------------------------------------------------------


def edit_post(material_request, **overrides):
    details = material_request.details
    data = {
        "title": material_request.title,
        "requested_by": material_request.requested_by.isoformat(),
        "summary": material_request.summary,
        "body": material_request.body,
        "revision": material_request.revision,
        "d-campaign_type": details.campaign_type,
        "d-objective": details.objective,
        "d-audience": details.audience,
        "d-channels": details.channels,
        "d-start_date": details.start_date.isoformat(),
        "d-end_date": details.end_date.isoformat(),
        "d-budget": str(details.budget),
    }
    data.update(overrides)
    return data


def test_unit_member_edits_a_draft(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas2").post(edit_url(material_request), edit_post(material_request, title="Nuevo"))
    assert response.status_code == 302
    material_request.refresh_from_db()
    assert material_request.title == "Nuevo"
    assert material_request.revision == 2


def test_author_cannot_edit_once_submitted(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    client = client_for("rentas1")
    assert client.get(edit_url(material_request)).status_code == 403
    response = client.post(edit_url(material_request), edit_post(material_request, title="Cambio"))
    assert response.status_code == 403
    material_request.refresh_from_db()
    assert material_request.title != "Cambio"


def test_editing_after_approval_returns_to_pending_approval(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    client = client_for("revisor1")
    assert "volverá a aprobación" in client.get(edit_url(material_request)).content.decode()
    response = client.post(edit_url(material_request), edit_post(material_request, body="Texto corregido"), follow=True)
    assert "vuelve a aprobación del gerente" in response.content.decode()
    material_request.refresh_from_db()
    assert material_request.state == State.PENDING_APPROVAL
    assert material_request.approved_by is None


def test_edit_over_a_newer_change_is_refused(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    stale = edit_post(material_request, title="Versión de rentas2")
    client_for("rentas1").post(edit_url(material_request), edit_post(material_request, title="Versión de rentas1"))
    response = client_for("rentas2").post(edit_url(material_request), stale)
    assert response.status_code == 409
    assert "cambió desde que abrió esta página" in response.content.decode()
    material_request.refresh_from_db()
    assert material_request.title == "Versión de rentas1"


def test_resubmitting_a_saved_edit_is_harmless(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    data = edit_post(material_request, title="Una vez")
    client = client_for("rentas1")
    assert client.post(edit_url(material_request), data).status_code == 302
    assert client.post(edit_url(material_request), data).status_code == 302
    assert AuditEvent.objects.filter(action="edit").count() == 1


def test_invalid_edit_shows_errors_and_keeps_the_data(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas1").post(edit_url(material_request), edit_post(material_request, title=""))
    assert response.status_code == 400
    assert "Este campo es obligatorio." in response.content.decode()
    material_request.refresh_from_db()
    assert material_request.title == "Campaña de vacunación canina"


# --- attachments -----------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(client, material_request, name, content, **extra):
    return client.post(
        reverse("workflows:attachment_upload", args=[material_request.pk]),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def media_files():
    return [os.path.join(root, name) for root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names]


def test_attachment_upload_and_download(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = upload(client_for("rentas1"), material_request, "../../afiche final.pdf", PDF, description="Afiche")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "afiche final.pdf"
    assert attachment.size == len(PDF)
    assert AuditEvent.objects.filter(action="attach").count() == 1
    download = client_for("rentas2").get(
        reverse("workflows:attachment_download", args=[material_request.pk, attachment.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    other = client_for("social1").get(
        reverse("workflows:attachment_download", args=[material_request.pk, attachment.pk])
    )
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vacio.pdf", b"", "El archivo está vacío."),
        ("imagen.pdf", PNG, "no corresponde a su extensión .pdf"),
        ("script.exe", b"MZ\x90\x00", "Tipo de archivo no permitido"),
        ("pagina.html", b"<html></html>", "Tipo de archivo no permitido"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(client_for, users, units, name, content, message):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = media_files()
    response = upload(client_for("rentas1"), material_request, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Attachment.objects.count() == 0
    assert media_files() == before


def test_oversized_upload_is_refused(client_for, users, units, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    material_request = create_request(users["rentas1"], units["rentas"])
    response = upload(client_for("rentas1"), material_request, "grande.pdf", PDF + b"0" * 2048)
    assert response.status_code == 400
    assert "el máximo es" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_only_editors_may_attach_or_remove(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    upload(client_for("rentas1"), material_request, "a.pdf", PDF)
    attachment = Attachment.objects.get()
    material_request = request_in_state(users, units, State.IN_REVIEW)
    assert upload(client_for("rentas1"), material_request, "b.pdf", PDF).status_code == 403
    response = client_for("social1").post(
        reverse("workflows:attachment_remove", args=[attachment.request_id, attachment.pk])
    )
    assert response.status_code == 404
    response = client_for("rentas2").post(
        reverse("workflows:attachment_remove", args=[attachment.request_id, attachment.pk])
    )
    assert response.status_code == 302
    assert Attachment.objects.count() == 0
