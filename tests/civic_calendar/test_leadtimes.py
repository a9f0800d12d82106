"""Counting a lead time back from an event's date, in working days (weekends, the
holidays package's Peruvian holidays, días no laborables), and the configured lead times."""

from datetime import date, timedelta

import pytest

from civic_calendar.leadtimes import DEFAULTS, LeadTimes, requested_by_for
from civic_calendar.models import LeadTime
from transparency.deadlines import WorkingCalendar
from workflows.models import Kind, PublicationFormat


@pytest.fixture
def calendar():
    # No decreed non-working days unless a test adds some: no database needed.
    return WorkingCalendar(country="PE", subdivision="", extra_days=[])


def test_counting_back_skips_the_weekend(calendar):
    monday = date(2026, 3, 9)
    assert calendar.subtract_working_days(monday, 1) == date(2026, 3, 6)  # Friday
    assert calendar.subtract_working_days(monday, 5) == date(2026, 3, 2)  # the Monday before
    assert calendar.subtract_working_days(monday, 10) == date(2026, 2, 23)


def test_counting_back_skips_holidays(calendar):
    # Fiestas Patrias (Tuesday 28 and Wednesday 29 July 2026) and the Air Force's day
    # (Thursday 23 July) are holidays in Peru.
    thursday = date(2026, 7, 30)
    assert calendar.subtract_working_days(thursday, 1) == date(2026, 7, 27)
    assert calendar.subtract_working_days(thursday, 3) == date(2026, 7, 22)
    # A speech (10 working days) for an event on Monday 14 December 2026: 8 and 9
    # December (Inmaculada Concepción, Batalla de Ayacucho) do not count.
    assert calendar.subtract_working_days(date(2026, 12, 14), 10) == date(2026, 11, 26)


def test_counting_back_skips_decreed_non_working_days():
    plain = WorkingCalendar(country="PE", subdivision="", extra_days=[])
    decreed = WorkingCalendar(country="PE", subdivision="", extra_days=[date(2026, 3, 6)])
    assert plain.subtract_working_days(date(2026, 3, 9), 1) == date(2026, 3, 6)
    assert decreed.subtract_working_days(date(2026, 3, 9), 1) == date(2026, 3, 5)


def test_an_event_on_a_weekend_counts_back_from_the_last_working_days(calendar):
    sunday = date(2026, 5, 10)  # Día de la Madre
    assert calendar.subtract_working_days(sunday, 1) == date(2026, 5, 8)
    assert calendar.subtract_working_days(sunday, 0) == sunday


@pytest.mark.parametrize("days", [1, 3, 5, 10, 15, 20])
def test_counting_back_is_the_inverse_of_counting_forward(calendar, days):
    day = date(2026, 1, 5)
    while day < date(2027, 1, 5):
        if calendar.is_working_day(day):
            back = calendar.subtract_working_days(day, days)
            assert calendar.is_working_day(back)
            assert calendar.add_working_days(back, days) == day
            assert calendar.working_days_between(back, day) == days
        day += timedelta(days=1)


@pytest.mark.django_db
def test_the_migration_seeds_the_documented_defaults():
    rows = {
        (kind, fmt): days
        for kind, fmt, days in LeadTime.objects.values_list("kind", "publication_format", "working_days")
    }
    assert rows == DEFAULTS
    assert rows[(Kind.SPEECH, "")] == 10


@pytest.mark.django_db
def test_lead_times_follow_the_admin_and_fall_back_to_the_kind_and_the_defaults():
    lead_times = LeadTimes()
    assert lead_times.days_for(Kind.SPEECH) == 10
    assert lead_times.days_for(Kind.PUBLICATION, PublicationFormat.PRESS_RELEASE) == 3
    # A format without a row of its own: the publication's default.
    assert lead_times.days_for(Kind.PUBLICATION, PublicationFormat.BULLETIN) == 5
    # A format given for another kind is ignored.
    assert lead_times.days_for(Kind.CAMPAIGN, PublicationFormat.PRESS_RELEASE) == 15

    LeadTime.objects.filter(kind=Kind.SPEECH).update(working_days=12)
    LeadTime.objects.filter(kind=Kind.SIGNAGE).delete()
    lead_times = LeadTimes()
    assert lead_times.days_for(Kind.SPEECH) == 12
    assert lead_times.days_for(Kind.SIGNAGE) == DEFAULTS[(Kind.SIGNAGE, "")]


def test_requested_by_counts_back_from_the_event(calendar):
    assert requested_by_for(date(2026, 12, 14), 10, calendar) == date(2026, 11, 26)
    assert requested_by_for(date(2026, 12, 14), 0, calendar) == date(2026, 12, 14)
