"""Every change to the transparency register happens here, each in one transaction.

A service checks that the actor holds the transparencia role (403), re-reads the entry
under a lock, checks that its state allows the change (409), validates the input (400),
applies the change (the FSM transition for state changes) and writes the audit event on
the entry's own chain, all inside one `transaction.atomic()`.

Audit events never copy the requester's personal data: they name the fields that changed.

A late extension (communicated after the 2-working-day deadline) is accepted and
recorded as late (`extension_late`, and `late` in the audit event): the register must
show what the office did, and hiding a late notice would help nobody. Answers after the
deadline are likewise accepted and shown as late.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from audit.services import record_event
from organization.roles import Role
from workflows.exceptions import InvalidInput, StaleRequest
from workflows.models import ReferenceSequence
from workflows.permissions import objects_visible_to

from . import identity, policies
from .deadlines import WorkingCalendar
from .models import OPEN_STATES, SHORT_TEXT_MAX, TEXT_MAX, DocumentType, Exemption, TransparencyRequest

REFERENCE_PREFIX = "SAIP"

# Fields of the entry a form may set; everything else moves only through the services.
DATA_FIELDS = (
    "requester_name",
    "requester_document_type",
    "requester_document_number",
    "requester_email",
    "requester_phone",
    "requester_address",
    "channel",
    "received_at",
    "requested_information",
)
REQUIRED_FIELDS = ("requester_name", "requester_document_type", "requester_document_number", "channel")


def next_reference(year: int) -> str:
    """SAIP-2026-0001: one sequence per year, shared with no one. Runs inside the
    caller's transaction: one UPDATE ... SET last_value = last_value + 1 takes the row
    lock (PostgreSQL) or the write lock (SQLite), so two registrations never get the same
    number, and a rolled-back one gives its number back."""
    with transaction.atomic():
        sequence, _created = ReferenceSequence.objects.get_or_create(prefix=REFERENCE_PREFIX, year=year)
        ReferenceSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
        value = ReferenceSequence.objects.values_list("last_value", flat=True).get(pk=sequence.pk)
    return f"{REFERENCE_PREFIX}-{year}-{value:04d}"


# --- checks -------------------------------------------------------------------------------


def _lock(entry: TransparencyRequest) -> TransparencyRequest:
    return TransparencyRequest.objects.select_for_update().get(pk=entry.pk)


def _save(entry: TransparencyRequest) -> None:
    try:
        entry.save()
    except ConcurrentTransition as error:
        raise StaleRequest() from error


def _text(value, *, field: str, required: bool, max_length: int = SHORT_TEXT_MAX, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(
            message or _("Revise los datos: hay campos con errores."),
            field_errors={field: [_("Este campo es obligatorio.")]},
        )
    if len(value) > max_length:
        raise InvalidInput(
            _("El texto es demasiado largo (máximo %(max)d caracteres).") % {"max": max_length},
            field_errors={field: [_("Texto demasiado largo.")]},
        )
    return value


def _moment(value, *, field: str, not_before=None) -> datetime:
    """A date and time something happened: now by default, never in the future."""
    if value is None:
        return timezone.now()
    if value > timezone.now():
        raise InvalidInput(
            _("La fecha y hora no puede estar en el futuro."),
            field_errors={field: [_("La fecha y hora no puede estar en el futuro.")]},
        )
    if not_before is not None and value < not_before:
        raise InvalidInput(
            _("La fecha y hora no puede ser anterior a la recepción de la solicitud."),
            field_errors={field: [_("No puede ser anterior a la recepción de la solicitud.")]},
        )
    return value


def _clean_data(values: dict) -> dict:
    """Validate the requester's data and the request itself; raise InvalidInput with
    every field error at once."""
    errors: dict[str, list[str]] = {}
    data = {}
    for name in DATA_FIELDS:
        value = values.get(name)
        if value is None and name != "received_at":
            value = ""  # an omitted text field is an empty one
        data[name] = value.strip() if isinstance(value, str) else value
    for name in REQUIRED_FIELDS:
        if not data.get(name):
            errors.setdefault(name, []).append(_("Este campo es obligatorio."))
    if not (data.get("requested_information") or "").strip():
        errors.setdefault("requested_information", []).append(_("Indique qué información se solicita."))
    elif len(data["requested_information"]) > TEXT_MAX:
        errors.setdefault("requested_information", []).append(_("Texto demasiado largo."))
    received_at = data.get("received_at")
    if received_at is None:
        errors.setdefault("received_at", []).append(_("Indique la fecha y hora de recepción."))
    elif received_at > timezone.now():
        errors.setdefault("received_at", []).append(_("La fecha de recepción no puede estar en el futuro."))
    doc_type, number = data.get("requester_document_type"), (data.get("requester_document_number") or "")
    # The country's documents and digits (transparency/identity.py): what the form's help says.
    number = identity.normalized(doc_type, number)
    data["requester_document_number"] = number
    if doc_type and doc_type not in DocumentType.values:
        errors.setdefault("requester_document_type", []).append(_("Tipo de documento desconocido."))
    elif doc_type and number and (problem := identity.refusal(doc_type, number)):
        field = (
            "requester_document_type" if doc_type not in identity.documents().labels else "requester_document_number"
        )
        errors.setdefault(field, []).append(problem)
    instance = TransparencyRequest(**{name: data[name] for name in DATA_FIELDS if name not in errors})
    try:
        instance.full_clean(
            exclude=[
                "reference",
                "state",
                "created_by",
                "extension_notice_due_on",
                "response_due_on",
                *errors,
            ],
            validate_unique=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        message = (
            errors["received_at"][0] if "received_at" in errors else _("Revise los datos: hay campos con errores.")
        )
        raise InvalidInput(message, field_errors=errors)
    return data


def _deadlines(received_at, calendar=None) -> dict:
    calendar = calendar or WorkingCalendar()
    received_on = timezone.localtime(received_at).date()
    return {
        "extension_notice_due_on": calendar.extension_notice_due_on(received_on),
        "response_due_on": calendar.response_due_on(received_on),
    }


# --- registering and editing ---------------------------------------------------------------


def register_request(actor, *, data: dict, client_token=None, assigned_to=None) -> TransparencyRequest:
    """Register a citizen's request: its reference, its deadlines, its audit event.

    `client_token` identifies the form page: a second submit of it returns the entry
    the first one made."""
    policies.check_actor(actor)
    data = _clean_data(data)
    if assigned_to is not None:
        _check_officer(assigned_to)
    with transaction.atomic():
        if client_token is not None:
            existing = TransparencyRequest.objects.filter(client_token=client_token).first()
            if existing is not None and existing.created_by_id == actor.pk:
                return existing
            if existing is not None:
                client_token = None  # someone else's page token: never reuse it
        entry = TransparencyRequest(
            **data, **_deadlines(data["received_at"]), created_by=actor, assigned_to=assigned_to
        )
        entry.client_token = client_token
        entry.reference = next_reference(timezone.localdate().year)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            existing = TransparencyRequest.objects.filter(client_token=client_token, created_by=actor).first()
            if client_token is None or existing is None:
                raise
            return existing
        record_event(
            actor=actor,
            action="transparency_register",
            target=entry,
            to_state=entry.state,
            data={
                "channel": entry.channel,
                "received_at": entry.received_at.isoformat(),
                "extension_notice_due_on": entry.extension_notice_due_on.isoformat(),
                "response_due_on": entry.response_due_on.isoformat(),
                "assigned_to": assigned_to.get_username() if assigned_to else "",
            },
        )
    return entry


def update_request(actor, entry: TransparencyRequest, *, data: dict) -> TransparencyRequest:
    """Correct the requester's data or the request while it is open. A new reception
    date recomputes both deadlines (an extension already communicated keeps its date)."""
    policies.check_actor(actor)
    with transaction.atomic():
        current = _lock(entry)
        policies.check_editable(current)
        data = _clean_data(data)
        changed = [name for name in DATA_FIELDS if getattr(current, name) != data[name]]
        if not changed:
            return current
        audit_data = {"changed": sorted(changed)}
        for name in changed:
            setattr(current, name, data[name])
        if "received_at" in changed:
            deadlines = _deadlines(current.received_at)
            audit_data["received_at"] = current.received_at.isoformat()
            for name, value in deadlines.items():
                audit_data[name] = [getattr(current, name).isoformat(), value.isoformat()]
                setattr(current, name, value)
        _save(current)
        record_event(
            actor=actor,
            action="transparency_update",
            target=current,
            from_state=current.state,
            to_state=current.state,
            data=audit_data,
        )
    return current


def _check_officer(officer) -> None:
    if officer is None or not officer.is_active or not officer.groups.filter(name=Role.TRANSPARENCIA).exists():
        raise InvalidInput(
            _("El responsable asignado debe ser un usuario activo con el rol de transparencia."),
            field_errors={"officer": [_("Elija un responsable de transparencia activo.")]},
        )


def active_officers():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.TRANSPARENCIA)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def assign_officer(actor, entry: TransparencyRequest, *, officer, comment: str = "") -> TransparencyRequest:
    policies.check_actor(actor)
    comment = _text(comment, field="comment", required=False)
    with transaction.atomic():
        current = _lock(entry)
        policies.check_available(current, "assign")
        _check_officer(officer)
        if current.assigned_to_id == officer.pk:
            return current
        previous = current.assigned_to
        current.assigned_to = officer
        _save(current)
        record_event(
            actor=actor,
            action="transparency_assign",
            target=current,
            from_state=current.state,
            to_state=current.state,
            comment=comment,
            data={"from": previous.get_username() if previous else "", "to": officer.get_username()},
        )
    return current


# --- transitions ----------------------------------------------------------------------------


def _transition(actor, entry, code: str, *, kwargs=None, comment: str = "", audit_data=None, prepare=None):
    """Run one FSM transition of the entry, audited. `prepare(current)` validates against
    the locked entry and returns the transition's keyword arguments."""
    policies.check_actor(actor)
    with transaction.atomic():
        current = _lock(entry)
        policies.check_available(current, code)
        if prepare is not None:
            kwargs = prepare(current)
        from_state = current.state
        getattr(current, policies.ACTIONS[code].method)(**(kwargs or {}))
        _save(current)
        record_event(
            actor=actor,
            action=f"transparency_{code}",
            target=current,
            from_state=from_state,
            to_state=current.state,
            comment=comment,
            data=audit_data(current) if callable(audit_data) else audit_data,
        )
    return current


def start_attention(actor, entry: TransparencyRequest, *, comment: str = "") -> TransparencyRequest:
    comment = _text(comment, field="comment", required=False)
    return _transition(actor, entry, "start", comment=comment)


def communicate_extension(
    actor, entry: TransparencyRequest, *, new_due_on, justification: str, communicated_at=None
) -> TransparencyRequest:
    """The office tells the citizen it needs more time, and until when. Communicated
    after the 2-working-day deadline it is still recorded, marked late."""
    justification = _text(
        justification,
        field="justification",
        required=True,
        max_length=TEXT_MAX,
        message=_("Indique el fundamento de la prórroga."),
    )
    if new_due_on is None:
        raise InvalidInput(
            _("Indique la nueva fecha de entrega."), field_errors={"new_due_on": [_("Este campo es obligatorio.")]}
        )

    def prepare(current):
        at = _moment(communicated_at, field="communicated_at", not_before=current.received_at)
        calendar = WorkingCalendar()
        if new_due_on <= current.response_due_on:
            raise InvalidInput(
                _("La nueva fecha debe ser posterior al plazo de respuesta (%(date)s).")
                % {"date": current.response_due_on.strftime("%d/%m/%Y")},
                field_errors={"new_due_on": [_("Debe ser posterior al plazo de respuesta.")]},
            )
        if not calendar.is_working_day(new_due_on):
            raise InvalidInput(
                _("La nueva fecha de entrega debe ser un día hábil."),
                field_errors={"new_due_on": [_("Elija un día hábil.")]},
            )
        late = timezone.localtime(at).date() > current.extension_notice_due_on
        return {"at": at, "due_on": new_due_on, "justification": justification, "late": late}

    return _transition(
        actor,
        entry,
        "extend",
        prepare=prepare,
        comment=justification,
        audit_data=lambda current: {
            "communicated_at": current.extension_communicated_at.isoformat(),
            "new_due_on": current.extension_due_on.isoformat(),
            "notice_due_on": current.extension_notice_due_on.isoformat(),
            "late": current.extension_late,
        },
    )


def answer_request(
    actor, entry: TransparencyRequest, *, response_summary: str, answered_at=None
) -> TransparencyRequest:
    summary = _text(
        response_summary,
        field="response_summary",
        required=True,
        max_length=TEXT_MAX,
        message=_("Resuma la respuesta entregada al solicitante."),
    )

    def prepare(current):
        at = _moment(answered_at, field="answered_at", not_before=current.received_at)
        return {"at": at, "summary": summary}

    return _transition(
        actor,
        entry,
        "answer",
        prepare=prepare,
        comment=summary,
        audit_data=lambda current: {
            "answered_at": current.answered_at.isoformat(),
            "due_on": current.current_due_on.isoformat(),
            "late": current.answered_late,
        },
    )


def deny_request(
    actor, entry: TransparencyRequest, *, exemption: str, justification: str, answered_at=None
) -> TransparencyRequest:
    """A denial must cite the legal exception (arts. 15, 16 or 17) and its grounds."""
    if exemption not in Exemption.values:
        raise InvalidInput(
            _("Cite la excepción legal (arts. 15, 16 o 17 del TUO de la Ley 27806) que justifica la denegatoria."),
            field_errors={"exemption": [_("Elija la excepción legal.")]},
        )
    justification = _text(
        justification,
        field="justification",
        required=True,
        max_length=TEXT_MAX,
        message=_("Fundamente la denegatoria."),
    )

    def prepare(current):
        at = _moment(answered_at, field="answered_at", not_before=current.received_at)
        return {"at": at, "exemption": exemption, "justification": justification}

    return _transition(
        actor,
        entry,
        "deny",
        prepare=prepare,
        comment=justification,
        audit_data=lambda current: {
            "exemption": current.denial_exemption,
            "answered_at": current.answered_at.isoformat(),
            "due_on": current.current_due_on.isoformat(),
            "late": current.answered_late,
        },
    )


def archive_request(actor, entry: TransparencyRequest, *, reason: str) -> TransparencyRequest:
    reason = _text(reason, field="reason", required=True, message=_("Indique el motivo del archivo."))
    return _transition(actor, entry, "archive", kwargs={"at": timezone.now(), "reason": reason}, comment=reason)


def recompute_deadlines(actor, *, reason: str) -> int:
    """After the calendar changed (a día no laborable decreed or corrected in the admin),
    recompute the legal deadlines of every open entry; each entry whose dates move gets an
    audit event with the old and new dates. A date the office chose for an extension, and
    whether the extension was late, stay as they were recorded. Returns how many moved."""
    moved = 0
    calendar = WorkingCalendar()
    with transaction.atomic():
        for current in TransparencyRequest.objects.select_for_update().filter(state__in=OPEN_STATES).order_by("pk"):
            deadlines = _deadlines(current.received_at, calendar)
            changes = {
                name: [getattr(current, name).isoformat(), value.isoformat()]
                for name, value in deadlines.items()
                if getattr(current, name) != value
            }
            if not changes:
                continue
            for name, value in deadlines.items():
                setattr(current, name, value)
            _save(current)
            record_event(
                actor=actor,
                action="transparency_recompute",
                target=current,
                from_state=current.state,
                to_state=current.state,
                comment=reason,
                data=changes,
            )
            moved += 1
    return moved


# --- what the request concerns ------------------------------------------------------------


def _link_change(actor, entry, *, action: str, relation: str, obj, add: bool, data: dict):
    policies.check_actor(actor)
    with transaction.atomic():
        current = _lock(entry)
        policies.check_linkable(current)
        manager = getattr(current, relation)
        present = manager.filter(pk=obj.pk).exists()
        if present == add:
            return current  # already so: nothing to record
        (manager.add if add else manager.remove)(obj)
        record_event(
            actor=actor, action=action, target=current, from_state=current.state, to_state=current.state, data=data
        )
    return current


def _visible_request(actor, material_request):
    if material_request is None or not objects_visible_to(actor).filter(pk=material_request.pk).exists():
        raise InvalidInput(
            _("No existe esa solicitud o usted no tiene acceso a ella."),
            field_errors={"reference": [_("Solicitud no encontrada.")]},
        )
    return material_request


def link_material_request(actor, entry, material_request) -> TransparencyRequest:
    policies.check_actor(actor)
    _visible_request(actor, material_request)
    return _link_change(
        actor,
        entry,
        action="transparency_link_request",
        relation="material_requests",
        obj=material_request,
        add=True,
        data={"request": material_request.reference},
    )


def unlink_material_request(actor, entry, material_request) -> TransparencyRequest:
    return _link_change(
        actor,
        entry,
        action="transparency_unlink_request",
        relation="material_requests",
        obj=material_request,
        add=False,
        data={"request": material_request.reference},
    )


def link_document_version(actor, entry, version) -> TransparencyRequest:
    policies.check_actor(actor)
    if version is None or not objects_visible_to(actor).filter(pk=version.request_id).exists():
        raise InvalidInput(
            _("No existe esa versión o usted no tiene acceso a su solicitud."),
            field_errors={"version": [_("Versión no encontrada.")]},
        )
    return _link_change(
        actor,
        entry,
        action="transparency_link_document",
        relation="document_versions",
        obj=version,
        add=True,
        data={"request": version.request.reference, "version": version.number, "sha256": version.snapshot_sha256},
    )


def unlink_document_version(actor, entry, version) -> TransparencyRequest:
    return _link_change(
        actor,
        entry,
        action="transparency_unlink_document",
        relation="document_versions",
        obj=version,
        add=False,
        data={"request": version.request.reference, "version": version.number, "sha256": version.snapshot_sha256},
    )


ACTION_SERVICES = {
    "assign": assign_officer,
    "start": start_attention,
    "extend": communicate_extension,
    "answer": answer_request,
    "deny": deny_request,
    "archive": archive_request,
}
