from datetime import date

import pytest

from press.models import Coverage, MediumType, Tone
from press.selectors import coverage_summary
from tests.factories import request_in_state
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db


def make(users, day, medium, tone, request=None):
    # Direct rows: the selector's figures are what is tested here, not the service.
    return Coverage.objects.create(
        medium=medium,
        medium_type=MediumType.DIGITAL,
        published_on=day,
        headline=f"{medium} {day}",
        url="https://medio.example.pe/n",
        tone=tone,
        request=request,
        recorded_by=users["revisor1"],
    )


def test_coverage_summary_counts_on_known_data(users, units, django_assert_num_queries):
    first = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    second = request_in_state(users, units, State.PUBLISHED)
    make(users, date(2026, 3, 1), "La República", Tone.POSITIVE, first)  # first day: inside
    make(users, date(2026, 3, 31), "Radio Programas", Tone.NEGATIVE, first)  # last day: inside
    make(users, date(2026, 3, 15), "La República", Tone.POSITIVE, second)
    make(users, date(2026, 3, 16), "Canal N", Tone.POSITIVE)
    make(users, date(2026, 3, 17), "Radio Programas", Tone.POSITIVE, first)
    make(users, date(2026, 2, 28), "La República", Tone.NEUTRAL, first)  # before: outside
    make(users, date(2026, 4, 1), "Canal N", Tone.NEGATIVE, first)  # after: outside

    with django_assert_num_queries(3):
        summary = coverage_summary(date(2026, 3, 1), date(2026, 3, 31))

    assert summary.total == 5
    assert summary.by_tone == {"positive": 4, "neutral": 0, "negative": 1}
    assert summary.by_medium == [("La República", 2), ("Radio Programas", 2), ("Canal N", 1)]
    assert summary.by_request == [
        (first.pk, first.reference, first.title, 3),
        (second.pk, second.reference, second.title, 1),
    ]


def test_coverage_summary_of_an_empty_period_lists_every_tone(users):
    summary = coverage_summary(date(2030, 1, 1), date(2030, 1, 31))
    assert summary.total == 0
    assert summary.by_tone == {"positive": 0, "neutral": 0, "negative": 0}
    assert summary.by_medium == [] and summary.by_request == []
