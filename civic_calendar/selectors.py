"""Reads the calendar's pages and feed need. Each runs a fixed number of queries whatever
the number of events and needs: the events (with their units), their needs (with their
requests) in one prefetch, and which of those requests the user may see in one more."""

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from organization.selectors import unit_ids_of
from workflows.models import MaterialRequest
from workflows.permissions import objects_visible_to

from . import policies
from .models import CalendarEvent, EventNeed, NeedStatus


def visible_events(user):
    """The events the user may see: everything for the office; otherwise the public
    ones and the reserved ones of the user's own units."""
    events = CalendarEvent.objects.select_related("unit")
    if policies.is_office(user):
        return events
    if not user.is_authenticated or not user.is_active:
        return events.none()
    return events.filter(Q(internal=False) | Q(unit_id__in=unit_ids_of(user)))


def get_visible_event(user, pk) -> CalendarEvent:
    try:
        return visible_events(user).get(pk=pk)
    except CalendarEvent.DoesNotExist as error:
        raise Http404("No existe el evento o no tiene acceso a él.") from error


def overlapping(events, first: date, last: date):
    """Events with at least one day in [first, last]."""
    return events.filter(start_date__lte=last, end_date__gte=first)


def _with_needs(events):
    return events.prefetch_related(
        Prefetch(
            "needs",
            queryset=EventNeed.objects.select_related("request").order_by("requested_by", "pk"),
        )
    )


# --- rows -------------------------------------------------------------------------------


@dataclass
class NeedRow:
    need: EventNeed
    status: NeedStatus
    late: bool
    request_visible: bool  # may the user see the request it spawned (reference, title, link)

    @property
    def request(self) -> MaterialRequest | None:
        return self.need.request if self.request_visible else None

    @property
    def has_request(self) -> bool:
        return self.need.request_id is not None


@dataclass
class EventRow:
    event: CalendarEvent
    needs: list[NeedRow] = field(default_factory=list)
    needs_visible: bool = False

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.needs if row.late)

    @property
    def pending_count(self) -> int:
        return sum(1 for row in self.needs if not row.has_request)


def event_rows(user, events, today: date | None = None) -> list[EventRow]:
    """Each event with the needs the user may see and, for each need, its status and
    whether it is late; request details only where the user may see the request."""
    today = today or timezone.localdate()
    events = list(events)
    needs_of = {}
    request_ids = set()
    for event in events:
        if policies.can_see_needs(user, event):
            needs = list(event.needs.all())
            needs_of[event.pk] = needs
            request_ids.update(need.request_id for need in needs if need.request_id)
    visible_ids = (
        set(objects_visible_to(user).filter(pk__in=request_ids).values_list("pk", flat=True)) if request_ids else set()
    )
    rows = []
    for event in events:
        row = EventRow(event, needs_visible=event.pk in needs_of)
        for need in needs_of.get(event.pk, ()):
            row.needs.append(
                NeedRow(
                    need=need,
                    status=need.status(),
                    late=not event.is_cancelled and need.is_late(today),
                    request_visible=need.request_id in visible_ids,
                )
            )
        rows.append(row)
    return rows


def event_detail(user, event: CalendarEvent, today: date | None = None) -> EventRow:
    event = _with_needs(CalendarEvent.objects.select_related("unit", "created_by").filter(pk=event.pk)).get()
    return event_rows(user, [event], today)[0]


# --- the month view ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayEntry:
    row: EventRow
    first: bool  # the event's first day in the grid: where its needs are listed
    continued: bool  # a later day of a longer event, not a Monday: drawn as a slim strip


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    holiday: str
    entries: list[DayEntry] = field(default_factory=list)

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, pycalendar.monthrange(year, month)[1])


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_grid(user, year: int, month: int, today: date | None = None) -> list[list[Day]]:
    """The weeks (Monday to Sunday) covering the month, each day with its events."""
    today = today or timezone.localdate()
    first, last = month_bounds(year, month)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    events = _with_needs(overlapping(visible_events(user), grid_start, grid_end)).order_by(
        "start_date", "start_time", "pk"
    )
    rows = event_rows(user, events, today)
    names = holidays.country_holidays(
        settings.TRANSPARENCY_HOLIDAYS_COUNTRY,
        subdiv=settings.TRANSPARENCY_HOLIDAYS_SUBDIVISION or None,
        years=sorted({grid_start.year, grid_end.year}),
        language="es",
    )
    days = {}
    day = grid_start
    while day <= grid_end:
        days[day] = Day(day, day.month == month, day == today, names.get(day, ""))
        day += timedelta(days=1)
    for row in rows:
        first = max(row.event.start_date, grid_start)
        for event_day in row.event.days():
            if event_day in days:
                days[event_day].entries.append(
                    DayEntry(row, event_day == first, event_day != first and event_day.weekday() != 0)
                )
    ordered = list(days.values())
    return [ordered[index : index + 7] for index in range(0, len(ordered), 7)]


# --- the list view ----------------------------------------------------------------------


def event_list(user, *, category: str = "", unit=None, month: tuple[int, int] | None = None, today=None):
    """Upcoming events (still running or to come), or those of one month, filtered."""
    today = today or timezone.localdate()
    events = visible_events(user)
    events = overlapping(events, *month_bounds(*month)) if month else events.filter(end_date__gte=today)
    if category:
        events = events.filter(category=category)
    if unit is not None:
        events = events.filter(unit=unit)
    return _with_needs(events).order_by("start_date", "start_time", "pk")


# --- the feed -----------------------------------------------------------------------------

FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 550


def feed_events(user, today: date | None = None):
    """What a user's iCalendar feed carries: what they may see from three months ago to
    a year and a half ahead (cancelled events too, so clients remove them)."""
    today = today or timezone.localdate()
    events = overlapping(
        visible_events(user), today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)
    )
    return event_rows(user, _with_needs(events).order_by("start_date", "start_time", "pk"), today)
