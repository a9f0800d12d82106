"""The report's figures: against the demo data (expected numbers from plain ORM counts
written here, never from reports.figures), and on hand-built histories whose times the
test controls (medians, first submission, re-approval, urgent review, deadlines)."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from press.models import Coverage
from reports.figures import Deadline, compute, median_days
from reports.models import Report
from reports.periods import Period, previous_month
from tests.factories import create_request, default_details, default_fields
from tests.reports.conftest import local
from tests.transparency.conftest import entry_data
from transparency import services as transparency
from workflows import services
from workflows.models import Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db


def this_month() -> Period:
    today = timezone.localdate()
    return Period.month(today.year, today.month)


def between(period, field):
    return {f"{field}__gte": period.start_at, f"{field}__lt": period.end_at}


# --- the demo data ----------------------------------------------------------------------------


def test_the_figures_of_the_demo_data(django_user_model):
    call_command("seed_demo", verbosity=0)
    period = this_month()
    figures = compute(period)

    # Received: every request sent to the office this month, per unit and kind. In the demo
    # each was sent once, so its own `submitted_at` says when.
    submitted = MaterialRequest.objects.filter(**between(period, "submitted_at"))
    expected = Counter(submitted.values_list("unit__name", "kind"))
    got = Counter(
        {
            (row["unit"], kind): count
            for row in figures["received"]["by_unit"]
            for kind, count in row["counts"].items()
            if count
        }
    )
    assert got == expected
    assert figures["received"]["total"] == submitted.count()
    # The seed's plan: 16 requests, two of them left as drafts, all of them sent now.
    assert figures["received"]["total"] >= 14
    assert {row["unit"] for row in figures["received"]["by_unit"]} >= {
        "Gerencia de Rentas",
        "Gerencia de Desarrollo Social",
        "Gerencia de Obras y Desarrollo Urbano",
    }
    for kind in Kind.values:
        assert figures["received"]["by_kind"][kind] == submitted.filter(kind=kind).count()

    approved = MaterialRequest.objects.filter(**between(period, "approved_at"))
    published = MaterialRequest.objects.filter(**between(period, "published_at"))
    assert figures["approved"] == approved.count() >= 7
    assert figures["published"] == published.count() >= 5
    assert {row["reference"] for row in figures["published_list"]} == set(published.values_list("reference", flat=True))
    withdrawn = {row["reference"] for row in figures["published_list"] if row["withdrawn"]}
    assert withdrawn == set(published.filter(state=State.WITHDRAWN).values_list("reference", flat=True))
    assert "Descuentos en arbitrios municipales 2026" in {row["title"] for row in figures["published_list"]}

    # Everything in the demo happened within seconds: medians of 0.0 days over every request.
    assert figures["median_days"] == {
        "to_approval": 0.0,
        "to_approval_count": approved.count(),
        "to_publication": 0.0,
        "to_publication_count": published.count(),
    }
    assert len(figures["urgent"]) == published.filter(urgent=True).count()

    from transparency.models import TransparencyRequest

    entries = TransparencyRequest.objects.filter(**between(period, "received_at"))
    assert figures["transparency"]["total"] == entries.count()
    assert [row["reference"] for row in figures["transparency"]["entries"]] == list(
        entries.order_by("received_at", "pk").values_list("reference", flat=True)
    )
    # No personal data of the citizen leaves the register.
    assert "Ccahuana" not in str(figures)

    coverage = Coverage.objects.filter(published_on__gte=period.start, published_on__lte=period.end)
    assert figures["coverage"]["total"] == coverage.count()
    for tone in ("positive", "neutral", "negative"):
        assert figures["coverage"]["by_tone"][tone] == coverage.filter(tone=tone).count()


def test_the_demo_generates_last_months_report_once():
    call_command("seed_demo", verbosity=0)
    period = previous_month()
    report = Report.objects.get(period_kind=period.kind, period_start=period.start)
    assert report.version == 1
    assert report.generated_by.username == "gerente"

    call_command("seed_demo", verbosity=0)
    assert Report.objects.count() == 1


# --- medians and counts on a hand-built history -----------------------------------------------


def _step(clock, moment, service, actor, request, **kwargs):
    clock.at(*moment)
    return service(actor, request, **kwargs)


def _publish(clock, moment, users, request):
    clock.at(*moment)
    return services.publish_request(
        users["publicador"], request, channel="Portal web", date=timezone.localdate(), url=""
    )


@pytest.fixture
def march(clock, users, units):
    """Five requests whose steps happen at chosen moments around March 2026."""
    author, gerente, revisor = users["rentas1"], users["gerente"], users["revisor1"]

    def new(title, moment):
        clock.at(*moment)
        return create_request(author, units["rentas"], Kind.CAMPAIGN, title=title)

    # A: sent Mar 2 10:00, approved a day later, published three days after sending.
    a = new("A", (2026, 3, 1, 9))
    a = _step(clock, (2026, 3, 2, 10), services.submit_request, author, a)
    a = _step(clock, (2026, 3, 2, 11), services.forward_request, revisor, a)
    a = _step(clock, (2026, 3, 3, 10), services.approve_request, gerente, a)
    a = _publish(clock, (2026, 3, 5, 10), users, a)
    # B: sent Mar 1 09:00, observed, sent again Mar 4: its days count from the first sending.
    b = new("B", (2026, 3, 1, 8))
    b = _step(clock, (2026, 3, 1, 9), services.submit_request, author, b)
    b = _step(clock, (2026, 3, 1, 12), services.observe_request, revisor, b, comment="Precisar fechas.")
    b = _step(clock, (2026, 3, 4, 9), services.submit_request, author, b)
    b = _step(clock, (2026, 3, 5, 9), services.forward_request, revisor, b)
    b = _step(clock, (2026, 3, 6, 21), services.approve_request, gerente, b)  # 5.5 days
    b = _publish(clock, (2026, 3, 7, 9), users, b)  # 6.0 days
    # C: sent in February, approved on March 1 at midnight: approved in March, not received.
    c = new("C", (2026, 2, 27, 11))
    c = _step(clock, (2026, 2, 27, 12), services.submit_request, author, c)
    c = _step(clock, (2026, 2, 28, 12), services.forward_request, revisor, c)
    c = _step(clock, (2026, 3, 1, 0), services.approve_request, gerente, c)  # 1.5 days
    # D: approved, edited (back to approval), approved again: the last approval stands.
    d = new("D", (2026, 3, 10, 7))
    d = _step(clock, (2026, 3, 10, 8), services.submit_request, author, d)
    d = _step(clock, (2026, 3, 10, 9), services.forward_request, revisor, d)
    d = _step(clock, (2026, 3, 10, 20), services.approve_request, gerente, d)
    clock.at(2026, 3, 11, 9)
    d = services.update_request(
        revisor,
        d,
        fields=default_fields(title="D, corregida"),
        details=default_details(Kind.CAMPAIGN),
        expected_revision=d.revision,
    )
    assert d.state == State.PENDING_APPROVAL
    d = _step(clock, (2026, 3, 12, 8), services.approve_request, gerente, d)  # 2.0 days
    d = _publish(clock, (2026, 4, 1, 9), users, d)  # published in April
    # E: a prevention campaign published urgently six hours after it was sent; reviewed
    # afterwards, in April, by a revisor.
    e = new("E", (2026, 3, 20, 9))
    e = _step(clock, (2026, 3, 20, 10), services.submit_request, author, e)
    clock.at(2026, 3, 20, 16)
    e = services.publish_urgently(
        gerente, e, channel="Radio", date=timezone.localdate(), comment="Brote de dengue en el distrito."
    )  # 0.25 days
    e = _step(clock, (2026, 4, 2, 11), services.review_urgent_publication, revisor, e, comment="Conforme.")
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


def test_counts_and_medians_of_a_month(march):
    figures = compute(Period.month(2026, 3), today=date(2026, 4, 20))
    refs = {key: request.reference for key, request in march.items()}

    # Received in March: A, B, D, E (C was first sent in February).
    assert figures["received"]["total"] == 4
    rentas = next(row for row in figures["received"]["by_unit"] if row["unit"] == "Rentas")
    assert rentas["counts"]["campaign"] == 4
    # Approved in March: A, B, C, D (twice, counted once) and E (urgent); published: A, B, E.
    assert figures["approved"] == 5
    assert figures["published"] == 3
    # Days to approval: E 0.25, A 1.0, C 1.5, D 2.0 (the re-approval), B 5.5 → median 1.5.
    # Days to publication: E 0.25, A 3.0, B 6.0 → median 3.0.
    assert figures["median_days"] == {
        "to_approval": 1.5,
        "to_approval_count": 5,
        "to_publication": 3.0,
        "to_publication_count": 3,
    }
    assert [row["reference"] for row in figures["published_list"]] == [refs["A"], refs["B"], refs["E"]]
    assert [row["urgent"] for row in figures["published_list"]] == [False, False, True]

    [urgent] = figures["urgent"]
    assert urgent["reference"] == refs["E"]
    assert urgent["reason"] == "Brote de dengue en el distrito."
    assert urgent["published_at"] == "2026-03-20T16:00:00-05:00"
    assert urgent["reviewed"] is True
    assert urgent["reviewed_by"] == "revisor1"
    assert urgent["reviewed_at"] == "2026-04-02T11:00:00-05:00"


def test_the_neighbouring_months(march):
    february = compute(Period.month(2026, 2), today=date(2026, 4, 20))
    assert february["received"]["total"] == 1  # C
    assert february["approved"] == february["published"] == 0
    assert february["median_days"]["to_approval"] is None

    april = compute(Period.month(2026, 4), today=date(2026, 4, 20))
    assert april["received"]["total"] == 0
    assert april["published"] == 1  # D: sent Mar 10 08:00, published Apr 1 09:00
    assert april["median_days"]["to_publication"] == 22.0
    assert april["urgent"] == []  # E's review in April does not make it an April publication


def test_the_year_adds_the_months_up(march):
    year = compute(Period.year(2026), today=date(2026, 4, 20))
    assert year["received"]["total"] == 5
    assert year["approved"] == 5
    assert year["published"] == 4
    # Publications: E 0.25, A 3.0, B 6.0, D 22.0 → the median of an even count is the mean
    # of the middle two: 4.5.
    assert year["median_days"]["to_publication"] == 4.5


def test_median_days_rounds_half_up_to_one_decimal():
    hours = lambda *values: [timedelta(hours=value) for value in values]  # noqa: E731
    assert median_days([]) is None
    assert median_days(hours(6)) == 0.3  # 0.25 days
    assert median_days(hours(24, 48)) == 1.5
    assert median_days(hours(1, 100, 2)) == 0.1  # 2 hours
    assert median_days(hours(36, 12, 60, 84)) == 2.0


# --- transparency deadlines -------------------------------------------------------------------


def test_each_transparency_deadline_is_judged(clock, users):
    officer = users["transparencia"]

    def register(day):
        clock.at(2026, 3, day, 10)
        return transparency.register_request(officer, data=entry_data(received_at=local(2026, 3, day, 10)))

    on_time, late, open_entry, archived = register(2), register(3), register(9), register(10)
    for entry, answered_on in ((on_time, (2026, 3, 5, 12)), (late, (2026, 3, 31, 12))):
        clock.at(2026, 3, 4, 9)
        entry = transparency.start_attention(officer, entry)
        clock.at(*answered_on)
        transparency.answer_request(officer, entry, response_summary="Se entregó la copia solicitada.")
    clock.at(2026, 3, 11, 9)
    transparency.archive_request(officer, archived, reason="Pedido duplicado.")

    # Mar 9 (Monday) + 10 working days: Mar 23. Still open on Mar 20: within the deadline.
    assert open_entry.response_due_on == date(2026, 3, 23)
    figures = compute(Period.month(2026, 3), today=date(2026, 3, 20))["transparency"]
    assert [row["status"] for row in figures["entries"]] == [
        Deadline.ON_TIME,
        Deadline.LATE,
        Deadline.OPEN_IN_TIME,
        Deadline.CLOSED_UNANSWERED,
    ]
    assert figures["as_of"] == "2026-03-20"
    assert figures["by_status"] == {
        "on_time": 1,
        "late": 1,
        "open_in_time": 1,
        "open_overdue": 0,
        "closed_unanswered": 1,
    }
    # Still open after its deadline: overdue. On the due date itself it is still in time.
    assert compute(Period.month(2026, 3), today=date(2026, 3, 23))["transparency"]["by_status"]["open_in_time"] == 1
    overdue = compute(Period.month(2026, 3), today=date(2026, 3, 24))["transparency"]
    assert overdue["entries"][2]["status"] == Deadline.OPEN_OVERDUE

    # Once none is open, the day the figures are taken is no longer part of them.
    clock.at(2026, 3, 12, 9)
    transparency.answer_request(
        officer, transparency.start_attention(officer, open_entry), response_summary="Entregado."
    )
    first = compute(Period.month(2026, 3), today=date(2026, 4, 1))["transparency"]
    assert first["as_of"] is None
    assert first == compute(Period.month(2026, 3), today=date(2026, 9, 1))["transparency"]


def test_coverage_comes_from_the_press_summary(users):
    for day, tone in ((1, "positive"), (15, "positive"), (31, "negative"), (28, "neutral")):
        month = 3 if day != 28 else 2
        Coverage.objects.create(
            medium="Radio Nacional",
            medium_type="radio",
            published_on=date(2026, month, day),
            headline=f"Nota del {day}",
            tone=tone,
            recorded_by=users["gerente"],
        )
    coverage = compute(Period.month(2026, 3), today=date(2026, 4, 1))["coverage"]
    assert coverage["total"] == 3
    assert coverage["by_tone"] == {"positive": 2, "neutral": 0, "negative": 1}
    assert coverage["by_medium"] == [["Radio Nacional", 3]]


# --- a fixed number of queries ----------------------------------------------------------------


def test_the_figures_take_a_fixed_number_of_queries(clock, users, units):
    period = Period.month(2026, 3)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            compute(period, today=date(2026, 4, 1))
        return len(queries)

    def one_more_published(day):
        request = create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION)
        for step, actor in (("submit", "rentas1"), ("forward", "revisor1"), ("approve", "gerente")):
            clock.at(2026, 3, day, 9)
            request = services.ACTION_SERVICES[step](users[actor], request)
        _publish(clock, (2026, 3, day, 12), users, request)
        clock.at(2026, 3, day, 13)
        transparency.register_request(users["transparencia"], data=entry_data(received_at=local(2026, 3, day, 13)))

    clock.at(2026, 3, 1, 8)
    one_more_published(2)
    few = count_queries()
    for day in range(3, 12):
        one_more_published(day)
    assert count_queries() == few
    assert few <= 9
