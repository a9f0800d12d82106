"""Deadline reminders for the transparency register, through the notification system.

For each open entry and each deadline still pending — communicating an extension (until
one is communicated) and answering (the extension's date once there is one) — the
assigned officer is notified TRANSPARENCY_REMINDER_DAYS working days before, every day
until the deadline and on the day itself. The answer deadline is also reminded every day
once overdue; the extension deadline is not (once it passed, the office can only answer,
or extend late, which the register records as late). Without an assigned officer who
still holds the role, every active user with the transparencia role is notified.

Once per entry, deadline, person and day: the notification's `dedupe_key` is unique per
recipient, so a second run the same day (even a concurrent one) stores nothing new.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Kind, Notification
from notifications.services import store_notifications
from organization.roles import Role

from .deadlines import WorkingCalendar
from .models import BEFORE_EXTENSION, OPEN_STATES, TransparencyRequest
from .services import active_officers

NOTICE = "prorroga"
RESPONSE = "respuesta"


def dedupe_key(entry, deadline: str, today) -> str:
    return f"transparency:{entry.pk}:{deadline}:{today.isoformat()}"


def pending_deadlines(entry) -> list[tuple[str, object]]:
    deadlines = []
    if entry.state in BEFORE_EXTENSION:
        deadlines.append((NOTICE, entry.extension_notice_due_on))
    if entry.state in OPEN_STATES:
        deadlines.append((RESPONSE, entry.current_due_on))
    return deadlines


def is_due_for_reminder(deadline: str, days_left: int) -> bool:
    if days_left > settings.TRANSPARENCY_REMINDER_DAYS:
        return False
    return days_left >= 0 or deadline == RESPONSE


def _message(entry, deadline: str, due_on, days_left: int) -> str:
    what = _("el plazo para comunicar una prórroga") if deadline == NOTICE else _("el plazo de respuesta")
    words = {"reference": entry.reference, "what": what, "date": formats.date_format(due_on, "d/m/Y")}
    if days_left < 0:
        words["n"] = -days_left
        return (
            ngettext(
                "%(reference)s: %(what)s venció el %(date)s (hace %(n)d día hábil) y sigue sin respuesta.",
                "%(reference)s: %(what)s venció el %(date)s (hace %(n)d días hábiles) y sigue sin respuesta.",
                words["n"],
            )
            % words
        )
    if days_left == 0:
        return _("%(reference)s: %(what)s vence hoy, %(date)s.") % words
    words["n"] = days_left
    return (
        ngettext(
            "%(reference)s: %(what)s vence el %(date)s (en %(n)d día hábil).",
            "%(reference)s: %(what)s vence el %(date)s (en %(n)d días hábiles).",
            days_left,
        )
        % words
    )


def send_deadline_reminders(*, today=None) -> int:
    """Store the reminders due today; returns how many notifications it stored."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar()
    entries = list(
        TransparencyRequest.objects.filter(state__in=OPEN_STATES)
        .select_related("assigned_to")
        .prefetch_related("assigned_to__groups")
        .order_by("pk")
    )
    planned = []  # (entry, deadline, message, recipients)
    officers = None
    for entry in entries:
        for deadline, due_on in pending_deadlines(entry):
            days_left = calendar.working_days_left(due_on, today)
            if not is_due_for_reminder(deadline, days_left):
                continue
            officer = entry.assigned_to
            if (
                officer is not None
                and officer.is_active
                and any(g.name == Role.TRANSPARENCIA for g in officer.groups.all())
            ):
                recipients = [officer]
            else:
                if officers is None:
                    officers = list(active_officers())
                recipients = officers
            with translation.override(settings.LANGUAGE_CODE):
                message = _message(entry, deadline, due_on, days_left)
            planned.append((entry, deadline, message, recipients))
    keys = {dedupe_key(entry, deadline, today) for entry, deadline, _m, _r in planned}
    already = set(Notification.objects.filter(dedupe_key__in=keys).values_list("recipient_id", "dedupe_key"))
    sent = 0
    for entry, deadline, message, recipients in planned:
        key = dedupe_key(entry, deadline, today)
        url = reverse("transparency:detail", args=[entry.pk])
        for user in recipients:
            if (user.pk, key) in already:
                continue
            try:
                with transaction.atomic():
                    store_notifications(
                        recipients={user: Kind.TRANSPARENCY_DEADLINE},
                        messages={Kind.TRANSPARENCY_DEADLINE: message},
                        dedupe_key=key,
                        url=url,
                    )
            except IntegrityError:
                continue  # another run of the same day stored it first
            sent += 1
    return sent
