"""Scheduled publication: the publicador sets an approved request to be published at a
date and time; the periodic job (`workflows.tasks.publish_scheduled`) publishes it then.

- Only who may publish the request schedules or unschedules it (the same policy check as
  publishing), only while it is approved, and only for a moment in the future.
- The job publishes through `services.publish_request`, as the system on behalf of the
  publicador who scheduled it: the publish event's actor is the system and its
  "on behalf of" that publicador, whose permissions are checked again at that moment.
- A schedule holds for the revision it was made on. A request that changes afterwards
  (an edit sends it back to approval, another person publishes it, it is withdrawn...)
  is not published: the job drops its schedule, records why, and tells the publicador.
- Two runs of the job at once publish a request once: each one locks the request and
  re-reads its schedule first; the second finds it gone.
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from audit.services import record_event
from core.wording import quote

from . import policies, services
from .exceptions import REFUSALS, ActionNotAvailable, InvalidInput, StaleRequest, refusal
from .hooks import flow_sync, notify_task
from .models import SHORT_TEXT_MAX, MaterialRequest, State

logger = logging.getLogger(__name__)

# How far ahead a publication may be scheduled.
MAX_AHEAD = timedelta(days=366)
SCHEDULE_FIELDS = (
    "publish_scheduled_at",
    "publish_scheduled_channel",
    "publish_scheduled_url",
    "publish_scheduled_by",
    "publish_scheduled_on",
    "publish_scheduled_revision",
)
CLEARED = {
    "publish_scheduled_at": None,
    "publish_scheduled_channel": "",
    "publish_scheduled_url": "",
    "publish_scheduled_by": None,
    "publish_scheduled_on": None,
    "publish_scheduled_revision": None,
}


def schedule_holds(material_request: MaterialRequest) -> bool:
    """Whether the request has a schedule that will be carried out: still approved, at the
    revision the schedule was made on."""
    return (
        material_request.publish_scheduled_at is not None
        and material_request.state == State.APPROVED
        and material_request.revision == material_request.publish_scheduled_revision
    )


def may_schedule(user, material_request: MaterialRequest) -> bool:
    """Who may publish the request now may schedule (and unschedule) its publication."""
    return material_request.state == State.APPROVED and policies.is_allowed(
        policies.check_action, user, material_request, policies.ACTIONS["publish"]
    )


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


def _clean(publish_at, channel, url) -> tuple[datetime, str, str]:
    if publish_at is None:
        raise InvalidInput(
            _("Indique la fecha y la hora de la publicación programada."),
            field_errors={"publish_at": [_("Este campo es obligatorio.")]},
        )
    if timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    now = timezone.now()
    if publish_at <= now:
        raise InvalidInput(
            _(
                "La fecha y hora de publicación programada (%(when)s) ya pasó: elija un momento futuro, "
                "o registre la publicación ahora si ya ocurrió."
            )
            % {"when": _when(publish_at)},
            field_errors={"publish_at": [_("Elija un momento futuro.")]},
        )
    if publish_at > now + MAX_AHEAD:
        raise InvalidInput(
            _("La publicación se puede programar como máximo con un año de anticipación."),
            field_errors={"publish_at": [_("Demasiado lejos.")]},
        )
    channel = (channel or "").strip()
    if not channel:
        raise InvalidInput(
            _("Indique el medio o canal de la publicación programada."),
            field_errors={"channel": [_("Este campo es obligatorio.")]},
        )
    if len(channel) > 120:
        raise InvalidInput(
            _("El medio o canal es demasiado largo (máximo 120 caracteres)."),
            field_errors={"channel": [_("Texto demasiado largo.")]},
        )
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
            if len(url) > 500:
                raise ValidationError("too long")
        except ValidationError as error:
            raise InvalidInput(
                _("El enlace de la publicación no es válido: use una dirección http:// o https://."),
                field_errors={"url": [_("Introduzca una URL válida.")]},
            ) from error
    return publish_at, channel, url


def _lock(material_request: MaterialRequest) -> MaterialRequest:
    # of=("self",): lock the request's row only. PostgreSQL refuses FOR UPDATE on the
    # nullable side of an outer join, which publish_scheduled_by's join is.
    return (
        MaterialRequest.objects.select_for_update(of=("self",))
        .select_related("unit", "author", "publish_scheduled_by")
        .get(pk=material_request.pk)
    )


def _check_may_schedule(actor, current: MaterialRequest) -> None:
    if current.state != State.APPROVED:
        raise ActionNotAvailable(
            _("Solo se puede programar la publicación de una solicitud aprobada; el estado de esta es «%(state)s».")
            % {"state": current.state_label}
        )
    policies.check_action(actor, current, policies.ACTIONS["publish"])
    flow_sync.check_task_owner(actor, current, "publish")


def _save(current: MaterialRequest, values: dict) -> None:
    """Store a schedule (or its absence) on the locked request. It bumps the revision, as
    every change does, so pages showing the old schedule are stale; a new schedule holds
    for the revision it creates."""
    for name, value in values.items():
        setattr(current, name, value)
    current.revision += 1
    current.publish_scheduled_revision = current.revision if current.publish_scheduled_at is not None else None
    current.save(update_fields=[*SCHEDULE_FIELDS, "revision", "updated_at"])


def schedule_publication(
    actor, material_request: MaterialRequest, *, publish_at, channel, url="", expected_revision=None
) -> MaterialRequest:
    """Set (or move) the moment an approved request is published, with its channel and
    link. Refusals: a past or missing moment, a bad channel or link (400), a request not
    approved (409), a stale page (409), someone who may not publish it (403)."""
    publish_at, channel, url = _clean(publish_at, channel, url)
    with transaction.atomic():
        current = _lock(material_request)
        if expected_revision is not None and current.revision != expected_revision:
            raise StaleRequest()
        _check_may_schedule(actor, current)
        previous = current.publish_scheduled_at if schedule_holds(current) else None
        _save(
            current,
            {
                "publish_scheduled_at": publish_at,
                "publish_scheduled_channel": channel,
                "publish_scheduled_url": url,
                "publish_scheduled_by": actor,
                "publish_scheduled_on": timezone.now(),
            },
        )
        data = {"publish_at": publish_at.isoformat(), "channel": channel, "url": url}
        if previous is not None:
            data["replaces"] = previous.isoformat()
        record_event(
            actor=actor,
            action="schedule_publication",
            target=current,
            from_state=current.state,
            to_state=current.state,
            comment=_("Publicación programada para el %(when)s.") % {"when": _when(publish_at)},
            data=data,
        )
    return current


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Indique el motivo para anular la publicación programada."),
            field_errors={"reason": [_("Este campo es obligatorio.")]},
        )
    if len(reason) > SHORT_TEXT_MAX:
        raise InvalidInput(
            _("El texto es demasiado largo (máximo %(max)d caracteres).") % {"max": SHORT_TEXT_MAX},
            field_errors={"reason": [_("Texto demasiado largo.")]},
        )
    return reason


def unschedule_publication(actor, material_request: MaterialRequest, *, reason, expected_revision=None):
    """Cancel a scheduled publication, with a reason; the request stays approved."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        current = _lock(material_request)
        if expected_revision is not None and current.revision != expected_revision:
            raise StaleRequest()
        if current.publish_scheduled_at is None:
            raise ActionNotAvailable(_("La solicitud no tiene una publicación programada."))
        policies.check_action(actor, current, policies.ACTIONS["publish"])
        scheduled_at = current.publish_scheduled_at
        _save(current, CLEARED)
        record_event(
            actor=actor,
            action="unschedule_publication",
            target=current,
            from_state=current.state,
            to_state=current.state,
            comment=reason,
            data={"publish_at": scheduled_at.isoformat()},
        )
    return current


# --- the periodic job ---------------------------------------------------------------------


def publish_due(now: datetime | None = None) -> list[MaterialRequest]:
    """Publish every request whose scheduled moment has come (`now`, by default the
    current time); drop, audited and notified, the schedules that no longer hold.
    Returns the requests published by this run."""
    now = now or timezone.now()
    due = list(
        MaterialRequest.objects.filter(publish_scheduled_at__lte=now)
        .order_by("publish_scheduled_at", "pk")
        .values_list("pk", flat=True)
    )
    published = []
    for pk in due:
        try:
            result = _publish_one(pk, now)
        except Exception:
            # One broken request must not hold back the others; the next run retries it.
            logger.exception("No se pudo ejecutar la publicación programada de la solicitud %s", pk)
            continue
        if result is not None:
            published.append(result)
    return published


def _publish_one(pk: int, now: datetime) -> MaterialRequest | None:
    with transaction.atomic():
        current = (
            MaterialRequest.objects.select_for_update(of=("self",))
            .select_related("unit", "author", "publish_scheduled_by")
            .filter(pk=pk, publish_scheduled_at__lte=now)
            .first()
        )
        if current is None:
            return None  # another run published it, or it was unscheduled meanwhile
        publicador = current.publish_scheduled_by
        scheduled_at = current.publish_scheduled_at
        if publicador is None or not schedule_holds(current):
            _drop(current, publicador, _changed_reason(current))
            return None
        try:
            published = services.publish_request(
                publicador,
                current,
                channel=current.publish_scheduled_channel,
                date=timezone.localdate(now),
                url=current.publish_scheduled_url,
                comment=_("Publicación programada por %(who)s para el %(when)s.")
                % {"who": publicador.get_full_name() or publicador.get_username(), "when": _when(scheduled_at)},
                expected_revision=current.publish_scheduled_revision,
                by_system=True,
            )
        except REFUSALS as refused:
            # Refused as the publicador would be now (they lost the role, another person
            # took the task...): nothing is published; they hear why.
            message, _status = refusal(refused)
            _drop(current, publicador, _("No se pudo publicar: %(why)s") % {"why": message})
            return None
        MaterialRequest.objects.filter(pk=pk).update(**CLEARED)
        for name, value in CLEARED.items():
            setattr(published, name, value)
        return published


def _changed_reason(current: MaterialRequest) -> str:
    if current.state == State.APPROVED:
        return _("La solicitud cambió después de programar su publicación: prográmela de nuevo si corresponde.")
    return _("La solicitud ya no está aprobada: su estado es «%(state)s».") % {"state": current.state_label}


def _drop(current: MaterialRequest, publicador, reason: str) -> None:
    """Clear a schedule the job will not carry out, audited as done by the system on
    behalf of the publicador who made it, and tell them."""
    scheduled_at = current.publish_scheduled_at
    MaterialRequest.objects.filter(pk=current.pk).update(**CLEARED)
    record_event(
        actor=None,
        on_behalf_of=publicador,
        action="unschedule_publication",
        target=current,
        from_state=current.state,
        to_state=current.state,
        comment=reason,
        data={"publish_at": scheduled_at.isoformat(), "automatic": True},
    )
    if publicador is not None and publicador.is_active and policies.can_view(publicador, current):
        with translation.override("es"):
            message = _(
                "No se publicó la solicitud %(reference)s %(title)s, programada para el %(when)s. %(reason)s"
            ) % {
                "reference": current.reference,
                "title": quote(current.title),
                "when": _when(scheduled_at),
                "reason": reason,
            }
        notify_task(publicador, current, message)
