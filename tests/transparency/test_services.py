"""The register's services: the transitions, their checks, and the audit event of each."""

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from documents.models import DocumentVersion
from tests.factories import request_in_state
from transparency import services
from transparency.models import State, TransparencyRequest
from workflows.exceptions import ActionNotAvailable, InvalidInput
from workflows.models import ReferenceSequence
from workflows.models import State as RequestState

from .conftest import entry_data, received, walk

pytestmark = pytest.mark.django_db


def events(entry):
    return list(
        AuditEvent.objects.filter(object_type="audit.transparencyrequest", object_id=str(entry.pk)).order_by("sequence")
    )


# --- registering ------------------------------------------------------------------------


def test_register_stores_the_entry_its_deadlines_and_an_audit_event(users, register):
    entry = register()
    year = timezone.localdate().year
    assert entry.reference == f"SAIP-{year}-0001"
    assert entry.state == State.RECEIVED
    assert entry.created_by == users["transparencia"]
    # Received Monday 2 March 2026.
    assert entry.extension_notice_due_on == date(2026, 3, 4)
    assert entry.response_due_on == date(2026, 3, 16)
    [event] = events(entry)
    assert event.action == "transparency_register"
    assert event.actor == users["transparencia"]
    assert event.to_state == "recibida"
    assert event.reference == entry.reference
    assert event.chain == f"transparencyrequest:{entry.pk}"
    assert event.data["response_due_on"] == "2026-03-16"
    # Personal data stays out of the hash-chained log.
    assert "Quispe" not in str(event.data) and "45678912" not in str(event.data)


def test_references_are_sequential_per_year(register):
    first, second = register(), register()
    year = timezone.localdate().year
    assert (first.reference, second.reference) == (f"SAIP-{year}-0001", f"SAIP-{year}-0002")


def test_the_same_form_page_twice_makes_one_entry(users):
    token = uuid.uuid4()
    first = services.register_request(users["transparencia"], data=entry_data(), client_token=token)
    again = services.register_request(users["transparencia"], data=entry_data(), client_token=token)
    assert first.pk == again.pk
    assert TransparencyRequest.objects.count() == 1


def test_a_future_reception_date_is_refused_and_nothing_is_saved(users):
    sequences = list(ReferenceSequence.objects.values_list("prefix", "year", "last_value"))
    future = timezone.now() + timedelta(hours=2)
    with pytest.raises(InvalidInput) as refused:
        services.register_request(users["transparencia"], data=entry_data(received_at=future))
    assert "futuro" in refused.value.message
    assert "received_at" in refused.value.field_errors
    assert TransparencyRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="audit.transparencyrequest").exists()
    assert list(ReferenceSequence.objects.values_list("prefix", "year", "last_value")) == sequences


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"requester_name": "  "}, "requester_name"),
        ({"requester_document_type": "dni", "requester_document_number": "1234"}, "requester_document_number"),
        ({"requester_document_type": "ruc", "requester_document_number": "2012345678"}, "requester_document_number"),
        ({"requester_document_type": "pasaporte", "requester_document_number": "AB-12"}, "requester_document_number"),
        ({"requester_document_type": "licencia"}, "requester_document_type"),
        ({"requester_email": "no es un correo"}, "requester_email"),
        ({"channel": "paloma"}, "channel"),
        ({"requested_information": ""}, "requested_information"),
        ({"received_at": None}, "received_at"),
    ],
)
def test_invalid_data_is_refused_with_the_field_named(users, overrides, field):
    with pytest.raises(InvalidInput) as refused:
        services.register_request(users["transparencia"], data=entry_data(**overrides))
    assert field in refused.value.field_errors
    assert TransparencyRequest.objects.count() == 0


def test_omitted_optional_fields_are_stored_empty(users):
    data = entry_data()
    for name in ("requester_email", "requester_phone", "requester_address"):
        del data[name]
    entry = services.register_request(users["transparencia"], data=data)
    entry.refresh_from_db()
    assert (entry.requester_email, entry.requester_phone, entry.requester_address) == ("", "", "")


def test_a_wrong_dni_says_how_many_digits_the_country_uses(users, settings):
    with pytest.raises(InvalidInput) as refused:
        services.register_request(users["transparencia"], data=entry_data(requester_document_number="123"))
    assert refused.value.field_errors["requester_document_number"] == ["El DNI tiene 8 dígitos, sin letras."]
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "HN"
    with pytest.raises(InvalidInput) as refused:
        services.register_request(users["transparencia"], data=entry_data(requester_document_number="12345678"))
    assert refused.value.field_errors["requester_document_number"] == [
        "El DNI (número de identidad) tiene 13 dígitos, sin letras."
    ]


@pytest.mark.parametrize(
    ("country", "kind", "number", "stored"),
    [
        ("PE", "dni", "12345678", "12345678"),
        ("PE", "dni", "1234 5678", "12345678"),
        ("PE", "ruc", "20123456789", "20123456789"),
        ("PE", "ce", "001234567", "001234567"),
        ("PE", "pasaporte", "ab123456", "AB123456"),
        ("HN", "dni", "0801199012345", "0801199012345"),
        ("HN", "dni", "0801-1990-12345", "0801199012345"),
        ("HN", "ce", "R1234567", "R1234567"),
    ],
)
def test_valid_identity_documents_per_country(users, settings, country, kind, number, stored):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = country
    entry = services.register_request(
        users["transparencia"], data=entry_data(requester_document_type=kind, requester_document_number=number)
    )
    assert entry.requester_document_number == stored


@pytest.mark.parametrize(
    ("country", "kind", "number", "field", "message"),
    [
        ("PE", "dni", "0801199012345", "requester_document_number", "El DNI tiene 8 dígitos, sin letras."),
        ("PE", "ruc", "2012345678", "requester_document_number", "El RUC tiene 11 dígitos, sin letras."),
        (
            "PE",
            "pasaporte",
            "AB-12",
            "requester_document_number",
            "El número de pasaporte se escribe con entre 6 y 15 letras y números, sin guiones.",
        ),
        (
            "HN",
            "ruc",
            "20123456789",
            "requester_document_type",
            "Ese tipo de documento no se usa en Honduras: elija DNI (número de identidad), Carné de residente o "
            "Pasaporte.",
        ),
    ],
)
def test_invalid_identity_documents_per_country(users, settings, country, kind, number, field, message):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = country
    with pytest.raises(InvalidInput) as refused:
        services.register_request(
            users["transparencia"], data=entry_data(requester_document_type=kind, requester_document_number=number)
        )
    assert refused.value.field_errors[field] == [message]


@pytest.mark.parametrize("username", ["auditor", "admin", "gerente", "rentas1", "nobody"])
def test_only_the_transparencia_role_registers(users, username):
    with pytest.raises(PermissionDenied):
        services.register_request(users[username], data=entry_data())
    assert TransparencyRequest.objects.count() == 0


# --- transitions ------------------------------------------------------------------------

# Every action, the states it is legal in (the lifecycle of the issue).
LEGAL = {
    "start": {"recibida"},
    "extend": {"recibida", "en_atencion"},
    "answer": {"en_atencion", "prorroga_comunicada"},
    "deny": {"en_atencion", "prorroga_comunicada"},
    "archive": {"recibida", "atendida", "denegada"},
}
# How to reach each state.
PATHS = {
    "recibida": (),
    "en_atencion": ("start",),
    "prorroga_comunicada": ("start", "extend"),
    "atendida": ("start", "answer"),
    "denegada": ("start", "deny"),
    "archivada": ("archive",),
}
TARGET = {
    "start": "en_atencion",
    "extend": "prorroga_comunicada",
    "answer": "atendida",
    "deny": "denegada",
    "archive": "archivada",
}


@pytest.mark.parametrize("state", sorted(PATHS))
@pytest.mark.parametrize("code", sorted(LEGAL))
def test_every_transition_from_every_state(users, register, state, code):
    entry = walk(users, register(), *PATHS[state])
    assert entry.state == state
    before = len(events(entry))
    if state in LEGAL[code]:
        after = walk(users, entry, code)
        assert after.state == TARGET[code]
        assert TransparencyRequest.objects.get(pk=entry.pk).state == TARGET[code]
        event = events(entry)[-1]
        assert len(events(entry)) == before + 1
        assert (event.action, event.from_state, event.to_state) == (f"transparency_{code}", state, TARGET[code])
        assert event.actor == users["transparencia"]
    else:
        with pytest.raises(ActionNotAvailable) as refused:
            walk(users, entry, code)
        assert refused.value.status_code == 409
        assert "no está disponible" in refused.value.message
        assert TransparencyRequest.objects.get(pk=entry.pk).state == state
        assert len(events(entry)) == before


@pytest.mark.parametrize("code", sorted(LEGAL))
@pytest.mark.parametrize("username", ["auditor", "admin", "gerente"])
def test_readers_and_others_cannot_act(users, register, code, username):
    entry = walk(users, register(), *({"answer": ("start",), "deny": ("start",)}.get(code, ())))
    state = entry.state
    with pytest.raises(PermissionDenied):
        walk(users, entry, code, actor=username)
    assert TransparencyRequest.objects.get(pk=entry.pk).state == state


def test_a_denial_must_cite_a_legal_exemption_and_its_grounds(users, register):
    entry = walk(users, register(), "start")
    with pytest.raises(InvalidInput) as refused:
        services.deny_request(users["transparencia"], entry, exemption="", justification="Porque sí.")
    assert "exemption" in refused.value.field_errors
    with pytest.raises(InvalidInput) as refused:
        services.deny_request(users["transparencia"], entry, exemption="art99", justification="Porque sí.")
    assert "exemption" in refused.value.field_errors
    with pytest.raises(InvalidInput) as refused:
        services.deny_request(users["transparencia"], entry, exemption="art17_2", justification="  ")
    assert "justification" in refused.value.field_errors
    assert TransparencyRequest.objects.get(pk=entry.pk).state == State.IN_PROGRESS
    denied = services.deny_request(
        users["transparencia"], entry, exemption="art17_2", justification="Secreto tributario del contribuyente."
    )
    assert denied.state == State.DENIED
    assert denied.denial_exemption == "art17_2"
    assert denied.answered_at is not None
    assert events(entry)[-1].data["exemption"] == "art17_2"


def test_archiving_needs_a_reason(users, register):
    entry = register()
    with pytest.raises(InvalidInput):
        services.archive_request(users["transparencia"], entry, reason=" ")
    archived = services.archive_request(users["transparencia"], entry, reason="El ciudadano desistió.")
    assert archived.state == State.ARCHIVED
    assert archived.archive_reason == "El ciudadano desistió."
    assert events(archived)[-1].comment == "El ciudadano desistió."


def test_an_answer_needs_a_summary_and_a_past_time(users, register):
    entry = walk(users, register(), "start")
    with pytest.raises(InvalidInput):
        services.answer_request(users["transparencia"], entry, response_summary="")
    with pytest.raises(InvalidInput):
        services.answer_request(
            users["transparencia"], entry, response_summary="Entregada.", answered_at=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(InvalidInput):
        services.answer_request(
            users["transparencia"], entry, response_summary="Entregada.", answered_at=received(2026, 3, 1)
        )
    answered = services.answer_request(
        users["transparencia"], entry, response_summary="Entregada.", answered_at=received(2026, 3, 10)
    )
    assert answered.state == State.ANSWERED
    assert not answered.answered_late
    assert events(answered)[-1].data["late"] is False


def test_a_late_answer_is_recorded_as_late(users, register):
    entry = walk(users, register(), "start")
    answered = services.answer_request(
        users["transparencia"], entry, response_summary="Entregada.", answered_at=received(2026, 3, 17)
    )
    assert answered.answered_late
    assert events(answered)[-1].data["late"] is True


def test_an_extension_in_time(users, register):
    entry = register()  # received 2 March: notice due 4 March, answer due 16 March
    extended = services.communicate_extension(
        users["transparencia"],
        entry,
        new_due_on=date(2026, 3, 27),
        justification="Información en archivo periférico.",
        communicated_at=received(2026, 3, 4, 16),
    )
    assert extended.state == State.EXTENDED
    assert extended.extension_due_on == date(2026, 3, 27)
    assert extended.current_due_on == date(2026, 3, 27)
    assert not extended.extension_late
    event = events(extended)[-1]
    assert event.data["late"] is False and event.data["new_due_on"] == "2026-03-27"


def test_a_late_extension_is_allowed_and_recorded_as_late(users, register):
    entry = register()
    extended = services.communicate_extension(
        users["transparencia"],
        entry,
        new_due_on=date(2026, 3, 27),
        justification="Información en archivo periférico.",
        communicated_at=received(2026, 3, 5, 9),
    )
    assert extended.extension_late
    assert events(extended)[-1].data["late"] is True


@pytest.mark.parametrize(
    ("new_due_on", "field"),
    [
        (date(2026, 3, 16), "new_due_on"),  # not after the legal deadline
        (date(2026, 3, 28), "new_due_on"),  # a Saturday
        (date(2026, 4, 3), "new_due_on"),  # Good Friday
    ],
)
def test_an_extension_date_must_be_a_later_working_day(users, register, new_due_on, field):
    entry = register()
    with pytest.raises(InvalidInput) as refused:
        services.communicate_extension(
            users["transparencia"], entry, new_due_on=new_due_on, justification="Volumen.", communicated_at=None
        )
    assert field in refused.value.field_errors
    assert TransparencyRequest.objects.get(pk=entry.pk).state == State.RECEIVED


def test_an_extension_needs_its_grounds(users, register):
    with pytest.raises(InvalidInput):
        services.communicate_extension(
            users["transparencia"], register(), new_due_on=date(2026, 3, 27), justification=""
        )


# --- editing and assigning -----------------------------------------------------------------


def test_editing_the_reception_date_recomputes_the_deadlines_and_is_audited(users, register):
    entry = register()
    data = entry_data(received_at=received(2026, 3, 7, 11), requester_phone="999 000 111")
    updated = services.update_request(users["transparencia"], entry, data=data)
    assert updated.response_due_on == date(2026, 3, 23)
    assert updated.extension_notice_due_on == date(2026, 3, 11)
    event = events(updated)[-1]
    assert event.action == "transparency_update"
    assert event.data["changed"] == ["received_at", "requester_phone"]
    assert event.data["response_due_on"] == ["2026-03-16", "2026-03-23"]
    assert "999" not in str(event.data)


def test_an_edit_that_changes_nothing_records_nothing(users, register):
    entry = register()
    services.update_request(users["transparencia"], entry, data=entry_data())
    assert [e.action for e in events(entry)] == ["transparency_register"]


def test_a_closed_entry_is_not_edited(users, register):
    entry = walk(users, register(), "start", "answer")
    with pytest.raises(ActionNotAvailable):
        services.update_request(users["transparencia"], entry, data=entry_data(requester_name="Otro"))


def test_edit_refuses_a_future_date(users, register):
    entry = register()
    with pytest.raises(InvalidInput):
        services.update_request(
            users["transparencia"], entry, data=entry_data(received_at=timezone.now() + timedelta(days=1))
        )
    assert TransparencyRequest.objects.get(pk=entry.pk).received_at == received(2026, 3, 2)


def test_assigning_an_officer(users, register):
    entry = register()
    assigned = services.assign_officer(users["transparencia"], entry, officer=users["transparencia"])
    assert assigned.assigned_to == users["transparencia"]
    event = events(entry)[-1]
    assert (event.action, event.data) == ("transparency_assign", {"from": "", "to": "transparencia"})
    # Someone without the role cannot be the officer.
    with pytest.raises(InvalidInput):
        services.assign_officer(users["transparencia"], entry, officer=users["auditor"])
    # Closed entries are not reassigned.
    closed = walk(users, entry, "archive")
    with pytest.raises(ActionNotAvailable):
        services.assign_officer(users["transparencia"], closed, officer=users["transparencia"])


# --- links ---------------------------------------------------------------------------------


def test_linking_a_visible_request_and_its_document_version(users, units, register, published):
    entry = register()
    services.link_material_request(users["transparencia"], entry, published)
    assert list(entry.material_requests.all()) == [published]
    assert list(published.transparency_requests.all()) == [entry]
    version = DocumentVersion.objects.filter(request=published).order_by("number").last()
    services.link_document_version(users["transparencia"], entry, version)
    assert list(entry.document_versions.all()) == [version]
    services.unlink_document_version(users["transparencia"], entry, version)
    services.unlink_material_request(users["transparencia"], entry, published)
    assert not entry.material_requests.exists() and not entry.document_versions.exists()
    assert [e.action for e in events(entry)] == [
        "transparency_register",
        "transparency_link_request",
        "transparency_link_document",
        "transparency_unlink_document",
        "transparency_unlink_request",
    ]
    assert events(entry)[1].data == {"request": published.reference}


def test_a_request_the_officer_cannot_see_is_not_linked(users, units, register):
    entry = register()
    draft = request_in_state(users, units, RequestState.DRAFT)
    in_review = request_in_state(users, units, RequestState.IN_REVIEW)
    for hidden in (draft, in_review):
        with pytest.raises(InvalidInput):
            services.link_material_request(users["transparencia"], entry, hidden)
    approved = request_in_state(users, units, RequestState.APPROVED)
    version = DocumentVersion.objects.filter(request=approved).first()
    with pytest.raises(InvalidInput):
        services.link_document_version(users["transparencia"], entry, version)
    assert not entry.material_requests.exists() and not entry.document_versions.exists()
    assert len(events(entry)) == 1


def test_linking_twice_records_once(users, register, published):
    entry = register()
    services.link_material_request(users["transparencia"], entry, published)
    services.link_material_request(users["transparencia"], entry, published)
    assert entry.material_requests.count() == 1
    assert [e.action for e in events(entry)].count("transparency_link_request") == 1


def test_an_archived_entry_takes_no_links(users, register, published):
    entry = walk(users, register(), "archive")
    with pytest.raises(ActionNotAvailable):
        services.link_material_request(users["transparencia"], entry, published)


def test_the_auditor_cannot_link(users, register, published):
    with pytest.raises(PermissionDenied):
        services.link_material_request(users["auditor"], register(), published)
