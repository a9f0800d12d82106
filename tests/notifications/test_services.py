"""Who hears of each transition, in which words, by which way; and nothing of a change
that did not happen. Every transition runs through workflows.services, as users do."""

import json
import logging
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import selectors, services
from notifications.models import DEFAULT_EMAIL_KINDS, Kind, Notification, NotificationPreference
from organization.roles import Role
from organization.services import create_delegation, ensure_user
from tests.factories import create_request, request_in_state, step_kwargs
from workflows import permissions as perm
from workflows import services as workflow_services
from workflows.exceptions import InvalidInput
from workflows.models import Kind as RequestKind
from workflows.models import MaterialRequest, State
from workflows.policies import can_view

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
RENTAS = {"rentas1", "rentas2", "revisor_rentas", "gerente_rentas", "publicador_rentas"}
REVISORES = {"revisor1", "revisor2", "revisor_rentas"}
GERENTES = {"gerente", "gerente_rentas"}


def received(material_request, kind=None):
    """username -> kind of the notifications about the request."""
    rows = Notification.objects.filter(request=material_request).select_related("recipient")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return {row.recipient.username: row.kind for row in rows}


def run(users, material_request, step, actor):
    return workflow_services.ACTION_SERVICES[step](users[actor], material_request, **step_kwargs(step))


def since(material_request, before_pk):
    rows = Notification.objects.filter(request=material_request, pk__gt=before_pk).select_related("recipient")
    return {row.recipient.username: row.kind for row in rows}


def last_pk():
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def named(users):
    """Full names, as the messages read them."""
    for username, (first, last) in {
        "rentas1": ("Rosa", "Quispe"),
        "revisor1": ("Carmen", "Vargas"),
        "gerente": ("Jorge", "Salas"),
    }.items():
        user = users[username]
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return users


# --- recipients per transition ------------------------------------------------------------


def test_submit_tells_every_reviewer_but_not_the_author(users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    submitted = run(users, draft, "submit", "rentas1")
    assert received(submitted) == dict.fromkeys(REVISORES, Kind.NEW_SUBMISSION)


def test_forward_tells_who_may_approve_with_the_message_in_spanish(named, units):
    users = named
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    pending = run(users, in_review, "forward", "revisor1")
    assert since(pending, before) == dict.fromkeys(GERENTES, Kind.TASK_ASSIGNED)
    note = Notification.objects.get(request=pending, recipient=users["gerente"])
    assert note.message == f"Carmen Vargas derivó la solicitud {pending.reference} «{pending.title}» a aprobación."
    assert note.url == f"/solicitudes/{pending.pk}/"
    assert note.actor == users["revisor1"]
    assert note.read_at is None
    assert note.get_kind_display() == "Tarea asignada"


def test_forward_also_tells_the_active_encargado(users, units):
    create_delegation(
        users["gerente"], delegate=users["revisor2"], starts_on=TODAY(), ends_on=TODAY(), resolution="RG-010"
    )
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    pending = run(users, in_review, "forward", "revisor1")
    assert since(pending, before) == dict.fromkeys(GERENTES | {"revisor2"}, Kind.TASK_ASSIGNED)


@pytest.mark.parametrize(("step", "kind"), [("observe", Kind.OBSERVATION)])
def test_observe_tells_the_author_and_the_unit(users, units, step, kind):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    draft = run(users, in_review, step, "revisor1")
    assert since(draft, before) == dict.fromkeys(RENTAS, kind)


def test_return_tells_the_author_and_the_unit(users, units):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    before = last_pk()
    draft = run(users, pending, "return", "gerente")
    assert since(draft, before) == dict.fromkeys(RENTAS, Kind.RETURNED)


def test_approve_tells_the_author_and_the_publishers(named, units):
    users = named
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    before = last_pk()
    approved = run(users, pending, "approve", "gerente")
    assert since(approved, before) == {
        "rentas1": Kind.APPROVAL,
        "publicador": Kind.TASK_ASSIGNED,
        "publicador_rentas": Kind.TASK_ASSIGNED,
    }
    author_note = Notification.objects.get(request=approved, recipient=users["rentas1"], kind=Kind.APPROVAL)
    assert author_note.message == f"Jorge Salas aprobó la solicitud {approved.reference} «{approved.title}»."


def test_reject_tells_the_author_only(users, units):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    before = last_pk()
    rejected = run(users, pending, "reject", "gerente")
    assert since(rejected, before) == {"rentas1": Kind.REJECTION}


def test_publish_tells_the_author_and_the_unit(users, units):
    approved = request_in_state(users, units, State.APPROVED)
    before = last_pk()
    published = run(users, approved, "publish", "publicador")
    assert since(published, before) == dict.fromkeys(RENTAS, Kind.PUBLICATION)


def test_a_speech_reads_as_delivered(users, units):
    approved = request_in_state(users, units, State.APPROVED, kind=RequestKind.SPEECH)
    before = last_pk()
    delivered = run(users, approved, "publish", "publicador")
    message = Notification.objects.filter(request=delivered, pk__gt=before).values_list("message", flat=True).first()
    assert message == f"publicador registró el discurso {delivered.reference} «{delivered.title}» como pronunciado."


def test_urgent_publication_tells_reviewers_gerentes_and_author(users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    published = workflow_services.publish_urgently(
        users["gerente"],
        in_review,
        channel="Radio",
        date=TODAY(),
        comment="Alerta por lluvias.",
    )
    assert since(published, before) == dict.fromkeys(REVISORES | {"gerente_rentas", "rentas1"}, Kind.URGENT_PUBLICATION)
    before = last_pk()
    workflow_services.review_urgent_publication(users["revisor1"], published, comment="Conforme.")
    assert since(published, before) == {"rentas1": Kind.URGENT_PUBLICATION}


def test_cancel_of_a_submitted_request_tells_the_office_and_the_unit(users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    cancelled = run(users, in_review, "cancel", "rentas2")
    expected = (RENTAS | REVISORES | GERENTES) - {"rentas2"}
    assert since(cancelled, before) == dict.fromkeys(expected, Kind.CANCELLATION)


def test_cancel_of_a_draft_tells_only_the_unit(users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    cancelled = run(users, draft, "cancel", "rentas1")
    assert received(cancelled) == dict.fromkeys(RENTAS - {"rentas1"}, Kind.CANCELLATION)


def test_withdraw_tells_the_author_and_the_unit(users, units):
    published = request_in_state(users, units, State.PUBLISHED)
    before = last_pk()
    withdrawn = run(users, published, "withdraw", "gerente")
    assert since(withdrawn, before) == dict.fromkeys(RENTAS, Kind.WITHDRAWAL)


def test_editing_after_approval_tells_who_may_approve_again(users, units):
    approved = request_in_state(users, units, State.APPROVED)
    before = last_pk()
    reopened = workflow_services.update_request(
        users["revisor1"], approved, fields={"title": "Título corregido"}, details={}, expected_revision=None
    )
    assert reopened.state == State.PENDING_APPROVAL
    assert since(reopened, before) == dict.fromkeys(GERENTES, Kind.TASK_ASSIGNED)
    message = Notification.objects.filter(request=reopened, pk__gt=before).values_list("message", flat=True)[0]
    assert "después de la aprobación: vuelve a aprobación" in message
    assert "«Título corregido»" in message


def test_an_edit_that_keeps_the_state_tells_nobody(users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    workflow_services.update_request(
        users["revisor1"], in_review, fields={"title": "Otro título"}, details={}, expected_revision=None
    )
    assert last_pk() == before


def test_the_actor_is_never_told_what_they_did(users, units):
    # gerente_rentas is a gerente and a member of Rentas: forwarding, every gerente hears
    # of it; approving it himself, he is not among those told.
    in_review = request_in_state(users, units, State.IN_REVIEW, author="rentas2")
    pending = run(users, in_review, "forward", "revisor1")
    before = last_pk()
    approved = run(users, pending, "approve", "gerente_rentas")
    assert "gerente_rentas" not in since(approved, before)
    assert "revisor1" not in received(pending, Kind.TASK_ASSIGNED)


def test_inactive_people_are_not_told(users, units):
    revisor2 = users["revisor2"]
    revisor2.is_active = False
    revisor2.save(update_fields=["is_active"])
    submitted = request_in_state(users, units, State.IN_REVIEW)
    assert received(submitted) == dict.fromkeys(REVISORES - {"revisor2"}, Kind.NEW_SUBMISSION)


def test_coauthors_are_told_as_the_unit_but_never_asked_to_review(users, units, head):
    draft = create_request(users["rentas1"], units["rentas"])
    workflow_services.share_request(head, draft, reason="Coautoría.", user=users["revisor2"])
    submitted = run(users, draft, "submit", "rentas1")
    assert "revisor2" not in received(submitted)
    before = last_pk()
    observed = run(users, submitted, "observe", "revisor1")
    assert since(observed, before)["revisor2"] == Kind.OBSERVATION


def test_people_who_cannot_see_the_request_are_never_told(users, units):
    published = request_in_state(users, units, State.PUBLISHED)
    notified = set(received(published))
    assert not notified & {"social1", "obras1", "nobody", "admin"}


# --- all or nothing ---------------------------------------------------------------------------


def test_a_failed_transition_stores_and_sends_nothing(users, units, monkeypatch, django_capture_on_commit_callbacks):
    users["gerente"].email = "gerente@example.gob.pe"
    users["gerente"].save(update_fields=["email"])
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()

    def audit_fails(**kwargs):
        raise RuntimeError("el registro de auditoría falló")

    # The audit event is written after the notifications, in the same transaction.
    monkeypatch.setattr(workflow_services, "record_event", audit_fails)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        run(users, in_review, "forward", "revisor1")
    assert last_pk() == before
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_notifications_are_stored_only_inside_a_transaction(users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.notify_transition(
            actor=users["revisor1"], material_request=in_review, action="forward", from_state=State.IN_REVIEW
        )


def test_an_action_without_a_plan_is_logged_and_tells_nobody(users, units, caplog):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = last_pk()
    with transaction.atomic(), caplog.at_level(logging.ERROR, logger="notifications"):
        services.notify_transition(
            actor=users["revisor1"], material_request=in_review, action="teleport", from_state=State.IN_REVIEW
        )
    assert last_pk() == before
    assert "teleport" in caplog.text


# --- what the open pages are told --------------------------------------------------------


@pytest.fixture
def pushed(monkeypatch):
    """Every message handed to the channel layer, recorded instead of sent."""
    sent = []
    monkeypatch.setattr(services, "push", lambda hints: sent.extend(hints))
    return sent


def live_by_user(users, sent) -> dict[str, list[dict]]:
    """username -> the payloads their sockets are told, in order (from the one fan-out
    message of each change, or a message to their own group)."""
    names = {user.pk: name for name, user in users.items()}
    groups = {services.user_group(user.pk): name for name, user in users.items()}
    told = {}
    for group, message in sent:
        if group == services.FANOUT_GROUP:
            assert message["type"] == "fanout"
            for frames, user_ids in message["deliveries"]:
                for user_id in user_ids:
                    told.setdefault(names.get(user_id, user_id), []).extend(json.loads(frame) for frame in frames)
        else:
            assert message["type"] == "relay"
            told.setdefault(groups.get(group, group), []).extend(json.loads(frame) for frame in message["frames"])
    return told


def test_the_live_payloads_are_composed_at_the_sender_for_those_who_may_see(
    users, units, pushed, django_capture_on_commit_callbacks
):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        draft = run(users, in_review, "observe", "revisor1")
    told = live_by_user(users, pushed)
    changed = {
        "type": "request_changed",
        "request_id": draft.pk,
        "state": "borrador",
        "label": "Borrador",
        "revision": draft.revision,
    }
    # The reviewers' "new submission" notifications are done (issue 16): each hears that
    # the review of this request is done, with their new count (after any new notification
    # of theirs). `at` is when the change stored its notifications.
    stored_at = Notification.objects.filter(request=draft, kind=Kind.OBSERVATION).first().created_at
    resolved = {
        name: {
            "type": "resolved",
            "request": draft.pk,
            "steps": ["review"],
            "at": timezone.localtime(stored_at).isoformat(),
            "unread": selectors.unread_count(users[name]),
        }
        for name in REVISORES
    }
    # The unit hears of the observation, then of the new state, each once.
    for name in RENTAS:
        note = Notification.objects.get(request=draft, recipient=users[name], kind=Kind.OBSERVATION)
        assert told[name] == [
            {
                "type": "notification",
                "id": note.pk,
                "kind": "observation",
                "kind_label": "Observaciones",
                "message": f"revisor1 devolvió la solicitud {draft.reference} «{draft.title}» con observaciones.",
                "url": f"/solicitudes/{draft.pk}/",
                "created_at": timezone.localtime(note.created_at).isoformat(),
                "created_label": timezone.localtime(note.created_at).strftime("%d/%m/%Y %H:%M"),
                "read": False,
                "resolved": False,
                "request": draft.pk,
                "step": "correction",
                "unread": selectors.unread_count(users[name]),
            },
            *([resolved[name]] if name in resolved else []),
            changed,
        ], name
    # The office, the actor included, keeps seeing it: only its new state.
    for name in (REVISORES | GERENTES) - RENTAS:
        assert told[name] == [*([resolved[name]] if name in resolved else []), changed], name
    # Nobody else hears anything, and everyone told may see the request.
    assert set(told) == RENTAS | REVISORES | GERENTES
    for name in told:
        assert can_view(get_user_model().objects.get(pk=users[name].pk), draft), name


def test_people_deactivated_before_the_change_are_told_nothing(
    users, units, pushed, django_capture_on_commit_callbacks, head
):
    """Neither a role group's member nor a person the request is shared with directly
    (a grant of their own, read with the recipients)."""
    draft = create_request(users["rentas1"], units["rentas"])
    workflow_services.share_request(head, draft, reason="Coautoría.", user=users["obras1"])
    get_user_model().objects.filter(pk__in=[users["obras1"].pk, users["revisor2"].pk]).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        run(users, draft, "submit", "rentas1")
    told = live_by_user(users, pushed)
    assert "revisor1" in told
    assert "obras1" not in told
    assert "revisor2" not in told


def test_a_direct_share_hears_of_the_new_state(users, units, pushed, django_capture_on_commit_callbacks, head):
    draft = create_request(users["rentas1"], units["rentas"])
    workflow_services.share_request(head, draft, reason="Coautoría.", user=users["obras1"])
    with django_capture_on_commit_callbacks(execute=True):
        submitted = run(users, draft, "submit", "rentas1")
    assert live_by_user(users, pushed)["obras1"] == [
        {
            "type": "request_changed",
            "request_id": submitted.pk,
            "state": "en_revision",
            "label": "En revisión",
            "revision": submitted.revision,
        }
    ]


def test_nothing_is_pushed_before_commit(users, units, pushed, django_capture_on_commit_callbacks):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(users, in_review, "forward", "revisor1")
    assert pushed == []
    for callback in callbacks:
        callback()
    assert {"gerente", "gerente_rentas", "revisor1"} <= set(live_by_user(users, pushed))


def vecinos() -> dict:
    return {user.username: user for user in get_user_model().objects.filter(username__startswith="vecino")}


def test_the_delivery_after_commit_reads_once_whatever_the_audience(
    users, units, pushed, django_capture_on_commit_callbacks
):
    """The unread counts of every recipient in one grouped query, nothing per person; and
    one message on the channel layer for all of them."""

    def after_commit_queries():
        in_review = request_in_state(users, units, State.IN_REVIEW)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run(users, in_review, "cancel", "rentas2")
        pushed.clear()
        with CaptureQueriesContext(connection) as captured:
            for callback in callbacks:
                callback()
        return len(captured), len(pushed)

    few, messages_before = after_commit_queries()
    for n in range(20):
        ensure_user(f"vecino{n}", password="x", roles=(Role.SOLICITANTE,), units=(units["rentas"],))
    many, messages_after = after_commit_queries()
    assert few == many == 1
    assert messages_before == messages_after == 1, "one channel-layer message per change, whoever hears of it"
    assert {f"vecino{n}" for n in range(20)} <= set(live_by_user(users | vecinos(), pushed))


def test_the_unread_count_is_counted_after_commit(users, units, pushed, django_capture_on_commit_callbacks):
    request_in_state(users, units, State.IN_REVIEW)
    request_in_state(users, units, State.IN_REVIEW)
    draft = create_request(users["rentas1"], units["rentas"])
    with django_capture_on_commit_callbacks(execute=True):
        run(users, draft, "submit", "rentas1")
    (note,) = [p for p in live_by_user(users, pushed)["revisor1"] if p["type"] == "notification"]
    assert note["unread"] == 3
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_all_read(users["revisor1"])
    assert live_by_user(users, pushed) == {"revisor1": [{"type": "unread", "unread": 0}]}


# --- email --------------------------------------------------------------------------------------


def give_emails(users, *usernames):
    for username in usernames:
        users[username].email = f"{username}@example.gob.pe"
        users[username].save(update_fields=["email"])


def test_emails_follow_the_default_preferences_after_commit(users, units, django_capture_on_commit_callbacks):
    give_emails(users, "gerente", "gerente_rentas", "revisor1", "revisor2")
    draft = create_request(users["rentas1"], units["rentas"])
    with django_capture_on_commit_callbacks(execute=True):
        submitted = run(users, draft, "submit", "rentas1")
    # A new submission is not among the kinds that go by email unless chosen.
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pending = run(users, submitted, "forward", "revisor1")
    assert mail.outbox == [], "no email leaves before the transaction commits"
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "gerente@example.gob.pe",
        "gerente_rentas@example.gob.pe",
    ]
    email = mail.outbox[0]
    assert email.subject == f"Tarea asignada: {pending.reference}"
    assert f"derivó la solicitud {pending.reference} «{pending.title}» a aprobación." in email.body
    assert f"/solicitudes/{pending.pk}/" in email.body
    assert "/notificaciones/preferencias/" in email.body


def test_emails_follow_each_persons_choice(users, units, django_capture_on_commit_callbacks):
    give_emails(users, "gerente", "revisor1", "revisor2")
    services.update_preferences(users["revisor1"], email_kinds=[Kind.NEW_SUBMISSION])
    services.update_preferences(users["gerente"], email_kinds=[])
    draft = create_request(users["rentas1"], units["rentas"])
    with django_capture_on_commit_callbacks(execute=True):
        submitted = run(users, draft, "submit", "rentas1")
    assert [message.to for message in mail.outbox] == [["revisor1@example.gob.pe"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run(users, submitted, "forward", "revisor2")
    assert mail.outbox == [], "the gerente chose no email at all"


def test_people_without_an_address_get_no_email(users, units, django_capture_on_commit_callbacks):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        run(users, in_review, "forward", "revisor1")
    assert Notification.objects.filter(request=in_review, kind=Kind.TASK_ASSIGNED).exists()
    assert mail.outbox == []


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("el servidor de correo no responde")


def test_a_failing_mail_server_is_logged_and_never_breaks_the_change(
    users, units, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    give_emails(users, "gerente")
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with caplog.at_level(logging.ERROR, logger="notifications"), django_capture_on_commit_callbacks(execute=True):
        pending = run(users, in_review, "forward", "revisor1")
    assert pending.state == State.PENDING_APPROVAL
    assert "No se pudo enviar la notificación por correo" in caplog.text


def test_a_failing_channel_layer_is_logged_and_never_breaks_the_change(
    users, units, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def layer_down(*args, **kwargs):
        raise ConnectionError("redis no responde")

    monkeypatch.setattr(services, "get_channel_layer", layer_down)
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with caplog.at_level(logging.ERROR, logger="notifications"), django_capture_on_commit_callbacks(execute=True):
        pending = run(users, in_review, "forward", "revisor1")
    assert pending.state == State.PENDING_APPROVAL
    assert Notification.objects.filter(request=pending, kind=Kind.TASK_ASSIGNED).count() == 2
    assert "No se pudieron enviar los avisos en vivo" in caplog.text


def test_emails_go_from_a_background_thread_unless_told_otherwise(
    users, units, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS_BACKEND = "threads"
    give_emails(users, "gerente")
    sent_from = []
    done = threading.Event()

    def record(emails):
        sent_from.append((threading.current_thread().name, [email["to"] for email in emails]))
        done.set()

    monkeypatch.setattr(services, "send_emails", record)
    in_review = request_in_state(users, units, State.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        run(users, in_review, "forward", "revisor1")
    assert done.wait(timeout=10)
    thread_name, recipients = sent_from[0]
    assert thread_name.startswith("tasks-default") and thread_name != threading.current_thread().name
    assert recipients == [["gerente@example.gob.pe"]]


def test_default_email_kinds():
    assert set(NotificationPreference().email_kinds) == {
        "task_assigned",
        "observation",
        "returned",
        "approval",
        "rejection",
    }
    assert tuple(NotificationPreference().email_kinds) == tuple(kind.value for kind in DEFAULT_EMAIL_KINDS)


def test_preferences_refuse_unknown_kinds(users):
    with pytest.raises(InvalidInput, match="Tipo de notificación desconocido: nada"):
        services.update_preferences(users["rentas1"], email_kinds=["approval", "nada"])
    assert not NotificationPreference.objects.filter(user=users["rentas1"]).exists()
    preference = services.update_preferences(users["rentas1"], email_kinds=["rejection", "approval"])
    assert preference.email_kinds == ["approval", "rejection"]


# --- reading ------------------------------------------------------------------------------------


def notes_for(users, units, count=3):
    """`count` requests submitted by rentas1: revisor1 gets one notification each."""
    for _ in range(count):
        request_in_state(users, units, State.IN_REVIEW)
    return list(Notification.objects.filter(recipient=users["revisor1"]).order_by("pk"))


def test_mark_read_touches_only_ones_own(users, units):
    mine = notes_for(users, units, 2)
    theirs = Notification.objects.filter(recipient=users["revisor2"]).first()
    assert services.mark_read(users["revisor1"], [str(mine[0].pk), theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert selectors.unread_count(users["revisor1"]) == 1
    assert services.mark_read(users["revisor1"], [mine[0].pk]) == 0, "already read"
    assert services.mark_all_read(users["revisor1"]) == 1
    assert selectors.unread_count(users["revisor1"]) == 0
    assert selectors.unread_count(users["revisor2"]) == 2


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Elija al menos una notificación"),
        (["abc"], "no son válidos"),
        (["-3"], "no son válidos"),
        ([True], "no son válidos"),
        ([str(2**64)], "no son válidos"),
        (list(range(1, 502)), "como máximo 500"),
    ],
)
def test_mark_read_refuses_bad_ids_in_spanish(users, ids, message):
    with pytest.raises(InvalidInput, match=message):
        services.mark_read(users["rentas1"], ids)


# The selectors (filters, order, pages, hidden requests, query counts): test_selectors.py.


# --- deadline reminders ---------------------------------------------------------------------------


def test_deadline_reminders_once_per_request_and_day(users, units, django_capture_on_commit_callbacks):
    give_emails(users, "rentas1")
    services.update_preferences(users["rentas1"], email_kinds=[Kind.DEADLINE])
    soon = create_request(users["rentas1"], units["rentas"], requested_by=TODAY() + timedelta(days=1))
    later = create_request(users["rentas1"], units["rentas"], requested_by=TODAY() + timedelta(days=5))
    closed = create_request(users["rentas1"], units["rentas"], requested_by=TODAY())
    run(users, closed, "cancel", "rentas1")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadline_reminders() == 1
    note = Notification.objects.get(kind=Kind.DEADLINE)
    assert note.recipient == users["rentas1"]
    assert note.request == soon
    assert note.message == (
        f"La fecha requerida de la solicitud {soon.reference} «{soon.title}» es mañana "
        "y su estado sigue siendo «Borrador»."
    )
    assert [message.to for message in mail.outbox] == [["rentas1@example.gob.pe"]]
    assert services.deadline_reminders() == 0, "the same day again: nothing new"
    assert services.deadline_reminders(today=TODAY() + timedelta(days=1)) == 1
    assert services.deadline_reminders(today=TODAY() + timedelta(days=3)) == 1, "the later one's turn"
    assert not Notification.objects.filter(kind=Kind.DEADLINE, request=closed).exists()
    assert Notification.objects.filter(kind=Kind.DEADLINE, request=later).count() == 1


def test_deadline_command(users, units, capsys):
    create_request(users["rentas1"], units["rentas"], requested_by=TODAY())
    call_command("send_deadline_reminders")
    assert "Recordatorios enviados: 1" in capsys.readouterr().out
    call_command("send_deadline_reminders")
    assert "Recordatorios enviados: 0" in capsys.readouterr().out


# --- the audience agrees with the permissions ---------------------------------------------------


@pytest.mark.parametrize("state", list(State))
def test_the_audience_is_exactly_who_holds_each_permission(users, units, head, state):
    """Read in reverse from guardian's tables (one query per table, for everybody at
    once), the audience must match workflows.permissions.perms_of person by person,
    encargados included."""
    create_delegation(
        users["gerente"], delegate=users["revisor2"], starts_on=TODAY(), ends_on=TODAY(), resolution="RG-011"
    )
    material_request = request_in_state(users, units, state)
    if state in (State.DRAFT, State.IN_REVIEW):
        workflow_services.share_request(head, material_request, reason="Coautoría.", unit=units["social"])
    audience = services.Audience.of(material_request)
    for username, user in users.items():
        if user.is_superuser:
            continue  # an administrator reads everything but holds no power through roles
        fresh = get_user_model().objects.get(pk=user.pk)
        held = perm.perms_of(fresh, MaterialRequest.objects.get(pk=material_request.pk))  # no cached perms
        for codename in perm.ALL_CODENAMES:
            assert (fresh.pk in audience.with_perm(codename)) == (codename in held), (username, state, codename)
