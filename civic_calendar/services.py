"""Every change to the civic calendar happens here, each in one transaction with its
audit event (on the event's own chain, `calendarevent:<pk>`).

Spawning the needed requests creates draft MaterialRequests through
`workflows.services.create_request`, in the event's responsible unit. That service
requires the author to be a member of the unit: the author is the acting user when they
belong to the unit, otherwise the unit's head (jefe de unidad), who receives the draft
to complete and submit. Each request's own trail then shows, after its creation, a
`calendar_spawn` event naming the office user who spawned it.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import record_event
from core.wording import quote
from notifications.models import Kind as NotificationKind
from notifications.services import store_notifications
from organization.models import Membership
from transparency.deadlines import WorkingCalendar
from workflows import services as workflow_services
from workflows.exceptions import ActionNotAvailable, InvalidInput, WorkflowError
from workflows.models import SHORT_TEXT_MAX, SUMMARY_MAX, CampaignType, Kind, PublicationFormat, SignType, State
from workflows.permissions import objects_visible_to

from . import policies
from .leadtimes import LeadTimes, requested_by_for
from .models import CalendarEvent, EventNeed, FeedToken, LeadTime

# Fields of an event a form may set.
EVENT_FIELDS = (
    "title",
    "category",
    "description",
    "start_date",
    "end_date",
    "all_day",
    "start_time",
    "end_time",
    "place",
    "unit",
    "internal",
)
TO_BE_DEFINED = "Por definir"


class StaleEvent(WorkflowError):
    status_code = 409

    def __init__(self):
        super().__init__(
            _(
                "El evento cambió desde que abrió esta página (otra persona lo modificó). "
                "Revise sus datos actuales y vuelva a intentarlo."
            )
        )


@dataclass(frozen=True)
class OverdueNeed:
    need: EventNeed
    computed: date  # the requested-by date the lead time gives, already past


class OverdueNeeds(WorkflowError):
    """Some needs' requested-by dates have already passed: the office must confirm."""

    status_code = 409

    def __init__(self, overdue: list[OverdueNeed]):
        super().__init__(
            ngettext(
                "La fecha requerida de %(n)d solicitud ya pasó: el evento está demasiado cerca para la "
                "anticipación configurada. Confirme para crearla con fecha requerida hoy; quedará marcada "
                "como fuera de plazo.",
                "La fecha requerida de %(n)d solicitudes ya pasó: el evento está demasiado cerca para la "
                "anticipación configurada. Confirme para crearlas con fecha requerida hoy; quedarán marcadas "
                "como fuera de plazo.",
                len(overdue),
            )
            % {"n": len(overdue)}
        )
        self.overdue = overdue


# --- helpers ---------------------------------------------------------------------------------


def _lock(event: CalendarEvent) -> CalendarEvent:
    # Only the event's row: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # unit's outer join.
    return CalendarEvent.objects.select_for_update(of=("self",)).select_related("unit").get(pk=event.pk)


def _validate(instance, exclude=()):
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        raise InvalidInput(_("Revise los datos: hay campos con errores."), field_errors=error.message_dict) from error


def _event_data(event: CalendarEvent) -> dict:
    return {
        "title": event.title,
        "category": event.category,
        "start": event.start_date.isoformat(),
        "end": event.end_date.isoformat(),
        "time": event.start_time.isoformat(timespec="minutes") if event.start_time else "",
        "unit": event.unit.code if event.unit_id else "",
        "internal": event.internal,
    }


def _need_data(need: EventNeed) -> dict:
    return {
        "need": need.pk,
        "kind": need.kind,
        "format": need.publication_format,
        "title": need.title,
        "lead_days": need.lead_days,
        "requested_by": need.requested_by.isoformat(),
    }


def _check_open(event: CalendarEvent) -> None:
    if event.is_cancelled:
        raise ActionNotAvailable(_("El evento está anulado: ya no se modifica."))


def _clean_need(kind: str, publication_format: str, title: str, lead_days) -> tuple[str, str, str]:
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Tipo de solicitud desconocido.")]
    publication_format = publication_format or ""
    if publication_format and kind != Kind.PUBLICATION:
        errors["publication_format"] = [_("El formato solo se indica para publicaciones.")]
    elif publication_format and publication_format not in PublicationFormat.values:
        errors["publication_format"] = [_("Formato de publicación desconocido.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Este campo es obligatorio.")]
    elif len(title) > 200:
        errors["title"] = [_("Texto demasiado largo (máximo 200 caracteres).")]
    if lead_days is not None and not 0 <= lead_days <= 120:
        errors["lead_days"] = [_("La anticipación va de 0 a 120 días hábiles.")]
    if errors:
        raise InvalidInput(_("Revise el material necesario: hay campos con errores."), field_errors=errors)
    return kind, publication_format, title


def default_need_title(event: CalendarEvent, kind: str, publication_format: str = "") -> str:
    if kind == Kind.SPEECH:
        label = _("Discurso del Alcalde")
    elif kind == Kind.PUBLICATION and publication_format:
        label = str(PublicationFormat(publication_format).label)
    else:
        label = str(Kind(kind).label)
    return f"{label}: {event.title}"[:200]


# --- events ------------------------------------------------------------------------------------


def create_event(actor, *, data: dict, needs=(), client_token: uuid.UUID | None = None) -> CalendarEvent:
    """Register an event with the needs chosen on the form: [(kind, format), ...] with
    default titles and the configured lead times. `client_token` (the form page's) makes a
    second submit of the same page return the event the first one made."""
    policies.check_manage(actor)
    with transaction.atomic():
        if client_token is not None:
            existing = CalendarEvent.objects.filter(uid=client_token).first()
            if existing is not None:
                return existing
        event = CalendarEvent(created_by=actor, **{name: data[name] for name in EVENT_FIELDS if name in data})
        if client_token is not None:
            event.uid = client_token
        if event.end_date is None:
            event.end_date = event.start_date
        _validate(event, exclude=("created_by",))
        event.save()
        lead_times, calendar = LeadTimes(), WorkingCalendar()
        made = []
        for kind, publication_format in needs:
            kind, publication_format, title = _clean_need(
                kind, publication_format, default_need_title(event, kind, publication_format), None
            )
            made.append(_make_need(event, kind, publication_format, title, None, lead_times, calendar))
        record_event(
            actor=actor,
            action="calendar_create",
            target=event,
            data={**_event_data(event), "needs": [_need_data(need) for need in made]},
        )
    return event


def _make_need(event, kind, publication_format, title, lead_days, lead_times, calendar) -> EventNeed:
    if lead_days is None:
        lead_days = lead_times.days_for(kind, publication_format)
    need = EventNeed(
        event=event,
        kind=kind,
        publication_format=publication_format,
        title=title,
        lead_days=lead_days,
        requested_by=requested_by_for(event.start_date, lead_days, calendar),
    )
    need.save()
    return need


def update_event(actor, event: CalendarEvent, *, data: dict, expected_revision: int | None) -> CalendarEvent:
    """Edit an event. Needs not yet spawned follow its new date (their requested-by date
    is counted back again); spawned ones keep the date their request asks for."""
    policies.check_manage(actor)
    with transaction.atomic():
        current = _lock(event)
        _check_open(current)
        before = _event_data(current)
        changed = []
        for name in EVENT_FIELDS:
            if name in data and getattr(current, name) != data[name]:
                setattr(current, name, data[name])
                changed.append(name)
        if "end_date" in data and data["end_date"] is None:
            current.end_date = current.start_date
        if not changed:
            return current
        if expected_revision is not None and current.revision != expected_revision:
            raise StaleEvent()
        _validate(current, exclude=("created_by",))
        current.revision += 1
        current.save()
        moved = []
        if "start_date" in changed:
            calendar = WorkingCalendar()
            for need in current.needs.filter(request__isnull=True):
                new_date = requested_by_for(current.start_date, need.lead_days, calendar)
                if new_date != need.requested_by:
                    need.requested_by = new_date
                    need.save(update_fields=["requested_by"])
                    moved.append(_need_data(need))
        record_event(
            actor=actor,
            action="calendar_update",
            target=current,
            data={"changed": sorted(changed), "before": before, "after": _event_data(current), "needs_moved": moved},
        )
    return current


def cancel_event(actor, event: CalendarEvent, *, reason: str) -> CalendarEvent:
    """Cancel an event (kept, struck through; calendar clients drop it). Requests it
    spawned are not touched: their units cancel them if they are no longer needed."""
    policies.check_manage(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Indique el motivo de la anulación."), field_errors={"reason": [_("Este campo es obligatorio.")]}
        )
    if len(reason) > SHORT_TEXT_MAX:
        raise InvalidInput(_("Texto demasiado largo."), field_errors={"reason": [_("Texto demasiado largo.")]})
    with transaction.atomic():
        current = _lock(event)
        _check_open(current)
        current.cancelled_at = timezone.now()
        current.cancel_reason = reason
        current.revision += 1
        current.save(update_fields=["cancelled_at", "cancel_reason", "revision", "updated_at"])
        record_event(actor=actor, action="calendar_cancel", target=current, comment=reason, data=_event_data(current))
    return current


# --- needs ---------------------------------------------------------------------------------------


def add_need(
    actor, event: CalendarEvent, *, kind: str, publication_format: str = "", title: str = "", lead_days=None
) -> EventNeed:
    """Record one more request the event needs. Without a title, a default one; without
    a lead time, the one configured for its kind (and format)."""
    policies.check_manage(actor)
    with transaction.atomic():
        current = _lock(event)
        _check_open(current)
        kind, publication_format, title = _clean_need(
            kind,
            publication_format,
            title or (default_need_title(current, kind, publication_format) if kind in Kind.values else ""),
            lead_days,
        )
        need = _make_need(current, kind, publication_format, title, lead_days, LeadTimes(), WorkingCalendar())
        current.revision += 1
        current.save(update_fields=["revision", "updated_at"])
        record_event(actor=actor, action="calendar_add_need", target=current, data=_need_data(need))
    return need


def remove_need(actor, need: EventNeed) -> None:
    """Remove a need that has not spawned its request yet."""
    policies.check_manage(actor)
    with transaction.atomic():
        current = _lock(need.event)
        _check_open(current)
        need = EventNeed.objects.select_for_update().filter(pk=need.pk, event=current).first()
        if need is None:
            raise ActionNotAvailable(_("Ese material ya no figura en el evento."))
        if need.request_id is not None:
            raise ActionNotAvailable(
                _("Ya se generó su solicitud: no se puede quitar. Si ya no se necesita, la unidad puede anularla.")
            )
        data = _need_data(need)
        need.delete()
        current.revision += 1
        current.save(update_fields=["revision", "updated_at"])
        record_event(actor=actor, action="calendar_remove_need", target=current, data=data)


def link_request(actor, need: EventNeed, material_request) -> EventNeed:
    """Link a request that already exists (the unit asked for the speech on its own) to a
    need instead of spawning a new one: same kind (and format), same unit as the event,
    visible to the acting user, not cancelled and not linked to another need."""
    policies.check_manage(actor)
    not_found = InvalidInput(
        _("No hay una solicitud con esa referencia que usted pueda ver."),
        field_errors={"reference": [_("Referencia desconocida.")]},
    )
    if material_request is None:
        raise not_found
    with transaction.atomic():
        current = _lock(need.event)
        _check_open(current)
        need = EventNeed.objects.select_for_update().filter(pk=need.pk, event=current).first()
        if need is None:
            raise ActionNotAvailable(_("Ese material ya no figura en el evento."))
        if need.request_id is not None:
            raise ActionNotAvailable(_("Ese material ya tiene su solicitud."))
        material_request = (
            objects_visible_to(actor).select_related("publication_details").filter(pk=material_request.pk).first()
        )
        if material_request is None:
            raise not_found
        problem = ""
        if material_request.kind != need.kind:
            problem = _("La solicitud es de otro tipo (%(kind)s).") % {"kind": material_request.get_kind_display()}
        elif (
            need.publication_format
            and need.kind == Kind.PUBLICATION
            and material_request.publication_details.format != need.publication_format
        ):
            problem = _("La publicación tiene otro formato.")
        elif current.unit_id and material_request.unit_id != current.unit_id:
            problem = _("La solicitud es de otra unidad que la responsable del evento.")
        elif material_request.state == State.CANCELLED:
            problem = _("La solicitud está anulada.")
        elif EventNeed.objects.filter(request=material_request).exists():
            problem = _("La solicitud ya está vinculada a otro material del calendario.")
        if problem:
            raise InvalidInput(problem, field_errors={"reference": [problem]})
        need.request = material_request
        need.save(update_fields=["request"])
        current.revision += 1
        current.save(update_fields=["revision", "updated_at"])
        record_event(
            actor=actor,
            action="calendar_link_request",
            target=current,
            data={**_need_data(need), "reference": material_request.reference},
        )
        record_event(
            actor=actor,
            action="calendar_link_request",
            target=material_request,
            from_state=material_request.state,
            to_state=material_request.state,
            comment=_("Vinculada al calendario cívico: %(event)s") % {"event": current.title},
            data={"event": current.pk, "need": need.pk},
        )
    return need


# --- spawning the needed requests ---------------------------------------------------------------


def request_author(actor, unit):
    """Who the spawned drafts belong to: the acting user if they are a member of the
    unit, else the unit's head (the earliest active jefe de unidad)."""
    if actor.memberships.filter(unit=unit).exists():
        return actor
    head = (
        Membership.objects.filter(unit=unit, is_head=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if head is None:
        raise InvalidInput(
            _(
                "La unidad «%(unit)s» no tiene un jefe de unidad activo que reciba los borradores: pida al "
                "administrador que lo designe, o que un miembro de la unidad cree las solicitudes."
            )
            % {"unit": unit.name}
        )
    return head.user


def _event_moment(event: CalendarEvent) -> datetime:
    return event.starts_at or datetime.combine(event.start_date, time(10, 0), tzinfo=event.timezone)


def _request_content(event: CalendarEvent, need: EventNeed, requested_by: date) -> tuple[dict, dict]:
    when = formats.date_format(event.start_date, "d/m/Y")
    place = event.place or TO_BE_DEFINED
    summary = _(
        "Material para %(event)s (%(date)s, %(place)s): %(need)s. Generada desde el calendario cívico; "
        "complete el contenido y envíela a revisión."
    ) % {"event": quote(event.title), "date": when, "place": place, "need": need.title}
    fields = {
        "title": need.title,
        "requested_by": requested_by,
        "summary": summary[:SUMMARY_MAX],
        "body": event.description,
    }
    kind = Kind(need.kind)
    if kind == Kind.PUBLICATION:
        details = {
            "format": need.publication_format or PublicationFormat.PRESS_RELEASE,
            "channels": ["web", "facebook"],
            "lead": "",
            "contact": "",
        }
    elif kind == Kind.SPEECH:
        details = {
            "event_name": event.title,
            "place": place,
            "event_at": _event_moment(event),
            "speaker": _("Alcalde"),
            "duration_minutes": 10,
            "key_messages": TO_BE_DEFINED,
        }
    elif kind == Kind.CAMPAIGN:
        details = {
            "campaign_type": CampaignType.TAX if "tribut" in event.title.lower() else CampaignType.AWARENESS,
            "objective": TO_BE_DEFINED,
            "audience": _("Vecinos del distrito"),
            "channels": ["web", "facebook"],
            "start_date": event.start_date,
            "end_date": event.end_date,
            "budget": 0,
        }
    else:
        details = {
            "premises": place,
            "address": place,
            "location_detail": "",
            "sign_type": SignType.INFORMATIVE,
            "dimensions": TO_BE_DEFINED,
            "material": TO_BE_DEFINED,
            "quantity": 1,
            "sign_text": event.title,
        }
    return fields, details


def pending_needs(event: CalendarEvent) -> list[EventNeed]:
    return list(event.needs.filter(request__isnull=True).order_by("requested_by", "pk"))


def overdue_needs(event: CalendarEvent, needs: list[EventNeed], today: date) -> list[OverdueNeed]:
    calendar = WorkingCalendar()
    overdue = []
    for need in needs:
        computed = requested_by_for(event.start_date, need.lead_days, calendar)
        if computed < today:
            overdue.append(OverdueNeed(need, computed))
    return overdue


def spawn_requests(actor, event: CalendarEvent, *, confirm_overdue: bool = False) -> list[EventNeed]:
    """Create the draft request of every need not yet spawned, in the event's unit, each
    asked for by the event's date counted back by its lead time; all or nothing.

    If some of those dates have already passed, nothing is created unless the office
    confirms (`confirm_overdue`): those requests then ask for today, and their needs are
    flagged as spawned late. Raises OverdueNeeds (409) to ask for that confirmation."""
    policies.check_manage(actor)
    today = timezone.localdate()
    with transaction.atomic():
        current = _lock(event)
        _check_open(current)
        if current.end_date < today:
            raise ActionNotAvailable(_("El evento ya pasó: no se generan solicitudes para él."))
        if current.unit is None:
            raise InvalidInput(
                _("Asigne una unidad responsable al evento antes de generar sus solicitudes."),
                field_errors={"unit": [_("Este campo es obligatorio.")]},
            )
        if not current.unit.is_active:
            raise InvalidInput(_("La unidad responsable está desactivada: asigne otra al evento."))
        needs = pending_needs(current)
        if not needs:
            raise ActionNotAvailable(_("Todo el material necesario ya tiene su solicitud."))
        overdue = overdue_needs(current, needs, today)
        if overdue and not confirm_overdue:
            raise OverdueNeeds(overdue)
        overdue_ids = {item.need.pk for item in overdue}
        author = request_author(actor, current.unit)
        calendar = WorkingCalendar()
        spawned = []
        now = timezone.now()
        for need in needs:
            late = need.pk in overdue_ids
            requested_by = today if late else requested_by_for(current.start_date, need.lead_days, calendar)
            fields, details = _request_content(current, need, requested_by)
            material_request = workflow_services.create_request(
                author, unit=current.unit, kind=need.kind, fields=fields, details=details
            )
            need.request = material_request
            need.requested_by = requested_by
            need.spawned_at = now
            need.spawned_by = actor
            need.spawned_late = late
            need.save(update_fields=["request", "requested_by", "spawned_at", "spawned_by", "spawned_late"])
            record_event(
                actor=actor,
                action="calendar_spawn",
                target=material_request,
                to_state=material_request.state,
                comment=_("Generada desde el calendario cívico: %(event)s") % {"event": current.title},
                data={"event": current.pk, "need": need.pk, "late": late, "author": author.get_username()},
            )
            spawned.append(need)
        current.revision += 1
        current.save(update_fields=["revision", "updated_at"])
        record_event(
            actor=actor,
            action="calendar_spawn",
            target=current,
            data={
                "requests": [
                    {**_need_data(need), "reference": need.request.reference, "late": need.spawned_late}
                    for need in spawned
                ],
                "author": author.get_username(),
                "overdue_confirmed": bool(overdue),
            },
        )
        if author.pk != actor.pk:
            _tell_author(actor, author, current, spawned)
    return spawned


def _tell_author(actor, author, event: CalendarEvent, spawned: list[EventNeed]) -> None:
    """The unit's head finds the drafts in their inbox, with the date each is needed."""
    for need in spawned:
        message = _(
            "La oficina de comunicaciones generó el borrador %(reference)s %(title)s para el evento "
            "%(event)s: complételo y envíelo a revisión antes del %(date)s."
        ) % {
            "reference": need.request.reference,
            "title": quote(need.request.title),
            "event": quote(event.title),
            "date": formats.date_format(need.requested_by, "d/m/Y"),
        }
        store_notifications(
            recipients={author: NotificationKind.TASK_ASSIGNED},
            actor=actor,
            material_request=need.request,
            messages={NotificationKind.TASK_ASSIGNED: message},
        )


# --- the iCalendar feed token --------------------------------------------------------------------


def regenerate_feed_token(user) -> FeedToken:
    """A new secret address for the user's feed; the previous one stops answering."""
    if not user.is_authenticated or not user.is_active:
        raise InvalidInput(_("Usuario no válido."))
    with transaction.atomic():
        feed, created = FeedToken.objects.select_for_update().get_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32)}
        )
        if not created:
            feed.token = secrets.token_urlsafe(32)
            feed.save(update_fields=["token", "created_at"])
        record_event(actor=user, action="calendar_feed_token", target=feed, data={"renewed": not created})
    return feed


def revoke_feed_token(user) -> bool:
    """Remove the user's feed address; returns whether there was one."""
    with transaction.atomic():
        feed = FeedToken.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return False
        record_event(actor=user, action="calendar_feed_revoke", target=feed)
        feed.delete()
    return True


# --- lead times (the admin) ---------------------------------------------------------------------


def save_lead_time(actor, lead_time: LeadTime) -> LeadTime:
    """Create or change a lead time, audited. Needs already recorded keep theirs."""
    with transaction.atomic():
        before = None
        if lead_time.pk:
            before = LeadTime.objects.filter(pk=lead_time.pk).values_list("working_days", flat=True).first()
        _validate(lead_time)
        try:
            with transaction.atomic():
                lead_time.save()
        except IntegrityError as error:
            raise InvalidInput(_("Ya hay una anticipación para ese tipo y formato.")) from error
        record_event(
            actor=actor,
            action="calendar_lead_time",
            target=lead_time,
            data={
                "kind": lead_time.kind,
                "format": lead_time.publication_format,
                "working_days": lead_time.working_days,
                "before": before,
            },
        )
    return lead_time


def delete_lead_time(actor, lead_time: LeadTime) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            action="calendar_lead_time_delete",
            target=lead_time,
            data={"kind": lead_time.kind, "format": lead_time.publication_format, "before": lead_time.working_days},
        )
        lead_time.delete()


def event_url(event: CalendarEvent) -> str:
    return reverse("civic_calendar:event_detail", args=[event.pk])
