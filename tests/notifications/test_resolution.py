"""A notification that asked for an action is done ("Atendida") when that task is done, by
anyone; informational ones are left to their reader. "Done" is derived when read, from the
decision rows the transitions write anyway (notifications.asks): nothing is written on the
notifications, and the people whose count fell hear their new count after commit from the
one count query there already was."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import asks, selectors, services
from notifications.models import Kind, Notification
from notifications.payloads import notification_payload
from organization.services import create_delegation
from tests.factories import create_request, request_in_state, step_kwargs
from workflows import services as workflow_services
from workflows.models import Decision, State

pytestmark = pytest.mark.django_db

REVISORES = {"revisor1", "revisor2", "revisor_rentas"}


def run(users, material_request, step, actor):
    return workflow_services.ACTION_SERVICES[step](users[actor], material_request, **step_kwargs(step))


def rows(material_request, kind):
    """username -> that notification about the request, with `is_done` as pages read it."""
    return {
        row.recipient.username: row
        for row in Notification.objects.filter(request=material_request, kind=kind)
        .annotate(is_done=asks.done())
        .select_related("recipient")
    }


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(services, "push", lambda hints: sent.extend(hints))
    return sent


def told(users, sent) -> dict[str, list[dict]]:
    names = {user.pk: name for name, user in users.items()}
    result = {}
    for group, message in sent:
        assert group == services.FANOUT_GROUP
        for frames, user_ids in message["deliveries"]:
            for user_id in user_ids:
                result.setdefault(names[user_id], []).extend(json.loads(frame) for frame in frames)
    return result


# --- the rule, from the lifecycle ---------------------------------------------------------------


def test_which_notices_ask_for_an_action():
    assert asks.ASKS == {
        ("submit", "reviewers"): "review",
        ("forward", "approvers"): "approval",
        ("observe", "requesters"): "correction",
        ("approve", "publishers"): "publication",
        ("return", "requesters"): "correction",
        ("urgent_publish", "post_reviewers"): "post_review",
        ("reopen", "approvers"): "approval",
    }


def test_which_decisions_complete_each_step():
    """The inverse of each action's `closes` (a cancellation ends every step): what the
    EXISTS over the decisions looks for."""
    assert {step: set(actions) for step, actions in asks.COMPLETED_BY.items()} == {
        "review": {"forward", "observe", "urgent_publish", "cancel"},
        "approval": {"approve", "return", "reject", "urgent_publish", "cancel"},
        "publication": {"publish", "reopen", "cancel"},
        "correction": {"submit", "cancel"},
        "post_review": {"post_review", "withdraw", "cancel"},
    }


# --- done by anyone, read or not ----------------------------------------------------------------


@pytest.mark.parametrize("step", ["forward", "observe"])
def test_every_reviewers_new_submission_is_done_when_one_reviewer_acts(users, units, step):
    draft = create_request(users["rentas1"], units["rentas"])
    submitted = run(users, draft, "submit", "rentas1")
    asked = rows(submitted, Kind.NEW_SUBMISSION)
    assert set(asked) == REVISORES
    assert all(row.step == "review" and row.read_at is None and not row.is_done for row in asked.values())
    before = {name: selectors.unread_count(users[name]) for name in REVISORES}
    with CaptureQueriesContext(connection) as context:
        run(users, submitted, step, "revisor1")
    # Nothing is written on them: done is read from the decision the change recorded.
    assert not [q for q in context.captured_queries if q["sql"].startswith('UPDATE "notifications_notification"')]
    for name, row in rows(submitted, Kind.NEW_SUBMISSION).items():
        assert row.is_done and row.read_at is None, name  # done, not read: it no longer counts
        # (revisor_rentas, a Rentas member, is also told of the observations as the unit)
        if name != "revisor_rentas":
            assert selectors.unread_count(users[name]) == before[name] - 1


def test_a_notification_already_read_keeps_when_it_was_read(users, units):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    note = rows(submitted, Kind.NEW_SUBMISSION)["revisor2"]
    earlier = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=note.pk).update(read_at=earlier)
    run(users, submitted, "forward", "revisor1")
    note = rows(submitted, Kind.NEW_SUBMISSION)["revisor2"]
    assert note.read_at == earlier and note.is_done


def test_the_gerentes_approval_request_is_done_when_an_encargado_approves(users, units):
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        resolution="RG-020",
    )
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    asked = rows(pending, Kind.TASK_ASSIGNED)
    assert {"gerente", "gerente_rentas", "revisor2"} <= set(asked)
    assert all(row.step == "approval" and not row.is_done for row in asked.values())
    approved = run(users, pending, "approve", "revisor2")
    for name, row in rows(approved, Kind.TASK_ASSIGNED).items():
        if row.step == "approval":
            assert row.is_done, name
        else:  # the publishers' new task: waiting for them
            assert row.step == "publication" and not row.is_done and row.read_at is None, name
    assert selectors.unread_count(users["gerente"]) == 0


def test_informational_notifications_are_never_done(users, units):
    approved = request_in_state(users, units, State.APPROVED)
    told_author = rows(approved, Kind.APPROVAL)["rentas1"]
    assert told_author.step == ""
    published = run(users, approved, "publish", "publicador")
    told_author = rows(published, Kind.APPROVAL)["rentas1"]
    assert not told_author.is_done and told_author.read_at is None
    # ...while the publishers' task of publishing is done.
    assert all(row.is_done for row in rows(published, Kind.TASK_ASSIGNED).values() if row.step == "publication")
    # The unit's own "observations" are done when it sends the corrected draft again.
    observed = run(users, request_in_state(users, units, State.IN_REVIEW), "observe", "revisor1")
    assert {row.step for row in rows(observed, Kind.OBSERVATION).values()} == {"correction"}
    resubmitted = run(users, observed, "submit", "rentas1")
    assert all(row.is_done for row in rows(resubmitted, Kind.OBSERVATION).values())


def test_a_cancellation_ends_every_task_it_asked_for(users, units):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    cancelled = run(users, pending, "cancel", "rentas1")
    assert all(row.is_done for row in rows(cancelled, Kind.TASK_ASSIGNED).values())
    assert not any(row.is_done for row in rows(cancelled, Kind.CANCELLATION).values())


def test_a_step_closed_and_opened_again_asks_again(users, units):
    """Returned to the unit, corrected and resubmitted, forwarded again: the approval it
    asks for a second time is new work, even though approvals were already completed on
    this request; the earlier asks stay done."""
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    first_ask = rows(pending, Kind.TASK_ASSIGNED)["gerente"]
    returned = run(users, pending, "return", "gerente")
    assert rows(returned, Kind.TASK_ASSIGNED)["gerente"].is_done
    correction = rows(returned, Kind.RETURNED)["rentas1"]
    assert correction.step == "correction" and not correction.is_done
    resubmitted = run(users, returned, "submit", "rentas1")
    assert rows(resubmitted, Kind.RETURNED)["rentas1"].is_done
    forwarded = run(users, resubmitted, "forward", "revisor1")

    asks_of_gerente = Notification.objects.filter(request=forwarded, recipient=users["gerente"], step="approval")
    done_by_id = dict(asks_of_gerente.annotate(is_done=asks.done()).values_list("pk", "is_done"))
    assert len(done_by_id) == 2
    second_ask = max(done_by_id)
    assert done_by_id == {first_ask.pk: True, second_ask: False}
    assert selectors.unread_count(users["gerente"]) == 1
    # The review asked twice: the first ask was done by the forward before the return, the
    # second by this forward.
    reviews = Notification.objects.filter(request=forwarded, recipient=users["revisor2"], step="review")
    assert list(reviews.annotate(is_done=asks.done()).values_list("is_done", flat=True)) == [True, True]

    # Returned a second time: the unit is asked again, its first correction stays done.
    returned_again = run(users, forwarded, "return", "gerente")
    corrections = Notification.objects.filter(request=returned_again, recipient=users["rentas1"], step="correction")
    assert list(corrections.order_by("pk").annotate(is_done=asks.done()).values_list("is_done", flat=True)) == [
        True,
        False,
    ]


def test_only_a_later_decision_makes_it_done(users, units, monkeypatch):
    """A decision of the same instant as the notification does not complete it: a change's
    own decision is written before the notifications it stores, so a change that closed a
    step and asked for it again would never mark its new ask done."""
    in_review = request_in_state(users, units, State.IN_REVIEW)
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    from approvals import services as flow_sync

    task = flow_sync.current_task(in_review)
    flow_sync.take_task(users["revisor1"], task.pk)
    flow_sync.reassign_task(users["revisor1"], task.pk, users["revisor2"])
    forwarded = run(users, in_review, "forward", "revisor2")
    handed = Notification.objects.filter(request=forwarded, recipient=users["revisor2"], kind=Kind.TASK_ASSIGNED)
    (note,) = handed.annotate(is_done=asks.done())
    forward = Decision.objects.get(request=forwarded, action="forward")
    assert (note.step, note.created_at, forward.created_at) == ("review", instant, instant)
    assert note.is_done is False
    monkeypatch.undo()


# --- what the people asked hear -----------------------------------------------------------------


def test_the_people_whose_count_fell_hear_it_from_the_one_count_after_commit(
    users, units, pushed, django_capture_on_commit_callbacks
):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        forwarded = run(users, submitted, "forward", "revisor1")
    assert pushed == []  # nothing before commit
    with CaptureQueriesContext(connection) as context:
        for callback in callbacks:
            callback()
    assert len(context.captured_queries) == 1  # read once, for all of them
    heard = told(users, pushed)
    stored_at = Notification.objects.filter(request=forwarded, step="approval").first().created_at
    for name in REVISORES:
        (resolved,) = [p for p in heard[name] if p["type"] == "resolved"]
        assert resolved == {
            "type": "resolved",
            "request": forwarded.pk,
            "steps": ["review"],
            "at": timezone.localtime(stored_at).isoformat(),
            "unread": selectors.unread_count(users[name]),
        }
    # Zero included: the actor's own count fell to nothing, and their other tabs hear it;
    # revisor2 had only that one.
    assert [p["unread"] for p in heard["revisor1"] if p["type"] == "resolved"] == [0]
    assert [p["unread"] for p in heard["revisor2"] if p["type"] == "resolved"] == [0]
    # The approvers, asked for the next step, hear of their new notification, not "resolved".
    assert [p["type"] for p in heard["gerente"]] == ["notification", "request_changed"]


def test_a_change_that_completes_nothing_asked_tells_nobody_it_is_done(
    users, units, pushed, django_capture_on_commit_callbacks
):
    """The first submission completes a correction nobody was asked for: nobody hears
    "resolved" and the count query still runs once."""
    draft = create_request(users["rentas1"], units["rentas"])
    with django_capture_on_commit_callbacks(execute=True):
        run(users, draft, "submit", "rentas1")
    heard = told(users, pushed)
    assert not [p for payloads in heard.values() for p in payloads if p["type"] == "resolved"]
    assert [p["unread"] for p in heard["revisor2"] if p["type"] == "notification"] == [1]


def test_the_live_payload_carries_the_date_as_the_page_shows_it(users, units, settings):
    settings.TIME_ZONE = "America/Lima"
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    note = rows(submitted, Kind.NEW_SUBMISSION)["revisor1"]
    Notification.objects.filter(pk=note.pk).update(created_at=datetime(2026, 3, 1, 2, 5, tzinfo=UTC))
    note.refresh_from_db()
    payload = notification_payload(note)
    # 02:05 UTC is the evening before in Lima (UTC-5).
    assert payload["created_label"] == "28/02/2026 21:05"
    assert payload["created_at"] == "2026-02-28T21:05:00-05:00"
    assert payload["kind_label"] == "Nueva solicitud para revisar"
    assert (payload["resolved"], payload["request"], payload["step"]) == (False, submitted.pk, "review")


# --- the inbox, as the server renders it -------------------------------------------------------


def test_the_inbox_shows_done_notifications_as_attended_and_counts_like_the_bell(client_for, users, units):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    note = rows(submitted, Kind.NEW_SUBMISSION)["revisor2"]
    client = client_for("revisor2")
    page = client.get("/bandeja/").content.decode()
    item = re.search(rf'<li class="notification unread" data-id="{note.pk}".*?</li>', page, re.S).group()
    assert f'data-request="{submitted.pk}" data-step="review">' in item
    assert 'class="chip">Nueva solicitud para revisar</span>' in item
    assert f'name="ids" value="{note.pk}"' in item and "Marcar como leída" in item
    assert "Atendida" not in item
    assert re.search(r'<span class="chip" id="notification-unread">1 sin leer</span>', page)
    assert '<span id="bell-count" class="chip">1</span>' in page

    run(users, submitted, "forward", "revisor1")
    page = client.get("/bandeja/").content.decode()
    item = re.search(rf'<li class="notification resolved" data-id="{note.pk}".*?</li>', page, re.S).group()
    assert "Atendida" in item and "Marcar como leída" not in item
    assert re.search(r'<span class="chip" id="notification-unread" hidden>0 sin leer</span>', page)
    assert '<span id="bell-count" class="chip" hidden>0</span>' in page
    # What a page fetches after a reconnection says so too, and counts like the bell.
    caught_up = client.get("/notificaciones/nuevas/?despues=0", HTTP_ACCEPT="application/json").json()
    assert caught_up["unread"] == 0
    assert [item["resolved"] for item in caught_up["notifications"] if item["id"] == note.pk] == [True]
    # The "unread" filter lists what the bell counts; a done one is among the others.
    unread = selectors.notification_page(users["revisor2"], status="unread")
    others = selectors.notification_page(users["revisor2"], status="read")
    assert note.pk not in {item.pk for item in unread.items}
    assert note.pk in {item.pk for item in others.items}


def test_whether_each_row_is_done_costs_no_query_of_its_own(users, units):
    user = users["revisor2"]
    for _ in range(2):
        run(users, request_in_state(users, units, State.IN_REVIEW), "forward", "revisor1")
    selectors.notification_page(user)  # warms the process-wide caches (content types)
    with CaptureQueriesContext(connection) as few:
        page = selectors.notification_page(user)
    assert [item.is_done for item in page.items] == [True, True]
    for _ in range(3):
        request_in_state(users, units, State.PENDING_APPROVAL)
    with CaptureQueriesContext(connection) as more:
        page = selectors.notification_page(user)
    assert [item.is_done for item in page.items] == [True] * 5
    assert len(more.captured_queries) == len(few.captured_queries)
    assert selectors.bell(user)["unread"] == 0


# --- "task assigned" notifications that name no step -------------------------------------------


def test_a_reassigned_task_is_done_when_the_task_is(users, units):
    """approvals' reassignment sends a "task assigned" without naming a step: it asks for
    the request's open step (here the review), and the forward makes it done."""
    from approvals import services as flow_sync

    in_review = request_in_state(users, units, State.IN_REVIEW)
    task = flow_sync.current_task(in_review)
    flow_sync.take_task(users["revisor1"], task.pk)
    flow_sync.reassign_task(users["revisor1"], task.pk, users["revisor2"])
    handed = rows(in_review, Kind.TASK_ASSIGNED)["revisor2"]
    assert handed.step == "review" and not handed.is_done
    forwarded = run(users, in_review, "forward", "revisor2")
    handed_now = Notification.objects.filter(pk=handed.pk).annotate(is_done=asks.done()).get()
    assert handed_now.is_done and handed_now.read_at is None
    # The approvers' new task waits for them.
    assert not any(row.is_done for row in rows(forwarded, Kind.TASK_ASSIGNED).values() if row.step == "approval")


def test_a_calendar_draft_for_a_unit_asks_for_its_submission(users, units):
    """The civic calendar's drafts (a "task assigned" about a draft, no step named) ask
    the unit to complete and submit them: the submission makes them done."""
    draft = create_request(users["rentas1"], units["rentas"])
    with transaction.atomic():
        (note,) = services.store_notifications(
            recipients={users["rentas2"]: Kind.TASK_ASSIGNED},
            material_request=draft,
            messages={Kind.TASK_ASSIGNED: "Complete el borrador y envíelo a revisión."},
        )
    assert note.step == "correction"
    submitted = run(users, draft, "submit", "rentas1")
    assert rows(submitted, Kind.TASK_ASSIGNED)["rentas2"].is_done


def test_the_publishers_task_from_a_dropped_schedule_is_done_by_the_publication(users, units):
    from notifications.hooks import notify_task

    approved = request_in_state(users, units, State.APPROVED)
    with transaction.atomic():
        (note,) = notify_task(users["publicador"], approved, "La publicación programada no se hizo: publíquela.")
    assert note.step == "publication"
    run(users, approved, "publish", "publicador")
    assert Notification.objects.filter(pk=note.pk).annotate(is_done=asks.done()).get().is_done


def test_a_plain_publication_awaits_no_task(users, units):
    published = request_in_state(users, units, State.PUBLISHED)
    assert asks.open_step(published) == ""  # an ordinary publication awaits no post-review
