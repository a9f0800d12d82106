"""Deadlines of an access-to-information request, in working days.

TUO de la Ley 27806 (DS 021-2019-JUS), art. 11: the entity answers within 10 working
days; when it cannot, it communicates an extension, with the date it will deliver the
information, within 2 working days of receipt. Counting follows the Ley 27444 rule
(TUO, art. 145): a request received on a non-working day counts as received on the next
working day, and the term starts on the working day after receipt.

Non-working days: Saturdays, Sundays, the public holidays of the `holidays` package for
TRANSPARENCY_HOLIDAYS_COUNTRY (and TRANSPARENCY_HOLIDAYS_SUBDIVISION), and the días no
laborables the government decrees, kept in NonWorkingDay.
"""

from datetime import date, timedelta
from functools import cached_property

import holidays
from django.conf import settings
from django.utils import timezone

# A calendar never looks further than this for the next working day (a safety net
# against a misconfigured table of non-working days, not a legal rule).
MAX_SKIP = 366


class WorkingCalendar:
    """Which days are working days. Build one per page or command run: it reads the
    decreed non-working days once (one query) and the holidays of the years it needs."""

    def __init__(self, *, country: str | None = None, subdivision: str | None = None, extra_days=None):
        self.country = country or settings.TRANSPARENCY_HOLIDAYS_COUNTRY
        self.subdivision = subdivision if subdivision is not None else settings.TRANSPARENCY_HOLIDAYS_SUBDIVISION
        self._extra_days = set(extra_days) if extra_days is not None else None

    @cached_property
    def holidays(self) -> holidays.HolidayBase:
        # Years are added as dates are looked up (the package's `expand`).
        return holidays.country_holidays(self.country, subdiv=self.subdivision or None)

    @property
    def extra_days(self) -> set[date]:
        if self._extra_days is None:
            from .models import NonWorkingDay

            self._extra_days = set(NonWorkingDay.objects.values_list("date", flat=True))
        return self._extra_days

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays and day not in self.extra_days

    def working_day_on_or_after(self, day: date) -> date:
        for _ in range(MAX_SKIP):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within a year")

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself not counted)."""
        day = start
        for _ in range(days):
            day = self.working_day_on_or_after(day + timedelta(days=1))
        return day

    def working_day_on_or_before(self, day: date) -> date:
        for _ in range(MAX_SKIP):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        raise ValueError("no working day within a year")

    def subtract_working_days(self, end: date, days: int) -> date:
        """The `days`-th working day before `end` (end itself not counted), the inverse of
        add_working_days: counting back a lead time from an event's date. With days == 0,
        `end` itself, whatever day it is."""
        day = end
        for _ in range(days):
            day = self.working_day_on_or_before(day - timedelta(days=1))
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end <= start."""
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    # --- the register's deadlines ---------------------------------------------------

    def receipt_date(self, received_on: date) -> date:
        """The day a request counts as received: the next working day if it arrived on
        a weekend, a holiday or a día no laborable."""
        return self.working_day_on_or_after(received_on)

    def due_date(self, received_on: date, days: int) -> date:
        return self.add_working_days(self.receipt_date(received_on), days)

    def response_due_on(self, received_on: date) -> date:
        return self.due_date(received_on, settings.TRANSPARENCY_RESPONSE_DAYS)

    def extension_notice_due_on(self, received_on: date) -> date:
        return self.due_date(received_on, settings.TRANSPARENCY_EXTENSION_NOTICE_DAYS)

    def working_days_left(self, due_on: date, today: date | None = None) -> int:
        """Working days from today until `due_on`: 0 on the day itself, 1 when due the next
        working day, negative once overdue (-1 the first day after, even on a weekend)."""
        today = today or timezone.localdate()
        if today <= due_on:
            return self.working_days_between(today, due_on)
        return -max(1, self.working_days_between(due_on, today))


def deadlines_for(received_on: date, calendar: WorkingCalendar | None = None) -> dict[str, date]:
    calendar = calendar or WorkingCalendar()
    return {
        "extension_notice_due_on": calendar.extension_notice_due_on(received_on),
        "response_due_on": calendar.response_due_on(received_on),
    }


def working_days_left(due_on: date, today: date | None = None, calendar: WorkingCalendar | None = None) -> int:
    return (calendar or WorkingCalendar()).working_days_left(due_on, today)


# What a number of days left looks like on a page: a CSS class per urgency.
URGENCY_OK = "deadline-ok"
URGENCY_NEAR = "deadline-near"
URGENCY_OVERDUE = "deadline-overdue"
URGENCY_CLOSED = "deadline-closed"


def urgency(days_left: int | None) -> str:
    """Green while more than TRANSPARENCY_REMINDER_DAYS are left, amber within them
    (the day itself included), red once overdue; grey when nothing is owed any more."""
    if days_left is None:
        return URGENCY_CLOSED
    if days_left < 0:
        return URGENCY_OVERDUE
    if days_left <= settings.TRANSPARENCY_REMINDER_DAYS:
        return URGENCY_NEAR
    return URGENCY_OK
