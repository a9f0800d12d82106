"""The iCalendar (.ics, RFC 5545) feed of one user's calendar, written with `icalendar`.

Deterministic: the same events give the same bytes. Each event's UID is its own UUID
(stable however it is edited), DTSTAMP its last change (UTC), SEQUENCE its revision.
Timed events carry TZID settings.TIME_ZONE (a VTIMEZONE is included); all-day events are
DATE values with an exclusive DTEND, as RFC 5545 asks. Cancelled events stay in the feed
with STATUS:CANCELLED so subscribed clients remove them.

What the user may not see never enters the feed: reserved events of other units, the
needs of events outside the office and their unit, and the reference and title of any
request the user may not see.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from organization.selectors import municipality_name

from .models import Category
from .selectors import EventRow

PRODID = "-//Gerencia de Comunicaciones//Calendario civico//ES"
UID_DOMAIN = "calendario-civico"


def _description(row: EventRow) -> str:
    event = row.event
    lines = []
    if event.description:
        lines.append(event.description)
    if event.unit_id:
        lines.append(_("Unidad responsable: %(unit)s") % {"unit": event.unit.name})
    if event.is_cancelled:
        lines.append(_("Evento anulado: %(reason)s") % {"reason": event.cancel_reason})
    if row.needs_visible and row.needs:
        lines.append(_("Material necesario:"))
        for need_row in row.needs:
            need = need_row.need
            text = f"- {need.title} ({need.kind_label}), " + _("para el %(date)s") % {
                "date": formats.date_format(need.requested_by, "d/m/Y")
            }
            text += f": {need_row.status.label}"
            if need_row.late:
                text += " · " + _("ATRASADA")
            if need_row.request is not None:
                text += f" · {need_row.request.reference}"
            lines.append(text)
    return "\n".join(lines)


def build_feed(rows: list[EventRow]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Calendario cívico · %(name)s") % {"name": municipality_name()})
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for row in rows:
        event = row.event
        item = Event()
        item.add("uid", f"{event.uid}@{UID_DOMAIN}")
        item.add("dtstamp", event.updated_at.astimezone(UTC).replace(microsecond=0))
        item.add("sequence", event.revision)
        item.add("summary", event.title)
        if event.all_day:
            item.add("dtstart", event.start_date)
            item.add("dtend", event.end_date + timedelta(days=1))
        else:
            item.add("dtstart", event.starts_at)
            item.add("dtend", event.ends_at)
        if event.place:
            item.add("location", event.place)
        description = _description(row)
        if description:
            item.add("description", description)
        item.add("categories", [str(Category(event.category).label)])
        item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
        item.add("transp", "TRANSPARENT" if event.all_day else "OPAQUE")
        if event.internal:
            item.add("class", "CONFIDENTIAL")
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
