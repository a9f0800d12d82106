"""Scheduled publication: the publicador sets the moment, the periodic job publishes then,
as the system on their behalf; never early, never a request that changed since."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from organization.roles import Role
from tests.factories import request_in_state
from workflows import scheduling, services
from workflows.exceptions import ActionNotAvailable, InvalidInput, StaleRequest
from workflows.models import MaterialRequest, State

pytestmark = pytest.mark.django_db

CHANNEL = "Portal web institucional"
URL = "https://munixyz.gob.pe/noticias/vacunacion"


@pytest.fixture
def approved(users, units):
    return request_in_state(users, units, State.APPROVED)


@pytest.fixture
def clock(monkeypatch):
    """Move the clock: clock.set(moment) makes timezone.now() answer it (models, services
    and the job alike), without waiting."""
    real_now = timezone.now

    class Clock:
        moment = None

        def set(self, moment):
            self.moment = moment

        def now(self):
            return self.moment or real_now()

    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake.now)
    return fake


def schedule(users, material_request, *, hours=2, who="publicador", **kwargs):
    publish_at = timezone.now() + timedelta(hours=hours)
    return scheduling.schedule_publication(
        users[who], material_request, publish_at=publish_at, channel=CHANNEL, url=URL, **kwargs
    )


def events(material_request, action):
    return AuditEvent.objects.filter(object_id=str(material_request.pk), action=action).order_by("sequence")


def reload(material_request):
    return MaterialRequest.objects.get(pk=material_request.pk)


# --- scheduling ---------------------------------------------------------------------------


def test_the_publicador_schedules_an_approved_request(users, approved):
    scheduled = schedule(users, approved, expected_revision=approved.revision)
    stored = reload(scheduled)
    assert stored.state == State.APPROVED
    assert stored.publish_scheduled_channel == CHANNEL and stored.publish_scheduled_url == URL
    assert stored.publish_scheduled_by == users["publicador"]
    assert stored.revision == approved.revision + 1 == stored.publish_scheduled_revision
    assert scheduling.schedule_holds(stored)
    event = events(approved, "schedule_publication").get()
    assert event.actor == users["publicador"]
    assert event.data["channel"] == CHANNEL
    assert event.data["publish_at"] == stored.publish_scheduled_at.isoformat()


@pytest.mark.parametrize("delta", [timedelta(minutes=-5), timedelta(0)])
def test_a_moment_in_the_past_is_refused_in_spanish(users, approved, delta):
    with pytest.raises(InvalidInput) as refused:
        scheduling.schedule_publication(
            users["publicador"], approved, publish_at=timezone.now() + delta, channel=CHANNEL
        )
    assert "ya pasó: elija un momento futuro" in refused.value.message
    assert refused.value.status_code == 400
    assert "publish_at" in refused.value.field_errors
    assert reload(approved).publish_scheduled_at is None
    assert not events(approved, "schedule_publication").exists()


def test_bad_channel_link_and_far_future_are_refused(users, approved):
    with pytest.raises(InvalidInput, match="medio o canal"):
        scheduling.schedule_publication(
            users["publicador"], approved, publish_at=timezone.now() + timedelta(hours=1), channel=" "
        )
    with pytest.raises(InvalidInput, match="enlace"):
        scheduling.schedule_publication(
            users["publicador"],
            approved,
            publish_at=timezone.now() + timedelta(hours=1),
            channel=CHANNEL,
            url="ftp://x",
        )
    with pytest.raises(InvalidInput, match="un año"):
        schedule(users, approved, hours=24 * 400)


@pytest.mark.parametrize("who", ["revisor1", "gerente", "rentas1", "transparencia"])
def test_only_who_may_publish_schedules(users, approved, who):
    with pytest.raises(PermissionDenied):
        schedule(users, approved, who=who)
    assert reload(approved).publish_scheduled_at is None


def test_only_approved_requests_and_fresh_pages(users, units, approved):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    with pytest.raises(ActionNotAvailable, match="aprobada"):
        schedule(users, pending)
    with pytest.raises(StaleRequest):
        schedule(users, approved, expected_revision=approved.revision - 1)


# --- the job ------------------------------------------------------------------------------


def test_published_at_the_right_moment_not_before(users, approved, clock):
    scheduled = schedule(users, approved, hours=3)
    at = scheduled.publish_scheduled_at

    clock.set(at - timedelta(seconds=1))
    assert scheduling.publish_due() == []
    assert reload(approved).state == State.APPROVED

    clock.set(at)
    [published] = scheduling.publish_due()
    stored = reload(approved)
    assert published.pk == stored.pk
    assert stored.state == State.PUBLISHED
    assert stored.published_by == users["publicador"]
    assert stored.published_at == at
    assert (stored.publication_channel, stored.publication_url) == (CHANNEL, URL)
    assert stored.publication_date == timezone.localdate(at)
    assert stored.publish_scheduled_at is None and not scheduling.schedule_holds(stored)
    # Audited as done by the system, on behalf of the publicador who scheduled it.
    event = events(approved, "publish").get()
    assert event.actor is None and event.actor_username == ""
    assert event.on_behalf_of == users["publicador"]
    assert "Publicación programada por" in event.comment
    assert event.version_hash  # the published version was frozen, as by hand
    # A second run finds nothing to do.
    clock.set(at + timedelta(minutes=1))
    assert scheduling.publish_due() == []
    assert events(approved, "publish").count() == 1


def test_the_request_page_shows_the_system_on_behalf_of_the_publicador(users, approved, clock, client_for):
    scheduled = schedule(users, approved, hours=1)
    page = client_for("publicador").get(reverse("workflows:request_detail", args=[approved.pk])).content.decode()
    assert "Se publicará el" in page and CHANNEL in page
    clock.set(scheduled.publish_scheduled_at + timedelta(minutes=1))
    scheduling.publish_due()
    page = client_for("publicador").get(reverse("workflows:request_detail", args=[approved.pk])).content.decode()
    assert "Sistema" in page and "por encargo de" in page


def test_unschedule_with_a_reason(users, approved, clock):
    scheduled = schedule(users, approved, hours=1)
    with pytest.raises(InvalidInput, match="motivo"):
        scheduling.unschedule_publication(users["publicador"], scheduled, reason=" ")
    with pytest.raises(PermissionDenied):
        scheduling.unschedule_publication(users["revisor1"], scheduled, reason="No")
    unscheduled = scheduling.unschedule_publication(
        users["publicador"], scheduled, reason="El alcalde pidió esperar.", expected_revision=scheduled.revision
    )
    assert unscheduled.publish_scheduled_at is None and unscheduled.revision == scheduled.revision + 1
    event = events(approved, "unschedule_publication").get()
    assert event.actor == users["publicador"] and event.comment == "El alcalde pidió esperar."
    clock.set(timezone.now() + timedelta(days=1))
    assert scheduling.publish_due() == []
    assert reload(approved).state == State.APPROVED
    with pytest.raises(ActionNotAvailable, match="no tiene una publicación programada"):
        scheduling.unschedule_publication(users["publicador"], unscheduled, reason="Otra vez")


def test_rescheduling_moves_the_moment(users, approved, clock):
    first = schedule(users, approved, hours=1)
    second = schedule(users, first, hours=5)
    assert events(approved, "schedule_publication").last().data["replaces"] == first.publish_scheduled_at.isoformat()
    clock.set(first.publish_scheduled_at + timedelta(minutes=1))
    assert scheduling.publish_due() == []
    clock.set(second.publish_scheduled_at)
    assert len(scheduling.publish_due()) == 1


def test_a_request_edited_after_scheduling_is_not_published(users, approved, clock):
    """The edit sends it back to approval; even approved again, the gerente approved a new
    text the publicador never scheduled: the schedule is dropped, audited and notified."""
    scheduled = schedule(users, approved, hours=1)
    reopened = services.update_request(
        users["revisor1"],
        scheduled,
        fields={"title": "Campaña de vacunación canina 2026"},
        details={},
        expected_revision=scheduled.revision,
    )
    assert reopened.state == State.PENDING_APPROVAL
    assert not scheduling.schedule_holds(reload(reopened))
    reapproved = services.approve_request(users["gerente"], reopened)
    assert reapproved.state == State.APPROVED
    clock.set(scheduled.publish_scheduled_at + timedelta(minutes=1))
    assert scheduling.publish_due() == []
    stored = reload(approved)
    assert stored.state == State.APPROVED and stored.publish_scheduled_at is None
    dropped = events(approved, "unschedule_publication").get()
    assert dropped.actor is None and dropped.on_behalf_of == users["publicador"]
    assert dropped.data["automatic"] is True and "cambió después de programar" in dropped.comment
    note = Notification.objects.filter(recipient=users["publicador"], request=approved).latest("pk")
    assert "No se publicó" in note.message


def test_a_request_published_by_hand_meanwhile_is_left_alone(users, approved, clock):
    scheduled = schedule(users, approved, hours=1)
    services.publish_request(users["publicador"], scheduled, channel="Radio", date=timezone.localdate())
    clock.set(scheduled.publish_scheduled_at + timedelta(minutes=1))
    assert scheduling.publish_due() == []
    assert events(approved, "publish").count() == 1
    assert reload(approved).publication_channel == "Radio"
    assert "ya no está aprobada" in events(approved, "unschedule_publication").get().comment


def test_a_publicador_who_lost_the_role_publishes_nothing(users, approved, clock):
    scheduled = schedule(users, approved, hours=1)
    users["publicador"].groups.remove(Group.objects.get(name=Role.PUBLICADOR))
    clock.set(scheduled.publish_scheduled_at)
    assert scheduling.publish_due() == []
    assert reload(approved).state == State.APPROVED
    assert "No se pudo publicar" in events(approved, "unschedule_publication").get().comment


def test_the_periodic_task_and_the_cron_command_publish_it(users, approved, clock, capsys):
    scheduled = schedule(users, approved, hours=1)
    clock.set(scheduled.publish_scheduled_at + timedelta(seconds=30))
    call_command("run_periodic_jobs", "--only", "publish_scheduled")
    assert "publish_scheduled: 1" in capsys.readouterr().out
    assert reload(approved).state == State.PUBLISHED


# --- pages --------------------------------------------------------------------------------


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_schedule_and_unschedule_from_the_request_page(users, approved, client_for):
    client = client_for("publicador")
    detail = reverse("workflows:request_detail", args=[approved.pk])
    page = client.get(detail).content.decode()
    assert 'data-action="schedule"' in page
    url = reverse("workflows:schedule_publication", args=[approved.pk])
    moment = timezone.now() + timedelta(days=1)
    response = client.post(
        url, {"publish_at": local_input(moment), "channel": CHANNEL, "url": URL, "revision": approved.revision}
    )
    assert response.status_code == 302 and response.url == detail
    stored = reload(approved)
    assert local_input(stored.publish_scheduled_at) == local_input(moment)
    page = client.get(detail).content.decode()
    assert "Se publicará el" in page and 'data-action="unschedule"' in page
    assert f'value="{local_input(moment)}"' in page  # changing it starts from the current schedule
    response = client.post(
        reverse("workflows:unschedule_publication", args=[approved.pk]),
        {"reason": "Se cambia la fecha del evento.", "revision": stored.revision},
    )
    assert response.status_code == 302
    assert reload(approved).publish_scheduled_at is None


def test_the_page_says_why_a_past_moment_is_refused(users, approved, client_for):
    response = client_for("publicador").post(
        reverse("workflows:schedule_publication", args=[approved.pk]),
        {
            "publish_at": local_input(timezone.now() - timedelta(hours=1)),
            "channel": CHANNEL,
            "revision": approved.revision,
        },
    )
    assert response.status_code == 400
    assert "ya pasó: elija un momento futuro" in response.content.decode()
    assert reload(approved).publish_scheduled_at is None


def test_who_else_asks_is_refused(users, units, approved, client_for):
    url = reverse("workflows:schedule_publication", args=[approved.pk])
    moment = local_input(timezone.now() + timedelta(days=1))
    data = {"publish_at": moment, "channel": CHANNEL, "revision": approved.revision}
    assert client_for("revisor1").post(url, data).status_code == 403
    assert client_for("nobody").post(url, data).status_code == 404
    assert client_for("publicador").get(url).status_code == 405
    page = client_for("revisor1").get(reverse("workflows:request_detail", args=[approved.pk])).content.decode()
    assert 'data-action="schedule"' not in page
    assert reload(approved).publish_scheduled_at is None


# --- two runs at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_publish_once(users, units, clock):
    approved = request_in_state(users, units, State.APPROVED)
    scheduled = schedule(users, approved, hours=1)
    clock.set(scheduled.publish_scheduled_at + timedelta(seconds=1))
    barrier = threading.Barrier(2, timeout=30)
    results = [None, None]

    def run(index):
        try:
            barrier.wait()
            results[index] = scheduling.publish_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(len(result) for result in results) == [0, 1]
    assert events(approved, "publish").count() == 1
    assert not events(approved, "unschedule_publication").exists()
    assert reload(approved).state == State.PUBLISHED
