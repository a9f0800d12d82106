"""The per-user iCalendar feed, parsed back with icalendar: events, times, all-day dates,
stable UIDs, deterministic output, and what each person's feed leaves out."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from civic_calendar import services
from civic_calendar.models import Category
from tests.factories import advance, create_request
from workflows.models import Kind, State

from .conftest import PRESS_RELEASE, SPEECH, event_data, in_days

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")


@pytest.fixture
def agenda(users, units, jefe_rentas):
    gerente = users["gerente"]
    ceremony = services.create_event(
        gerente, data=event_data(units, days=30, title="Ceremonia de premiación"), needs=[SPEECH, PRESS_RELEASE]
    )
    services.spawn_requests(gerente, ceremony)
    speech = advance(
        create_request(users["rentas1"], units["rentas"], Kind.SPEECH, title="Discurso del balance anual"),
        State.IN_REVIEW,
        users,
    )
    balance = services.create_event(gerente, data=event_data(units, days=45, title="Balance anual"), needs=[SPEECH])
    services.link_request(gerente, balance.needs.get(), speech)
    flag_day = services.create_event(
        gerente,
        data=event_data(
            units,
            days=20,
            title="Día de la Bandera",
            category=Category.CIVIC_DATE,
            all_day=True,
            start_time=None,
            end_time=None,
            end_date=in_days(21),
            unit=None,
            description="",
        ),
    )
    reserved = services.create_event(
        gerente,
        data=event_data(units, days=25, title="Reunión reservada con el contratista", unit="obras", internal=True),
    )
    postponed = services.create_event(gerente, data=event_data(units, days=35, title="Feria postergada", unit=None))
    services.cancel_event(gerente, postponed, reason="Se posterga al próximo mes.")
    return {
        "ceremony": ceremony,
        "balance": balance,
        "flag_day": flag_day,
        "reserved": reserved,
        "postponed": postponed,
        "speech": speech,
    }


def feed_url(user):
    return reverse("civic_calendar:ics", args=[services.regenerate_feed_token(user).token])


def fetch(url):
    response = Client().get(url)  # no session: a calendar client
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content


def vevents(body):
    calendar = Calendar.from_ical(body)
    return {str(item["summary"]): item for item in calendar.walk("VEVENT")}


def test_the_feed_parses_back_with_its_events_and_times(users, agenda):
    body = fetch(feed_url(users["gerente"]))
    calendar = Calendar.from_ical(body)
    assert str(calendar["version"]) == "2.0"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Lima"]
    events = vevents(body)
    assert set(events) == {
        "Ceremonia de premiación",
        "Balance anual",
        "Día de la Bandera",
        "Reunión reservada con el contratista",
        "Feria postergada",
    }
    ceremony = events["Ceremonia de premiación"]
    start, end = ceremony["dtstart"].dt, ceremony["dtend"].dt
    assert start == datetime.combine(in_days(30), time(10, 0), tzinfo=LIMA)
    assert end == datetime.combine(in_days(30), time(12, 0), tzinfo=LIMA)
    assert str(start.tzinfo) == "America/Lima"
    assert ceremony["dtstart"].params["TZID"] == "America/Lima"
    assert str(ceremony["uid"]) == f"{agenda['ceremony'].uid}@calendario-civico"
    assert str(ceremony["location"]) == "Plaza principal"
    assert str(ceremony["status"]) == "CONFIRMED"
    # An all-day, two-day civic date: DATE values, the end exclusive.
    flag_day = events["Día de la Bandera"]
    assert type(flag_day["dtstart"].dt) is date and flag_day["dtstart"].dt == in_days(20)
    assert type(flag_day["dtend"].dt) is date and flag_day["dtend"].dt == in_days(22)
    assert str(events["Feria postergada"]["status"]) == "CANCELLED"
    assert str(events["Reunión reservada con el contratista"]["class"]) == "CONFIDENTIAL"


def test_the_feed_is_deterministic_and_uids_survive_edits(users, agenda):
    url = feed_url(users["gerente"])
    first = fetch(url)
    assert fetch(url) == first
    before = vevents(first)["Ceremonia de premiación"]
    services.update_event(
        users["gerente"], agenda["ceremony"], data={"title": "Ceremonia de premiación 2026"}, expected_revision=None
    )
    after = vevents(fetch(url))["Ceremonia de premiación 2026"]
    assert after["uid"] == before["uid"]
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after["dtstamp"].dt >= before["dtstamp"].dt
    assert after["dtstamp"].dt.tzinfo is not None


def test_each_feed_shows_only_what_its_user_may_see(users, agenda):
    draft_reference = agenda["ceremony"].needs.get(kind="speech").request.reference
    linked_reference = agenda["speech"].reference

    # The head of Rentas: the needs of Rentas' events and the drafts they author;
    # not the reserved meeting of Obras.
    head = vevents(fetch(feed_url(users["jefe_rentas"])))
    assert "Reunión reservada con el contratista" not in head
    ceremony = str(head["Ceremonia de premiación"]["description"])
    assert "Material necesario:" in ceremony and draft_reference in ceremony

    # The gerente sees every event and its needs, but not a unit's draft.
    gerente = vevents(fetch(feed_url(users["gerente"])))
    ceremony = str(gerente["Ceremonia de premiación"]["description"])
    assert "Discurso del Alcalde: Ceremonia de premiación" in ceremony
    assert draft_reference not in ceremony
    assert linked_reference in str(gerente["Balance anual"]["description"])

    # The publicador plans with the office but cannot see a request still in review.
    publicador = vevents(fetch(feed_url(users["publicador"])))
    assert "Material necesario:" in str(publicador["Balance anual"]["description"])
    assert linked_reference not in str(publicador["Balance anual"]["description"])

    # Another unit: the public agenda only, no needs, no reserved meeting.
    social = vevents(fetch(feed_url(users["social1"])))
    assert set(social) == {"Ceremonia de premiación", "Balance anual", "Día de la Bandera", "Feria postergada"}
    assert "Material necesario" not in str(social["Ceremonia de premiación"]["description"])
    assert draft_reference not in fetch(feed_url(users["social1"])).decode()

    # Obras sees its own reserved meeting.
    assert "Reunión reservada con el contratista" in vevents(fetch(feed_url(users["obras1"])))


def test_unknown_revoked_or_replaced_tokens_and_inactive_users_are_not_found(users, agenda):
    client = Client()
    assert client.get(reverse("civic_calendar:ics", args=["no-existe"])).status_code == 404
    old = feed_url(users["rentas1"])
    new = feed_url(users["rentas1"])
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    services.revoke_feed_token(users["rentas1"])
    assert client.get(new).status_code == 404
    url = feed_url(users["obras1"])
    users["obras1"].is_active = False
    users["obras1"].save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_the_feed_reads_a_fixed_number_of_queries(users, units, jefe_rentas):
    url = feed_url(users["jefe_rentas"])
    first = services.create_event(users["gerente"], data=event_data(units, days=10), needs=[SPEECH])
    services.spawn_requests(users["gerente"], first, confirm_overdue=True)
    client = Client()
    client.get(url)  # warm the content-type cache
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for day in range(11, 31):
        event = services.create_event(users["gerente"], data=event_data(units, days=day), needs=[SPEECH, PRESS_RELEASE])
        if day % 3 == 0:
            services.spawn_requests(users["gerente"], event, confirm_overdue=True)
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 21
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_feed_needs_no_session_and_a_logged_in_session_changes_nothing(users, client, agenda):
    url = feed_url(users["social1"])
    anonymous = Client().get(url).content
    client.force_login(users["gerente"])
    assert client.get(url).content == anonymous  # the token's user, not the session's
    assert "Reunión reservada" not in anonymous.decode()
