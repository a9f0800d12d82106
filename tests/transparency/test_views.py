"""The register's pages: who gets what, forms and their errors, the deadline colours."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from documents.models import DocumentVersion
from tests.factories import request_in_state
from transparency import services
from transparency.models import State, TransparencyRequest
from workflows.models import State as RequestState

from .conftest import walk

pytestmark = pytest.mark.django_db

FORM = {
    "requester_name": "Carlos Mamani Apaza",
    "requester_document_type": "dni",
    "requester_document_number": "41234567",
    "requester_email": "cmamani@correo.example",
    "requester_phone": "",
    "requester_address": "Av. Brasil 1200",
    "channel": "correo",
    "received_at": "2026-03-02T09:15",
    "requested_information": "Presupuesto ejecutado de la campaña de reciclaje.",
}


def body(response):
    return response.content.decode()


def row_class(html, reference):
    match = re.search(rf'<tr class="saip-row ([a-z-]+)" data-reference="{reference}">', html)
    assert match, reference
    return match.group(1)


# --- who may see the register --------------------------------------------------------------


@pytest.mark.parametrize("username", ["transparencia", "auditor", "admin"])
def test_readers_see_the_list_and_the_detail(client_for, register, username):
    entry = register()
    client = client_for(username)
    response = client.get(reverse("transparency:list"))
    assert response.status_code == 200
    assert entry.reference in body(response)
    response = client.get(reverse("transparency:detail", args=[entry.pk]))
    assert response.status_code == 200
    assert entry.requester_name in body(response)


@pytest.mark.parametrize("username", ["rentas1", "gerente", "revisor1", "publicador", "nobody"])
def test_everyone_else_is_told_nothing_exists(client_for, register, username):
    entry = register()
    client = client_for(username)
    for path in (
        reverse("transparency:list"),
        reverse("transparency:create"),
        reverse("transparency:detail", args=[entry.pk]),
        reverse("transparency:edit", args=[entry.pk]),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert entry.reference not in body(response)
    response = client.post(reverse("transparency:action", args=[entry.pk, "start"]), {})
    assert response.status_code == 404
    assert TransparencyRequest.objects.get(pk=entry.pk).state == State.RECEIVED


def test_anonymous_visitors_are_sent_to_the_login(client, register):
    entry = register()
    for path in (reverse("transparency:list"), reverse("transparency:detail", args=[entry.pk])):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/ingresar/")


@pytest.mark.parametrize("username", ["auditor", "admin"])
def test_readers_who_are_not_the_officer_cannot_act(client_for, register, username):
    entry = register()
    client = client_for(username)
    detail = body(client.get(reverse("transparency:detail", args=[entry.pk])))
    assert reverse("transparency:action", args=[entry.pk, "start"]) not in detail
    assert 'data-action="start"' not in detail
    assert "Usted puede consultar este registro, no modificarlo." in detail
    assert client.get(reverse("transparency:create")).status_code == 403
    assert client.post(reverse("transparency:create"), FORM).status_code == 403
    assert client.get(reverse("transparency:edit", args=[entry.pk])).status_code == 403
    assert client.post(reverse("transparency:action", args=[entry.pk, "start"]), {}).status_code == 403
    assert client.post(reverse("transparency:action", args=[entry.pk, "archive"]), {"reason": "x"}).status_code == 403
    assert TransparencyRequest.objects.count() == 1
    assert TransparencyRequest.objects.get(pk=entry.pk).state == State.RECEIVED


# --- registering ------------------------------------------------------------------------


def test_the_officer_registers_a_request(client_for, users):
    client = client_for("transparencia")
    page = client.get(reverse("transparency:create"))
    assert page.status_code == 200
    assert 'name="client_token"' in body(page)
    response = client.post(reverse("transparency:create"), FORM)
    entry = TransparencyRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("transparency:detail", args=[entry.pk])
    assert entry.requester_name == "Carlos Mamani Apaza"
    assert entry.created_by == users["transparencia"]
    assert entry.response_due_on.isoformat() == "2026-03-16"
    assert AuditEvent.objects.filter(object_id=str(entry.pk), action="transparency_register").count() == 1


def test_a_future_reception_date_is_refused_in_spanish_and_nothing_is_saved(client_for):
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for("transparencia").post(reverse("transparency:create"), {**FORM, "received_at": future})
    assert response.status_code == 400
    assert "La fecha de recepción no puede estar en el futuro." in body(response)
    assert TransparencyRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(action="transparency_register").exists()


@pytest.mark.parametrize("value", ["2026-02-31T10:00", "ayer", "02/03/2026 25:99", ""])
def test_a_malformed_reception_date_is_a_spanish_form_error(client_for, value):
    response = client_for("transparencia").post(reverse("transparency:create"), {**FORM, "received_at": value})
    assert response.status_code == 400
    text = body(response)
    assert "Introduzca una fecha y hora válidas" in text or "Este campo es obligatorio" in text
    assert TransparencyRequest.objects.count() == 0


def test_an_empty_form_is_a_400_with_every_required_field_named(client_for):
    response = client_for("transparencia").post(reverse("transparency:create"), {})
    assert response.status_code == 400
    assert body(response).count("Este campo es obligatorio.") >= 6
    assert TransparencyRequest.objects.count() == 0


def test_an_invalid_document_number_is_shown_on_its_field(client_for):
    response = client_for("transparencia").post(
        reverse("transparency:create"), {**FORM, "requester_document_number": "12AB"}
    )
    assert response.status_code == 400
    assert "El DNI tiene 8 dígitos, sin letras." in body(response)
    assert TransparencyRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("country", "help_text", "choices", "absent"),
    [
        (
            "PE",
            "DNI: 8 dígitos. RUC: 11 dígitos. Carné de extranjería o pasaporte: entre 6 y 15 letras y números.",
            ["DNI", "Carné de extranjería", "RUC", "Pasaporte"],
            ["13 dígitos", "Carné de residente"],
        ),
        (
            "HN",
            "DNI (número de identidad): 13 dígitos, con o sin guiones. Carné de residente o pasaporte: entre 6 y 15 "
            "letras y números.",
            ["DNI (número de identidad)", "Carné de residente", "Pasaporte"],
            ["8 dígitos", ">RUC<", "Carné de extranjería"],
        ),
    ],
)
def test_the_identity_help_and_choices_are_the_countrys(client_for, settings, country, help_text, choices, absent):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = country
    page = body(client_for("transparencia").get(reverse("transparency:create")))
    assert help_text in page
    for label in choices:
        assert f">{label}</option>" in page
    for text in absent:
        assert text not in page


def test_a_second_submit_of_the_same_page_makes_no_second_entry(client_for):
    client = client_for("transparencia")
    data = {**FORM, "client_token": "6b0b8a4e-3f5d-4b7e-9d51-1c7f2a3e9b10"}
    first = client.post(reverse("transparency:create"), data)
    second = client.post(reverse("transparency:create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert TransparencyRequest.objects.count() == 1


def test_posts_need_the_csrf_token(users, register):
    entry = register()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["transparencia"])
    assert client.post(reverse("transparency:create"), FORM).status_code == 403
    assert client.post(reverse("transparency:action", args=[entry.pk, "start"]), {}).status_code == 403
    assert TransparencyRequest.objects.count() == 1
    assert TransparencyRequest.objects.get(pk=entry.pk).state == State.RECEIVED


# --- editing ----------------------------------------------------------------------------


def test_editing_the_data(client_for, register):
    entry = register()
    client = client_for("transparencia")
    assert client.get(reverse("transparency:edit", args=[entry.pk])).status_code == 200
    response = client.post(reverse("transparency:edit", args=[entry.pk]), {**FORM, "received_at": "2026-03-07T11:00"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.requester_name == "Carlos Mamani Apaza"
    assert entry.response_due_on.isoformat() == "2026-03-23"
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("transparency:edit", args=[entry.pk]), {**FORM, "received_at": future})
    assert response.status_code == 400
    assert "futuro" in body(response)


def test_a_closed_entry_cannot_be_edited(client_for, users, register):
    entry = walk(users, register(), "start", "answer")
    response = client_for("transparencia").post(reverse("transparency:edit", args=[entry.pk]), FORM)
    assert response.status_code == 409
    assert "ya no se modifica" in body(response)
    entry.refresh_from_db()
    assert entry.requester_name != FORM["requester_name"]


# --- actions ----------------------------------------------------------------------------


def test_the_officer_moves_an_entry_through_its_life(client_for, users, register):
    entry = register()
    client = client_for("transparencia")
    url = lambda code: reverse("transparency:action", args=[entry.pk, code])  # noqa: E731
    assert client.post(url("assign"), {"officer": users["transparencia"].pk}).status_code == 302
    assert client.post(url("start"), {"comment": "Pedido al archivo."}).status_code == 302
    response = client.post(
        url("extend"),
        {"new_due_on": "2026-03-27", "communicated_at": "2026-03-04T12:00", "justification": "Archivo periférico."},
    )
    assert response.status_code == 302
    response = client.post(url("answer"), {"response_summary": "Se entregó copia.", "answered_at": "2026-03-20T10:00"})
    assert response.status_code == 302
    assert client.post(url("archive"), {"reason": "Expediente concluido."}).status_code == 302
    entry.refresh_from_db()
    assert entry.state == State.ARCHIVED
    assert entry.assigned_to == users["transparencia"]
    assert entry.extension_due_on.isoformat() == "2026-03-27"
    detail = body(client.get(reverse("transparency:detail", args=[entry.pk])))
    for label in (
        "Registró la solicitud",
        "Asignó el responsable",
        "Inició la atención",
        "Comunicó una prórroga",
        "Registró la respuesta",
        "Archivó la solicitud",
    ):
        assert label in detail


def test_an_illegal_transition_is_a_409_in_spanish(client_for, register):
    entry = register()
    response = client_for("transparencia").post(
        reverse("transparency:action", args=[entry.pk, "answer"]),
        {"response_summary": "Entregada.", "answered_at": "2026-03-03T10:00"},
    )
    assert response.status_code == 409
    assert "no está disponible en el estado «Recibida»" in body(response)
    entry.refresh_from_db()
    assert entry.state == State.RECEIVED


def test_a_denial_without_its_exemption_is_a_400(client_for, users, register):
    entry = walk(users, register(), "start")
    response = client_for("transparencia").post(
        reverse("transparency:action", args=[entry.pk, "deny"]),
        {"exemption": "", "justification": "Datos de terceros.", "answered_at": "2026-03-05T10:00"},
    )
    assert response.status_code == 400
    assert "Revise el formulario" in body(response)
    entry.refresh_from_db()
    assert entry.state == State.IN_PROGRESS


def test_a_malformed_extension_date_is_a_400_in_spanish(client_for, register):
    entry = register()
    response = client_for("transparencia").post(
        reverse("transparency:action", args=[entry.pk, "extend"]),
        {"new_due_on": "2026-13-45", "communicated_at": "2026-03-03T10:00", "justification": "Volumen."},
    )
    assert response.status_code == 400
    assert "Introduzca una fecha válida." in body(response)
    entry.refresh_from_db()
    assert entry.state == State.RECEIVED


def test_an_extension_date_refused_by_the_service_is_shown_on_its_field(client_for, register):
    entry = register()
    response = client_for("transparencia").post(
        reverse("transparency:action", args=[entry.pk, "extend"]),
        {"new_due_on": "2026-03-28", "communicated_at": "2026-03-03T10:00", "justification": "Volumen."},
    )
    assert response.status_code == 400
    assert "día hábil" in body(response)


def test_an_unknown_action_is_not_found_and_get_is_not_allowed(client_for, register):
    entry = register()
    client = client_for("transparencia")
    assert client.post(reverse("transparency:action", args=[entry.pk, "borrar"]), {}).status_code == 404
    assert client.get(reverse("transparency:action", args=[entry.pk, "start"])).status_code == 405
    assert client.get(reverse("transparency:detail", args=[10**9])).status_code == 404


# --- links ------------------------------------------------------------------------------


def test_linking_by_reference_and_unlinking(client_for, users, units, register, published):
    entry = register()
    client = client_for("transparencia")
    response = client.post(
        reverse("transparency:link_request", args=[entry.pk]), {"reference": published.reference.lower()}
    )
    assert response.status_code == 302
    assert list(entry.material_requests.all()) == [published]
    detail = body(client.get(reverse("transparency:detail", args=[entry.pk])))
    assert published.title in detail
    version = DocumentVersion.objects.filter(request=published).first()
    assert (
        client.post(reverse("transparency:link_document", args=[entry.pk]), {"version": version.pk}).status_code == 302
    )
    assert list(entry.document_versions.all()) == [version]
    path = reverse("transparency:unlink_document", args=[entry.pk, version.pk])
    assert client.post(path).status_code == 302
    assert client.post(path).status_code == 404  # no longer linked
    path = reverse("transparency:unlink_request", args=[entry.pk, published.pk])
    assert client.post(path).status_code == 302
    assert not entry.material_requests.exists()


def test_a_request_the_officer_cannot_see_is_refused_like_a_missing_one(client_for, users, units, register):
    entry = register()
    draft = request_in_state(users, units, RequestState.DRAFT)
    client = client_for("transparencia")
    hidden = client.post(reverse("transparency:link_request", args=[entry.pk]), {"reference": draft.reference})
    missing = client.post(reverse("transparency:link_request", args=[entry.pk]), {"reference": "COM-1999-00001"})
    assert hidden.status_code == missing.status_code == 400
    assert draft.title not in body(hidden)
    assert "No existe esa solicitud o usted no tiene acceso a ella." in body(hidden)
    assert not entry.material_requests.exists()


def test_a_version_of_an_unlinked_request_is_not_offered(client_for, register, published):
    entry = register()
    version = DocumentVersion.objects.filter(request=published).first()
    response = client_for("transparencia").post(
        reverse("transparency:link_document", args=[entry.pk]), {"version": version.pk}
    )
    assert response.status_code == 400
    assert not entry.document_versions.exists()


def test_the_auditor_cannot_link(client_for, register, published):
    entry = register()
    response = client_for("auditor").post(
        reverse("transparency:link_request", args=[entry.pk]), {"reference": published.reference}
    )
    assert response.status_code == 403
    assert not entry.material_requests.exists()


# --- the list: filters and colours ----------------------------------------------------------


def set_due(entry, days_from_today):
    TransparencyRequest.objects.filter(pk=entry.pk).update(
        response_due_on=timezone.localdate() + timedelta(days=days_from_today)
    )


def test_each_row_shows_its_days_left_in_colour(client_for, users, register):
    far, today, late, closed = register(), register(), register(), register()
    set_due(far, 30)  # more than TRANSPARENCY_REMINDER_DAYS working days
    set_due(today, 0)
    set_due(late, -7)
    walk(users, closed, "archive")
    html = body(client_for("transparencia").get(reverse("transparency:list")))
    assert row_class(html, far.reference) == "deadline-ok"
    assert row_class(html, today.reference) == "deadline-near"
    assert row_class(html, late.reference) == "deadline-overdue"
    assert row_class(html, closed.reference) == "deadline-closed"
    assert "Vence hoy" in html
    assert "Vencida hace" in html
    assert "transparency/transparency.css" in html


def test_the_extension_date_is_the_deadline_once_communicated(client_for, users, register):
    entry = register()
    set_due(entry, -3)
    TransparencyRequest.objects.filter(pk=entry.pk).update(
        extension_due_on=timezone.localdate() + timedelta(days=30), state=State.EXTENDED
    )
    html = body(client_for("auditor").get(reverse("transparency:list")))
    assert row_class(html, entry.reference) == "deadline-ok"


def test_filters(client_for, users, register):
    assigned, unassigned, late = register(), register(), register()
    services.assign_officer(users["transparencia"], assigned, officer=users["transparencia"])
    walk(users, assigned, "start")
    set_due(late, -2)
    set_due(assigned, 20)
    set_due(unassigned, 20)
    client = client_for("transparencia")

    def listed(**params):
        html = body(client.get(reverse("transparency:list"), params))
        return {ref for ref in (assigned.reference, unassigned.reference, late.reference) if ref in html}

    assert listed(state="en_atencion") == {assigned.reference}
    assert listed(officer=users["transparencia"].pk) == {assigned.reference}
    assert listed(officer="sin_asignar") == {unassigned.reference, late.reference}
    assert listed(overdue="on") == {late.reference}
    assert listed(q=late.reference) == {late.reference}
    response = client.get(reverse("transparency:list"), {"state": "inventado"})
    assert response.status_code == 400


def test_the_list_runs_a_fixed_number_of_queries(client_for, users, register):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("auditor")
    counts = []
    for batch in (2, 12):
        while TransparencyRequest.objects.count() < batch:
            entry = register()
            services.assign_officer(users["transparencia"], entry, officer=users["transparencia"])
        client.get(reverse("transparency:list"))  # warm the session and the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("transparency:list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_each_action_says_what_it_did(client_for, register):
    entry = register()
    client = client_for("transparencia")
    response = client.post(reverse("transparency:action", args=[entry.pk, "start"]), {}, follow=True)
    assert f"Atención de la solicitud {entry.reference} iniciada." in body(response)
    response = client.post(
        reverse("transparency:action", args=[entry.pk, "archive"]), {"reason": "Duplicada."}, follow=True
    )
    assert "no está disponible en el estado «En atención»" in body(response)
    assert "hecho" not in body(response)
