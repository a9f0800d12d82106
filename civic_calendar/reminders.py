"""Daily reminders of the material the calendar's events still need.

A need is reminded when its event is still to come (not cancelled) and it is either
late (its requested-by date has passed, or it was spawned already overdue, and its request
is not yet approved) or not yet submitted (no request, or still a draft) with its
requested-by date within REMINDER_WORKING_DAYS working days.

Recipients: the author of its request (if any), the active heads of the event's unit,
and the office that plans the calendar (active revisores and gerentes). Each message
names the event and the need, never a request the recipient may not see.

Once per need, person and day: the notification's `dedupe_key` is unique per recipient,
so a second run the same day (even a concurrent one) stores nothing new.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.wording import quote
from notifications.models import Kind, Notification
from notifications.services import store_notifications
from organization.models import Membership
from organization.roles import Role
from transparency.deadlines import WorkingCalendar
from workflows.permissions import has_perm

from .models import EventNeed, NeedStatus
from .services import event_url

REMINDER_WORKING_DAYS = 3
OFFICE_RECIPIENT_ROLES = (Role.GERENTE, Role.REVISOR)
NOT_SUBMITTED = (NeedStatus.NO_REQUEST, NeedStatus.NOT_SUBMITTED)


def dedupe_key(need, today) -> str:
    return f"calendar:{need.pk}:{today.isoformat()}"


def needs_to_remind(today, calendar: WorkingCalendar | None = None) -> list[EventNeed]:
    calendar = calendar or WorkingCalendar()
    needs = (
        EventNeed.objects.filter(event__cancelled_at__isnull=True, event__start_date__gte=today)
        .select_related("event", "event__unit", "request", "request__author")
        .order_by("requested_by", "pk")
    )
    due = []
    for need in needs:
        status = need.status()
        if status == NeedStatus.DONE:
            continue
        soon = calendar.working_days_left(need.requested_by, today) <= REMINDER_WORKING_DAYS
        if need.is_late(today) or (status in NOT_SUBMITTED and soon):
            due.append(need)
    return due


def _message(need: EventNeed, today, recipient) -> str:
    event = need.event
    words = {
        "need": quote(need.title),
        "event": quote(event.title),
        "event_date": formats.date_format(event.start_date, "d/m/Y"),
        "date": formats.date_format(need.requested_by, "d/m/Y"),
        "status": need.status().label,
    }
    if need.is_late(today):
        text = _(
            "Atrasada: %(need)s, para el evento %(event)s del %(event_date)s, debía estar lista el %(date)s. "
            "Situación: %(status)s."
        )
    else:
        text = _(
            "Pendiente de envío: %(need)s, para el evento %(event)s del %(event_date)s, debe estar lista "
            "el %(date)s. Situación: %(status)s."
        )
    text = text % words
    if need.request is not None and has_perm(recipient, need.request, "view_materialrequest"):
        text += " " + _("Solicitud %(reference)s.") % {"reference": need.request.reference}
    return text


def send_need_reminders(*, today=None) -> int:
    """Store the reminders due today; returns how many notifications it stored."""
    today = today or timezone.localdate()
    needs = needs_to_remind(today)
    if not needs:
        return 0
    unit_ids = {need.event.unit_id for need in needs if need.event.unit_id}
    heads: dict[int, list] = {}
    memberships = Membership.objects.filter(unit_id__in=unit_ids, is_head=True, user__is_active=True)
    for membership in memberships.select_related("user"):
        heads.setdefault(membership.unit_id, []).append(membership.user)
    office = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=OFFICE_RECIPIENT_ROLES)
        .distinct()
        .order_by("pk")
    )
    keys = {dedupe_key(need, today) for need in needs}
    already = set(Notification.objects.filter(dedupe_key__in=keys).values_list("recipient_id", "dedupe_key"))
    sent = 0
    for need in needs:
        recipients = {}
        if need.request is not None and need.request.author.is_active:
            recipients[need.request.author.pk] = need.request.author
        for user in heads.get(need.event.unit_id, ()):
            recipients.setdefault(user.pk, user)
        for user in office:
            recipients.setdefault(user.pk, user)
        key = dedupe_key(need, today)
        for user in recipients.values():
            if (user.pk, key) in already:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                message = _message(need, today, user)
            try:
                with transaction.atomic():
                    store_notifications(
                        recipients={user: Kind.DEADLINE},
                        messages={Kind.DEADLINE: message},
                        dedupe_key=key,
                        url=event_url(need.event),
                    )
            except IntegrityError:
                continue  # another run of the same day stored it first
            sent += 1
    return sent
