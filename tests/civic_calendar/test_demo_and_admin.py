"""The calendar's demo data (idempotent, relative to today) and its admin (lead times
editable and audited; events, needs and feed tokens read-only)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from civic_calendar import demo
from civic_calendar.models import CalendarEvent, EventNeed, FeedToken, LeadTime
from workflows.management.commands.seed_demo import Command
from workflows.models import Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent_and_relative_to_today():
    command = Command()
    users = command.seed_organization()
    command.seed_requests(users)
    assert demo.seed(users) > 0
    counts = (
        CalendarEvent.objects.count(),
        EventNeed.objects.count(),
        MaterialRequest.objects.count(),
        AuditEvent.objects.count(),
    )
    assert demo.seed(users) == 0
    assert counts == (
        CalendarEvent.objects.count(),
        EventNeed.objects.count(),
        MaterialRequest.objects.count(),
        AuditEvent.objects.count(),
    )

    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        patrias = CalendarEvent.objects.get(title="Fiestas Patrias", start_date__year=year)
        assert (patrias.start_date, patrias.end_date) == (date(year, 7, 28), date(year, 7, 29))
        mother = CalendarEvent.objects.get(title="Día de la Madre", start_date__year=year)
        assert mother.start_date.weekday() == 6 and 8 <= mother.start_date.day <= 14
        assert CalendarEvent.objects.get(title="Aniversario del distrito de Pueblo Libre", start_date__year=year)
        assert CalendarEvent.objects.filter(title="Día de la Bandera", start_date=date(year, 6, 7)).exists()

    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    ceremony = CalendarEvent.objects.get(title="Ceremonia de reconocimiento a los vecinos destacados")
    assert (ceremony.start_date.year, ceremony.start_date.month) == (next_month.year, next_month.month)
    assert sorted(ceremony.needs.values_list("kind", flat=True)) == [Kind.PUBLICATION, Kind.SPEECH]
    assert not ceremony.needs.filter(request__isnull=False).exists()  # not yet submitted
    # Rentas' press conference: spawned, drafts in its head's name.
    conference = CalendarEvent.objects.get(title__startswith="Conferencia de prensa")
    for need in conference.needs.all():
        assert need.request.state == State.DRAFT
        assert need.request.author.username == "jefe_rentas"
    # Tied to demo requests: the approved speech of the award ceremony is done.
    award = CalendarEvent.objects.get(title="Ceremonia de premiación al vecino puntual")
    speech = award.needs.get(kind=Kind.SPEECH)
    assert speech.request.title == "Ceremonia de premiación al vecino puntual"
    assert not speech.is_late(today)
    inauguration = CalendarEvent.objects.get(title="Inauguración del Parque Los Próceres")
    assert inauguration.needs.get(kind=Kind.SPEECH).request.state == State.IN_REVIEW
    assert CalendarEvent.objects.get(internal=True).unit.code == "obras"


def test_lead_times_are_edited_in_the_admin_and_audited(client_for):
    client = client_for("admin")
    speech = LeadTime.objects.get(kind=Kind.SPEECH, publication_format="")
    url = reverse("admin:civic_calendar_leadtime_change", args=[speech.pk])
    response = client.post(
        url, {"kind": "speech", "publication_format": "", "working_days": "12", "note": "Más tiempo para redactar."}
    )
    assert response.status_code == 302
    speech.refresh_from_db()
    assert speech.working_days == 12
    event = AuditEvent.objects.get(action="calendar_lead_time")
    assert event.actor_username == "admin"
    assert event.data == {"kind": "speech", "format": "", "working_days": 12, "before": 10}
    # A format only fits a publication; a duplicate is refused by the form.
    add = reverse("admin:civic_calendar_leadtime_add")
    response = client.post(add, {"kind": "speech", "publication_format": "nota_prensa", "working_days": "3"})
    assert response.status_code == 200
    assert "El formato solo se indica para publicaciones." in response.content.decode()
    response = client.post(add, {"kind": "speech", "publication_format": "", "working_days": "3"})
    assert response.status_code == 200
    assert LeadTime.objects.filter(kind=Kind.SPEECH).count() == 1


def test_events_and_feed_tokens_are_read_only_in_the_admin_and_the_secret_never_shows(client_for, users):
    from civic_calendar.services import regenerate_feed_token

    client = client_for("admin")
    for model in (CalendarEvent, FeedToken):
        add = reverse(f"admin:civic_calendar_{model._meta.model_name}_add")
        assert client.get(add).status_code == 403
        assert client.get(reverse(f"admin:civic_calendar_{model._meta.model_name}_changelist")).status_code == 200
    feed = regenerate_feed_token(users["rentas1"])
    for url in (
        reverse("admin:civic_calendar_feedtoken_changelist"),
        reverse("admin:civic_calendar_feedtoken_change", args=[feed.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert feed.token not in response.content.decode()
