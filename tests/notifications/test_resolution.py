"""A notification that asked for an action is marked done ("Atendida", and read) when
that task is done, by anyone; informational ones are left to their reader. One UPDATE per
change, and the people whose count fell hear their new count after commit."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Kind, Notification
from notifications.payloads import notification_payload
from organization.services import create_delegation
from tests.factories import create_request, request_in_state, step_kwargs
from workflows import services as workflow_services
from workflows.models import State

pytestmark = pytest.mark.django_db

REVISORES = {"revisor1", "revisor2", "revisor_rentas"}


def run(users, material_request, step, actor):
    return workflow_services.ACTION_SERVICES[step](users[actor], material_request, **step_kwargs(step))


def rows(material_request, kind):
    return {
        row.recipient.username: row
        for row in Notification.objects.filter(request=material_request, kind=kind).select_related("recipient")
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


def test_which_notices_ask_for_an_action():
    assert services.ASKS == {
        ("submit", "reviewers"): "review",
        ("forward", "approvers"): "approval",
        ("observe", "requesters"): "correction",
        ("approve", "publishers"): "publication",
        ("return", "requesters"): "correction",
        ("urgent_publish", "post_reviewers"): "post_review",
        ("reopen", "approvers"): "approval",
    }


@pytest.mark.parametrize("step", ["forward", "observe"])
def test_every_reviewers_new_submission_is_done_when_one_reviewer_acts(users, units, step):
    draft = create_request(users["rentas1"], units["rentas"])
    submitted = run(users, draft, "submit", "rentas1")
    asked = rows(submitted, Kind.NEW_SUBMISSION)
    assert set(asked) == REVISORES
    assert all(row.step == "review" and row.read_at is None and row.resolved_at is None for row in asked.values())
    before = {name: selectors.unread_count(users[name]) for name in REVISORES}
    run(users, submitted, step, "revisor1")
    for name, row in rows(submitted, Kind.NEW_SUBMISSION).items():
        assert row.resolved_at is not None, name
        assert row.read_at == row.resolved_at, name  # done is read: it no longer counts
        # (revisor_rentas, a Rentas member, is also told of the observations as the unit)
        if name != "revisor_rentas":
            assert selectors.unread_count(users[name]) == before[name] - 1


def test_a_notification_already_read_keeps_when_it_was_read(users, units):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    note = rows(submitted, Kind.NEW_SUBMISSION)["revisor2"]
    earlier = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=note.pk).update(read_at=earlier)
    run(users, submitted, "forward", "revisor1")
    note.refresh_from_db()
    assert note.read_at == earlier and note.resolved_at is not None


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
    assert all(row.step == "approval" and row.resolved_at is None for row in asked.values())
    approved = run(users, pending, "approve", "revisor2")
    for name, row in rows(approved, Kind.TASK_ASSIGNED).items():
        if row.step == "approval":
            assert row.resolved_at is not None and row.read_at is not None, name
        else:  # the publishers' new task: waiting for them
            assert row.step == "publication" and row.resolved_at is None and row.read_at is None, name
    assert selectors.unread_count(users["gerente"]) == 0


def test_informational_notifications_are_not_marked_done(users, units):
    approved = request_in_state(users, units, State.APPROVED)
    told_author = rows(approved, Kind.APPROVAL)["rentas1"]
    assert told_author.step == ""
    published = run(users, approved, "publish", "publicador")
    told_author.refresh_from_db()
    assert told_author.resolved_at is None and told_author.read_at is None
    # ...while the publishers' task of publishing is done.
    assert all(row.resolved_at for row in rows(published, Kind.TASK_ASSIGNED).values() if row.step == "publication")
    # The unit's own "observations" are done when it sends the corrected draft again.
    observed = run(users, request_in_state(users, units, State.IN_REVIEW), "observe", "revisor1")
    assert {row.step for row in rows(observed, Kind.OBSERVATION).values()} == {"correction"}
    resubmitted = run(users, observed, "submit", "rentas1")
    assert all(row.resolved_at for row in rows(resubmitted, Kind.OBSERVATION).values())


def test_a_cancellation_ends_every_task_it_asked_for(users, units):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    cancelled = run(users, pending, "cancel", "rentas1")
    assert all(row.resolved_at for row in rows(cancelled, Kind.TASK_ASSIGNED).values())
    assert all(row.resolved_at is None for row in rows(cancelled, Kind.CANCELLATION).values())


def test_one_update_marks_them_all_whatever_the_number_of_recipients(users, units):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    with CaptureQueriesContext(connection) as context:
        services.resolve_notifications(submitted, ["review"])
    updates = [q["sql"] for q in context.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "notifications_notification" in updates[0]
    assert not any(q["sql"].startswith("SELECT") for q in context.captured_queries)


def test_the_people_whose_count_fell_hear_it_after_commit(users, units, pushed, django_capture_on_commit_callbacks):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    ids = {name: row.pk for name, row in rows(submitted, Kind.NEW_SUBMISSION).items()}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(users, submitted, "forward", "revisor1")
    assert pushed == []  # nothing before commit
    with CaptureQueriesContext(connection) as context:
        for callback in callbacks:
            callback()
    counts = [q for q in context.captured_queries if "COUNT" in q["sql"]]
    assert len(counts) == 1  # read once, for all of them
    heard = told(users, pushed)
    for name in REVISORES:
        (resolved,) = [p for p in heard[name] if p["type"] == "resolved"]
        assert resolved == {"type": "resolved", "ids": [ids[name]], "unread": selectors.unread_count(users[name])}
    # The actor's own count fell too, and their other tabs hear it.
    assert heard["revisor1"][0]["unread"] == 0


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
    assert payload["resolved"] is False


# --- the inbox, as the server renders it -------------------------------------------------------


def test_the_inbox_shows_done_notifications_as_attended_and_counts_like_the_bell(client_for, users, units):
    submitted = run(users, create_request(users["rentas1"], units["rentas"]), "submit", "rentas1")
    note = rows(submitted, Kind.NEW_SUBMISSION)["revisor2"]
    client = client_for("revisor2")
    page = client.get("/bandeja/").content.decode()
    item = re.search(rf'<li class="notification unread" data-id="{note.pk}".*?</li>', page, re.S).group()
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


def test_a_reassigned_task_is_done_when_the_task_is(users, units):
    """approvals' reassignment sends a "task assigned" without naming a step: it asks for
    the request's open step (here the review), and the forward marks it done."""
    from approvals import services as flow_sync

    in_review = request_in_state(users, units, State.IN_REVIEW)
    task = flow_sync.current_task(in_review)
    flow_sync.take_task(users["revisor1"], task.pk)
    flow_sync.reassign_task(users["revisor1"], task.pk, users["revisor2"])
    handed = rows(in_review, Kind.TASK_ASSIGNED)["revisor2"]
    assert handed.step == "review" and handed.resolved_at is None
    forwarded = run(users, in_review, "forward", "revisor2")
    handed.refresh_from_db()
    assert handed.resolved_at is not None and handed.read_at is not None
    # The approvers' new task waits for them.
    assert all(
        row.resolved_at is None for row in rows(forwarded, Kind.TASK_ASSIGNED).values() if row.step == "approval"
    )


def test_the_publishers_task_from_a_dropped_schedule_is_done_by_the_publication(users, units):
    from notifications.hooks import notify_task

    approved = request_in_state(users, units, State.APPROVED)
    with transaction.atomic():
        (note,) = notify_task(users["publicador"], approved, "La publicación programada no se hizo: publíquela.")
    assert note.step == "publication"
    run(users, approved, "publish", "publicador")
    note.refresh_from_db()
    assert note.resolved_at is not None


def test_a_plain_publication_awaits_no_task(users, units):
    published = request_in_state(users, units, State.PUBLISHED)
    assert services.open_step(published) == ""  # an ordinary publication awaits no post-review
