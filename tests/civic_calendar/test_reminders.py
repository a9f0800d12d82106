"""The daily reminder of the needs that are late or not yet submitted: who hears of them,
what they read, once per need, person and day."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from civic_calendar import services
from civic_calendar.reminders import REMINDER_WORKING_DAYS, needs_to_remind, send_need_reminders
from civic_calendar.tasks import send_calendar_reminders
from core import periodic
from notifications.models import Kind, Notification
from tests.factories import advance
from transparency.deadlines import WorkingCalendar
from workflows.models import State

from .conftest import PRESS_RELEASE, SPEECH

pytestmark = pytest.mark.django_db


def late_day(need):
    """A day after the need's requested-by date, before its event."""
    return need.requested_by + timedelta(days=1)


def test_a_late_need_is_reminded_to_the_unit_head_the_author_and_the_office(make_event, users, jefe_rentas):
    event = make_event(days=60, needs=[SPEECH])
    [need] = services.spawn_requests(users["gerente"], event)
    Notification.objects.all().delete()  # the head's "draft created" notices

    sent = send_need_reminders(today=late_day(need))

    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    # The author is the head here; the office that plans: gerentes and revisores.
    assert recipients == {"jefe_rentas", "gerente", "gerente_rentas", "revisor1", "revisor2", "revisor_rentas"}
    assert sent == len(recipients)
    note = Notification.objects.get(recipient=jefe_rentas)
    assert note.kind == Kind.DEADLINE
    assert note.message.startswith("Atrasada: «Discurso del Alcalde: ")
    assert need.request.reference in note.message  # the head may see the draft
    assert note.url == f"/calendario/eventos/{event.pk}/"
    # The office cannot see a unit's draft: its reminder names no request.
    office_note = Notification.objects.get(recipient=users["gerente"])
    assert need.request.reference not in office_note.message
    assert office_note.request is None


def test_reminders_are_sent_once_per_need_person_and_day(make_event, users, jefe_rentas):
    event = make_event(days=60, needs=[SPEECH, PRESS_RELEASE])
    speech = event.needs.get(kind="speech")
    day = late_day(speech)
    first = send_need_reminders(today=day)
    assert first > 0
    assert send_need_reminders(today=day) == 0
    assert Notification.objects.count() == first
    # The periodic task runs the same job; the same day it adds nothing either.
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"calendar:{speech.pk}:{day.isoformat()}"}
    # The next day it reminds again.
    assert send_need_reminders(today=day + timedelta(days=1)) == first


def test_what_is_reminded(make_event, users, units, jefe_rentas):
    calendar = WorkingCalendar()
    event = make_event(days=90, needs=[SPEECH])
    need = event.needs.get()
    # Far from its date and not late: nothing.
    far = calendar.subtract_working_days(need.requested_by, REMINDER_WORKING_DAYS + 2)
    assert needs_to_remind(far) == []
    # Not yet submitted and due within the reminder days: reminded.
    near = calendar.subtract_working_days(need.requested_by, REMINDER_WORKING_DAYS)
    assert needs_to_remind(near) == [need]
    # Submitted but not approved: reminded only once late.
    [need] = services.spawn_requests(users["gerente"], event)
    advance(need.request, State.IN_REVIEW, users)
    assert needs_to_remind(near) == []
    assert needs_to_remind(late_day(need)) == [need]
    # Approved: never.
    need.request.refresh_from_db()
    from workflows import services as workflow_services

    workflow_services.forward_request(users["revisor1"], need.request)
    workflow_services.approve_request(users["gerente"], need.request)
    assert needs_to_remind(late_day(need)) == []


def test_cancelled_and_past_events_are_not_reminded(make_event, users):
    cancelled = make_event(days=60, needs=[SPEECH])
    services.cancel_event(users["gerente"], cancelled, reason="Postergado.")
    past = make_event(days=-1, needs=[SPEECH])
    need = past.needs.get()
    assert need.is_late(past.start_date + timedelta(days=1))
    assert needs_to_remind(cancelled.needs.get().requested_by + timedelta(days=1)) == []
    assert send_need_reminders(today=past.start_date + timedelta(days=1)) == 0


def test_the_job_is_registered_and_runs_from_the_periodic_command(make_event):
    job = periodic.jobs()["calendar_reminders"]
    assert job.task == "civic_calendar.tasks.send_calendar_reminders"
    assert job.function() is send_calendar_reminders
    make_event(days=3, needs=[SPEECH])  # already late today
    sent = send_calendar_reminders()
    assert sent > 0
    out = io.StringIO()
    call_command("run_periodic_jobs", "--only", "calendar_reminders", stdout=out)
    # Already sent today: the command's run stores nothing new.
    assert "calendar_reminders: 0 " in out.getvalue()
    assert Notification.objects.count() == sent
