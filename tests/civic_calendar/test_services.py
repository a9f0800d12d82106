"""The calendar's services: events and needs, spawning the needed requests (one
transaction, the overdue confirmation, who authors them), linking existing requests,
the lateness rules, the feed token."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEvent
from civic_calendar import services
from civic_calendar.models import CalendarEvent, EventNeed, FeedToken, NeedStatus
from notifications.models import Kind as NotificationKind
from notifications.models import Notification
from tests.factories import create_request, request_in_state
from transparency.deadlines import WorkingCalendar
from workflows.exceptions import ActionNotAvailable, InvalidInput
from workflows.models import Kind, MaterialRequest, ReferenceSequence, State

from .conftest import CAMPAIGN, PRESS_RELEASE, SIGNAGE, SPEECH, event_data, in_days

pytestmark = pytest.mark.django_db


def chain(obj):
    return AuditEvent.objects.filter(chain=f"{obj._meta.model_name}:{obj.pk}").order_by("sequence")


# --- events and needs ---------------------------------------------------------------------


def test_an_event_is_registered_with_its_needs_counted_back_and_audited(make_event):
    event = make_event(days=40, needs=[SPEECH, PRESS_RELEASE, CAMPAIGN, SIGNAGE])
    calendar = WorkingCalendar()
    needs = {need.kind + need.publication_format: need for need in event.needs.all()}
    assert needs["speech"].lead_days == 10
    assert needs["publicationnota_prensa"].lead_days == 3
    assert needs["campaign"].lead_days == 15
    assert needs["signage"].lead_days == 15
    for need in needs.values():
        assert need.requested_by == calendar.subtract_working_days(event.start_date, need.lead_days)
        assert need.request is None
        assert need.title.endswith(event.title)
    [created] = chain(event)
    assert created.action == "calendar_create"
    assert created.actor.username == "gerente"
    assert created.data["title"] == event.title
    assert len(created.data["needs"]) == 4


@pytest.mark.parametrize("username", ["rentas1", "jefe_rentas", "transparencia", "auditor", "nobody"])
def test_only_the_office_manages_the_calendar(users, units, jefe_rentas, username):
    with pytest.raises(PermissionDenied):
        services.create_event(users[username], data=event_data(units))
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize("username", ["revisor1", "gerente", "publicador", "admin"])
def test_the_office_and_the_administrator_manage_the_calendar(users, units, username):
    event = services.create_event(users[username], data=event_data(units))
    assert event.created_by == users[username]


def test_an_event_ending_before_it_starts_is_refused_in_spanish_and_nothing_is_written(users, units):
    data = event_data(units, end_date=in_days(30))
    with pytest.raises(InvalidInput) as refused:
        services.create_event(users["gerente"], data={**data, "start_date": in_days(31)}, needs=[SPEECH])
    assert "La fecha de fin no puede ser anterior a la de inicio." in refused.value.field_errors["end_date"]
    assert not CalendarEvent.objects.exists()
    assert not EventNeed.objects.exists()
    assert not AuditEvent.objects.filter(action="calendar_create").exists()


def test_a_timed_event_needs_its_start_time(users, units):
    with pytest.raises(InvalidInput) as refused:
        services.create_event(users["gerente"], data=event_data(units, start_time=None))
    assert refused.value.field_errors["start_time"] == ["Indique la hora de inicio o marque «todo el día»."]


def test_an_all_day_event_keeps_no_time(users, units):
    event = services.create_event(users["gerente"], data=event_data(units, all_day=True))
    assert (event.start_time, event.end_time, event.starts_at) == (None, None, None)


def test_the_same_form_page_twice_makes_one_event(users, units):
    import uuid

    token = uuid.uuid4()
    first = services.create_event(users["gerente"], data=event_data(units), client_token=token)
    second = services.create_event(users["gerente"], data=event_data(units), client_token=token)
    assert first.pk == second.pk
    assert CalendarEvent.objects.count() == 1


def test_moving_an_event_moves_the_dates_of_the_needs_not_yet_spawned(make_event, users, jefe_rentas):
    event = make_event(days=60, needs=[SPEECH])
    services.spawn_requests(users["gerente"], event)
    services.add_need(users["gerente"], event, kind=Kind.PUBLICATION, publication_format="nota_prensa")
    spawned = event.needs.get(request__isnull=False)
    pending = event.needs.get(request__isnull=True)
    spawned_date = spawned.requested_by
    event.refresh_from_db()

    services.update_event(
        users["gerente"], event, data={"start_date": in_days(70), "end_date": in_days(70)}, expected_revision=None
    )
    pending.refresh_from_db()
    spawned.refresh_from_db()
    assert pending.requested_by == WorkingCalendar().subtract_working_days(in_days(70), 3)
    assert spawned.requested_by == spawned_date
    update = chain(event).last()
    assert update.action == "calendar_update"
    assert update.data["changed"] == ["end_date", "start_date"]
    assert [moved["need"] for moved in update.data["needs_moved"]] == [pending.pk]


def test_an_edit_over_a_newer_change_is_refused(make_event, users):
    event = make_event()
    services.update_event(users["gerente"], event, data={"place": "Parque Bolívar"}, expected_revision=1)
    with pytest.raises(services.StaleEvent):
        services.update_event(users["revisor1"], event, data={"place": "Otro lugar"}, expected_revision=1)
    event.refresh_from_db()
    assert event.place == "Parque Bolívar"


def test_a_cancelled_event_keeps_its_record_and_changes_no_more(make_event, users):
    event = make_event()
    with pytest.raises(InvalidInput):
        services.cancel_event(users["gerente"], event, reason="  ")
    services.cancel_event(users["gerente"], event, reason="Se postergó por duelo nacional.")
    event.refresh_from_db()
    assert event.is_cancelled and event.cancel_reason == "Se postergó por duelo nacional."
    for change in (
        lambda: services.update_event(users["gerente"], event, data={"place": "X"}, expected_revision=None),
        lambda: services.add_need(users["gerente"], event, kind=Kind.SPEECH),
        lambda: services.spawn_requests(users["gerente"], event),
        lambda: services.cancel_event(users["gerente"], event, reason="Otra vez."),
    ):
        with pytest.raises(ActionNotAvailable):
            change()


def test_a_need_with_a_bad_kind_or_format_is_refused(make_event, users):
    event = make_event(needs=[])
    with pytest.raises(InvalidInput) as refused:
        services.add_need(users["gerente"], event, kind=Kind.SPEECH, publication_format="nota_prensa")
    assert "publication_format" in refused.value.field_errors
    with pytest.raises(InvalidInput):
        services.add_need(users["gerente"], event, kind="banner")
    with pytest.raises(InvalidInput):
        services.add_need(users["gerente"], event, kind=Kind.SPEECH, lead_days=500)
    assert not event.needs.exists()


def test_a_need_may_carry_its_own_lead_time(make_event, users):
    event = make_event(days=60, needs=[])
    need = services.add_need(users["gerente"], event, kind=Kind.SPEECH, title="Discurso central", lead_days=20)
    assert need.lead_days == 20
    assert need.requested_by == WorkingCalendar().subtract_working_days(event.start_date, 20)
    assert chain(event).last().action == "calendar_add_need"


def test_only_needs_without_a_request_are_removed(make_event, users, jefe_rentas):
    event = make_event(days=60, needs=[SPEECH])
    services.spawn_requests(users["gerente"], event)
    services.add_need(users["gerente"], event, kind=Kind.SIGNAGE)
    with pytest.raises(ActionNotAvailable):
        services.remove_need(users["gerente"], event.needs.get(kind=Kind.SPEECH))
    services.remove_need(users["gerente"], event.needs.get(kind=Kind.SIGNAGE))
    assert list(event.needs.values_list("kind", flat=True)) == [Kind.SPEECH]
    assert chain(event).last().action == "calendar_remove_need"


# --- spawning ---------------------------------------------------------------------------


def test_spawning_creates_the_drafts_in_the_unit_for_its_head(make_event, users, units, jefe_rentas):
    event = make_event(days=60, needs=[SPEECH, PRESS_RELEASE])
    spawned = services.spawn_requests(users["gerente"], event)

    assert len(spawned) == 2
    for need in spawned:
        need.refresh_from_db()
        request = need.request
        assert request.state == State.DRAFT
        assert request.unit == units["rentas"]
        assert request.author == jefe_rentas
        assert request.kind == need.kind
        assert request.requested_by == need.requested_by
        assert need.requested_by == WorkingCalendar().subtract_working_days(event.start_date, need.lead_days)
        assert need.spawned_by == users["gerente"] and not need.spawned_late
        trail = list(chain(request))
        assert [e.action for e in trail] == ["create", "calendar_spawn"]
        assert trail[1].actor == users["gerente"]
        assert trail[1].data["event"] == event.pk
    speech = event.needs.get(kind=Kind.SPEECH).request
    assert speech.speech_details.event_name == event.title
    assert speech.speech_details.place == event.place
    assert timezone.localtime(speech.speech_details.event_at).hour == 10
    press = event.needs.get(kind=Kind.PUBLICATION).request
    assert press.publication_details.format == "nota_prensa"
    assert chain(event).last().action == "calendar_spawn"
    assert chain(event).last().data["author"] == "jefe_rentas"
    # The head finds each draft in their notifications, with the date it is needed by.
    notes = Notification.objects.filter(recipient=jefe_rentas, kind=NotificationKind.TASK_ASSIGNED)
    assert {note.request_id for note in notes} == {speech.pk, press.pk}


def test_a_member_of_the_unit_spawns_the_drafts_in_their_own_name(make_event, users, jefe_rentas):
    event = make_event(days=60, needs=[SPEECH])
    [need] = services.spawn_requests(users["gerente_rentas"], event)
    assert need.request.author == users["gerente_rentas"]
    assert not Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED).exists()


def test_a_unit_without_a_head_cannot_receive_the_drafts(make_event, users):
    event = make_event(days=60, unit="social", needs=[SPEECH])
    with pytest.raises(InvalidInput) as refused:
        services.spawn_requests(users["gerente"], event)
    assert "no tiene un jefe de unidad activo" in refused.value.message
    assert not MaterialRequest.objects.exists()


def test_an_event_without_a_unit_cannot_spawn(make_event, users):
    event = make_event(days=60, unit=None, needs=[SPEECH])
    with pytest.raises(InvalidInput) as refused:
        services.spawn_requests(users["gerente"], event)
    assert refused.value.message == "Asigne una unidad responsable al evento antes de generar sus solicitudes."


def test_spawning_is_all_or_nothing(make_event, users, jefe_rentas, monkeypatch):
    from workflows import services as workflow_services

    event = make_event(days=60, needs=[SPEECH, PRESS_RELEASE, CAMPAIGN])
    real = workflow_services.create_request
    calls = []

    def fail_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disco lleno")
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow_services, "create_request", fail_on_the_third)
    events_before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        services.spawn_requests(users["gerente"], event)
    assert len(calls) == 3
    assert not MaterialRequest.objects.exists()
    assert not event.needs.filter(request__isnull=False).exists()
    assert AuditEvent.objects.count() == events_before
    assert not Notification.objects.exists()
    assert not ReferenceSequence.objects.filter(last_value__gt=0).exists()
    event.refresh_from_db()
    assert event.revision == 1

    monkeypatch.setattr(workflow_services, "create_request", real)
    assert len(services.spawn_requests(users["gerente"], event)) == 3


def test_overdue_needs_are_not_created_without_a_confirmation(make_event, users, jefe_rentas):
    # Eight days ahead: the speech's ten working days are already past.
    event = make_event(days=8, needs=[SPEECH, PRESS_RELEASE])
    today = timezone.localdate()
    calendar = WorkingCalendar()
    expected_overdue = {
        need.pk
        for need in event.needs.all()
        if calendar.subtract_working_days(event.start_date, need.lead_days) < today
    }
    assert event.needs.get(kind=Kind.SPEECH).pk in expected_overdue

    with pytest.raises(services.OverdueNeeds) as asked:
        services.spawn_requests(users["gerente"], event)
    assert {item.need.pk for item in asked.value.overdue} == expected_overdue
    assert all(item.computed < today for item in asked.value.overdue)
    assert "Confirme" in asked.value.message
    assert asked.value.status_code == 409
    assert not MaterialRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="calendar_spawn").exists()

    spawned = services.spawn_requests(users["gerente"], event, confirm_overdue=True)
    assert len(spawned) == 2
    for need in spawned:
        need.refresh_from_db()
        if need.pk in expected_overdue:
            assert need.requested_by == today == need.request.requested_by
            assert need.spawned_late and need.is_late(today)
        else:
            assert not need.spawned_late and need.requested_by >= today
    assert chain(event).last().data["overdue_confirmed"] is True


def test_a_past_event_or_one_with_nothing_pending_spawns_nothing(make_event, users, jefe_rentas):
    past = make_event(days=-2, needs=[SPEECH])
    with pytest.raises(ActionNotAvailable):
        services.spawn_requests(users["gerente"], past)
    event = make_event(days=60, needs=[SPEECH])
    services.spawn_requests(users["gerente"], event)
    with pytest.raises(ActionNotAvailable) as refused:
        services.spawn_requests(users["gerente"], event)
    assert refused.value.message == "Todo el material necesario ya tiene su solicitud."
    assert MaterialRequest.objects.count() == 1


@pytest.mark.parametrize("username", ["rentas1", "jefe_rentas", "transparencia"])
def test_only_the_office_spawns(make_event, users, jefe_rentas, username):
    event = make_event(days=60)
    with pytest.raises(PermissionDenied):
        services.spawn_requests(users[username], event)
    assert not MaterialRequest.objects.exists()


# --- linking an existing request ----------------------------------------------------------


def test_an_existing_request_of_the_unit_can_be_linked(make_event, users, units):
    speech = request_in_state(users, units, State.IN_REVIEW, kind=Kind.SPEECH)
    event = make_event(days=60, needs=[SPEECH])
    need = event.needs.get()
    services.link_request(users["gerente"], need, speech)
    need.refresh_from_db()
    assert need.request == speech
    assert need.status() == NeedStatus.IN_PROGRESS
    assert chain(event).last().action == "calendar_link_request"
    assert chain(speech).last().action == "calendar_link_request"
    with pytest.raises(ActionNotAvailable):
        services.link_request(users["gerente"], need, speech)


def test_linking_refuses_another_kind_unit_a_hidden_or_cancelled_request(make_event, users, units):
    event = make_event(days=60, needs=[SPEECH])
    need = event.needs.get()
    campaign = request_in_state(users, units, State.IN_REVIEW, kind=Kind.CAMPAIGN)
    other_unit = request_in_state(users, units, State.IN_REVIEW, kind=Kind.SPEECH, author="social1", unit="social")
    draft = create_request(users["rentas1"], units["rentas"], Kind.SPEECH)  # the office cannot see drafts
    cancelled = request_in_state(users, units, State.CANCELLED, kind=Kind.SPEECH)
    for material_request, words in (
        (campaign, "otro tipo"),
        (other_unit, "otra unidad"),
        (draft, "que usted pueda ver"),
        (None, "que usted pueda ver"),
    ):
        with pytest.raises(InvalidInput) as refused:
            services.link_request(users["gerente"], need, material_request)
        assert words in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        services.link_request(users["admin"], need, cancelled)
    assert "anulada" in refused.value.message
    need.refresh_from_db()
    assert need.request is None


# --- lateness --------------------------------------------------------------------------------

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (None, NeedStatus.NO_REQUEST),
        (State.DRAFT, NeedStatus.NOT_SUBMITTED),
        (State.IN_REVIEW, NeedStatus.IN_PROGRESS),
        (State.PENDING_APPROVAL, NeedStatus.IN_PROGRESS),
        (State.APPROVED, NeedStatus.DONE),
        (State.PUBLISHED, NeedStatus.DONE),
        (State.WITHDRAWN, NeedStatus.DONE),
        (State.CANCELLED, NeedStatus.CANCELLED),
    ],
)
def test_a_need_is_late_once_its_date_passed_until_its_request_is_approved(state, status):
    request = MaterialRequest(state=state) if state else None
    need = EventNeed(kind=Kind.SPEECH, title="Discurso", lead_days=10, requested_by=TODAY, request=request)
    assert need.status() == status
    done = status == NeedStatus.DONE
    assert need.is_late(TODAY + timedelta(days=1)) is not done
    assert need.is_late(TODAY) is False  # due today: not late yet
    assert need.is_late(TODAY - timedelta(days=5)) is False
    # Spawned after its date had passed: late at once, until approved.
    need.spawned_late = True
    assert need.is_late(TODAY - timedelta(days=5)) is not done


# --- the feed token ----------------------------------------------------------------------------


def test_the_feed_token_is_secret_renewable_and_revocable(users):
    user = users["rentas1"]
    first = services.regenerate_feed_token(user).token
    second = services.regenerate_feed_token(user).token
    assert len(first) >= 40 and first != second
    assert FeedToken.objects.get(user=user).token == second
    assert services.revoke_feed_token(user) is True
    assert services.revoke_feed_token(user) is False
    assert not FeedToken.objects.filter(user=user).exists()
    actions = list(AuditEvent.objects.filter(actor=user).values_list("action", flat=True).order_by("pk"))
    assert actions == ["calendar_feed_token", "calendar_feed_token", "calendar_feed_revoke"]
    assert not AuditEvent.objects.filter(data__icontains=second).exists()
