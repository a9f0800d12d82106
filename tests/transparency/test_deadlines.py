"""Deadlines in working days: TUO de la Ley 27806 (10 days to answer, 2 to communicate an
extension), counted as Ley 27444 says. Expected dates are worked out by hand from the
2026 calendar, not from the code."""

from datetime import date

import pytest

from transparency.deadlines import (
    URGENCY_CLOSED,
    URGENCY_NEAR,
    URGENCY_OK,
    URGENCY_OVERDUE,
    WorkingCalendar,
    deadlines_for,
    urgency,
    working_days_left,
)
from transparency.models import NonWorkingDay

pytestmark = pytest.mark.django_db


def due(received_on, **kwargs):
    found = deadlines_for(received_on, WorkingCalendar(**kwargs))
    return found["extension_notice_due_on"], found["response_due_on"]


def test_a_plain_fortnight_counts_from_the_next_working_day():
    # Monday 2 March 2026: counting starts Tuesday 3; no holidays in March.
    assert due(date(2026, 3, 2)) == (date(2026, 3, 4), date(2026, 3, 16))


def test_a_friday_receipt_crosses_two_weekends():
    assert due(date(2026, 3, 6)) == (date(2026, 3, 10), date(2026, 3, 20))


@pytest.mark.parametrize("weekend_day", [date(2026, 3, 7), date(2026, 3, 8)])
def test_a_weekend_receipt_counts_as_received_on_monday(weekend_day):
    # Received Monday 9 → counting starts Tuesday 10.
    assert due(weekend_day) == (date(2026, 3, 11), date(2026, 3, 23))
    assert due(weekend_day) == due(date(2026, 3, 9))


def test_easter_week_holidays_are_skipped():
    # Holy Thursday 2 and Good Friday 3 April 2026 are holidays in Peru.
    assert due(date(2026, 3, 30)) == (date(2026, 4, 1), date(2026, 4, 15))
    assert due(date(2026, 4, 1)) == (date(2026, 4, 7), date(2026, 4, 17))


def test_a_receipt_on_a_holiday_counts_as_received_the_next_working_day():
    # Holy Thursday → received Monday 6 April → counting starts Tuesday 7.
    assert due(date(2026, 4, 2)) == (date(2026, 4, 8), date(2026, 4, 20))
    assert due(date(2026, 4, 2)) == due(date(2026, 4, 6))


def test_fiestas_patrias_and_the_other_july_and_august_holidays_are_skipped():
    # 23 July (Air Force), 28–29 July (Fiestas Patrias), 6 August (Junín) are holidays.
    assert due(date(2026, 7, 20)) == (date(2026, 7, 22), date(2026, 8, 7))
    # Received on 28 July itself: counts as received Thursday 30, counting starts Friday 31
    # (and skips 6 August).
    assert due(date(2026, 7, 28)) == (date(2026, 8, 3), date(2026, 8, 14))


def test_a_decreed_non_working_day_is_skipped():
    NonWorkingDay.objects.create(date=date(2026, 3, 12), description="Día no laborable para el sector público")
    assert due(date(2026, 3, 2)) == (date(2026, 3, 4), date(2026, 3, 17))
    # Received on it: counts as received Friday 13.
    assert due(date(2026, 3, 12)) == (date(2026, 3, 17), date(2026, 3, 27))


def test_honduras_holidays_apply_with_the_hn_setting(settings):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "HN"
    # 15 September (Independencia) is a holiday in Honduras; 28–29 July are not.
    assert due(date(2026, 9, 7))[1] == date(2026, 9, 22)
    assert due(date(2026, 7, 20))[1] == date(2026, 8, 3)
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "PE"
    assert due(date(2026, 9, 7))[1] == date(2026, 9, 21)
    assert due(date(2026, 7, 20))[1] == date(2026, 8, 7)


def test_the_number_of_days_comes_from_the_settings(settings):
    settings.TRANSPARENCY_RESPONSE_DAYS = 7
    settings.TRANSPARENCY_EXTENSION_NOTICE_DAYS = 1
    assert due(date(2026, 3, 2)) == (date(2026, 3, 3), date(2026, 3, 11))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 2), 10),
        (date(2026, 3, 13), 1),  # Friday: Monday 16 is the next working day
        (date(2026, 3, 14), 1),  # Saturday
        (date(2026, 3, 16), 0),  # the day itself
        (date(2026, 3, 17), -1),
        (date(2026, 3, 21), -4),  # Saturday after: Tue–Fri overdue
    ],
)
def test_working_days_left(today, expected):
    assert working_days_left(date(2026, 3, 16), today) == expected


def test_a_weekend_right_after_the_deadline_is_already_overdue():
    # Due Friday 20 March; on Saturday 21 no working day has passed, but it is late.
    assert working_days_left(date(2026, 3, 20), date(2026, 3, 21)) == -1


def test_urgency_classes(settings):
    settings.TRANSPARENCY_REMINDER_DAYS = 2
    assert urgency(3) == URGENCY_OK == "deadline-ok"
    assert urgency(2) == URGENCY_NEAR == "deadline-near"
    assert urgency(0) == URGENCY_NEAR
    assert urgency(-1) == URGENCY_OVERDUE == "deadline-overdue"
    assert urgency(None) == URGENCY_CLOSED
    settings.TRANSPARENCY_REMINDER_DAYS = 5
    assert urgency(3) == URGENCY_NEAR
