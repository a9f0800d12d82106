"""The live socket against real transitions: it delivers what is one's own and visible,
nothing else; refuses strangers; closes on logout, deactivation and floods; and shrugs
off whatever else a client sends.

What a socket forwards was decided at the sender, in the transaction of the change
(notifications.services.notify_transition): these tests show that the decision is the
right one (the permissions of that same transaction) and that the consumer forwards it
without a trip to the database.

Websocket tests need committed data (the consumer reads the database from another
thread): transaction=True, and every ORM call of the test through database_sync_to_async.
"""

import asyncio
import logging

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client

from config.asgi import application
from notifications import services
from notifications.consumers import CLOSE_FLOOD, CLOSE_FORCED, Fanout, NotificationConsumer
from notifications.models import Notification
from notifications.payloads import fanout_message, live_message
from organization.services import remove_member
from tests.factories import create_request, request_in_state, step_kwargs
from workflows import services as workflow_services
from workflows.models import State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PATH = "/ws/notificaciones/"
TIMEOUT = 5
QUIET = 0.3


async def connect_as(user) -> WebsocketCommunicator:
    """A socket whose scope already carries the user (no middleware, no session)."""
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), PATH)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def receive_all(communicator, count):
    return [await communicator.receive_json_from(timeout=TIMEOUT) for _ in range(count)]


async def assert_closed(communicator, code):
    """The consumer says why, then closes with `code`."""
    assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "force_close"}
    closing = await communicator.receive_output(timeout=TIMEOUT)
    assert closing == {"type": "websocket.close", "code": code}


async def still_serving(communicator):
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}


@database_sync_to_async
def step(users, material_request, code, actor):
    return workflow_services.ACTION_SERVICES[code](users[actor], material_request, **step_kwargs(code))


@database_sync_to_async
def in_state(users, units, state, **kwargs):
    return request_in_state(users, units, state, **kwargs)


# --- delivery ---------------------------------------------------------------------------------


async def test_a_real_transition_reaches_the_reviewer(users, units):
    draft = await database_sync_to_async(create_request)(users["rentas1"], units["rentas"])
    reviewer = await connect_as(users["revisor1"])
    submitted = await step(users, draft, "submit", "rentas1")
    notification, changed = await receive_all(reviewer, 2)
    stored = await database_sync_to_async(Notification.objects.get)(recipient=users["revisor1"], request=submitted)
    assert notification == {
        "type": "notification",
        "id": stored.pk,
        "kind": "new_submission",
        "kind_label": "Nueva solicitud para revisar",
        "message": f"rentas1 envió la solicitud {submitted.reference} «{submitted.title}» a revisión.",
        "url": f"/solicitudes/{submitted.pk}/",
        "created_at": notification["created_at"],
        "created_label": notification["created_label"],
        "read": False,
        "resolved": False,
        "request": submitted.pk,
        "step": "review",
        "unread": 1,
    }
    assert changed == {
        "type": "request_changed",
        "request_id": submitted.pk,
        "state": "en_revision",
        "label": "En revisión",
        "revision": submitted.revision,
    }
    await reviewer.disconnect()


async def test_the_requesters_open_page_hears_of_the_new_state(users, units):
    in_review = await in_state(users, units, State.IN_REVIEW)
    author = await connect_as(users["rentas1"])
    await step(users, in_review, "observe", "revisor1")
    messages = await receive_all(author, 2)
    assert [m["type"] for m in messages] == ["notification", "request_changed"]
    assert messages[0]["kind"] == "observation"
    assert messages[1]["state"] == "borrador"
    assert messages[1]["label"] == "Borrador"
    await author.disconnect()


async def test_one_never_receives_anothers_notifications(users, units):
    in_review = await in_state(users, units, State.IN_REVIEW)
    stranger = await connect_as(users["social1"])
    author = await connect_as(users["rentas1"])
    await step(users, in_review, "observe", "revisor1")
    assert (await author.receive_json_from(timeout=TIMEOUT))["type"] == "notification"
    assert await stranger.receive_nothing(timeout=QUIET)
    await still_serving(stranger)
    await stranger.disconnect()
    await author.disconnect()


async def test_the_actor_gets_no_notification_of_their_own_action(users, units):
    in_review = await in_state(users, units, State.IN_REVIEW)
    reviewer = await connect_as(users["revisor1"])
    await step(users, in_review, "forward", "revisor1")
    resolved, message = await receive_all(reviewer, 2)
    # Their own "new submission" is done (its task is): their count falls, nothing new.
    assert resolved["type"] == "resolved" and resolved["unread"] == 0
    assert (resolved["request"], resolved["steps"]) == (in_review.pk, ["review"])
    assert message["type"] == "request_changed", "only the hints for the actor's other tabs"
    assert await reviewer.receive_nothing(timeout=QUIET)
    await reviewer.disconnect()


@database_sync_to_async
def shared_draft(users, units, head):
    draft = create_request(users["rentas1"], units["rentas"])
    share = workflow_services.share_request(head, draft, reason="Coautoría.", unit=units["social"])
    return draft, share


async def test_a_share_revoked_in_the_same_transaction_as_the_event_gets_no_push(users, units, head):
    """The audience is read from the permissions of the change's own transaction: a unit
    whose share ends in it hears nothing of it, not even the request's new state."""
    draft, share = await shared_draft(users, units, head)
    coauthor = await connect_as(users["social1"])
    colleague = await connect_as(users["rentas2"])

    @database_sync_to_async
    def revoke_and_cancel():
        with transaction.atomic():
            workflow_services.revoke_share(head, share, reason="Terminó la coordinación.")
            workflow_services.cancel_request(users["rentas1"], draft, comment="Ya no se necesita.")

    await revoke_and_cancel()
    notification, changed = await receive_all(colleague, 2)
    assert (notification["kind"], changed["state"]) == ("cancellation", "anulado")
    assert await coauthor.receive_nothing(timeout=QUIET)
    await still_serving(coauthor)
    assert not await database_sync_to_async(Notification.objects.filter(recipient=users["social1"]).exists)()
    for communicator in (coauthor, colleague):
        await communicator.disconnect()


async def test_a_member_who_leaves_the_unit_in_the_same_transaction_gets_no_push(users, units):
    in_review = await in_state(users, units, State.IN_REVIEW)
    leaving = await connect_as(users["rentas2"])
    staying = await connect_as(users["rentas1"])

    @database_sync_to_async
    def leave_and_observe():
        with transaction.atomic():
            remove_member(units["rentas"], users["rentas2"])
            workflow_services.observe_request(users["revisor1"], in_review, comment="Falta la fecha del evento.")

    await leave_and_observe()
    assert [message["type"] for message in await receive_all(staying, 2)] == ["notification", "request_changed"]
    assert await leaving.receive_nothing(timeout=QUIET)
    for communicator in (leaving, staying):
        await communicator.disconnect()


async def test_the_push_goes_out_only_after_commit_and_not_at_all_after_a_rollback(users, units):
    in_review = await in_state(users, units, State.IN_REVIEW)
    author = await connect_as(users["rentas1"])

    @database_sync_to_async
    def observe_then_fail():
        with transaction.atomic():
            workflow_services.observe_request(users["revisor1"], in_review, comment="Falta la fecha del evento.")
            raise RuntimeError("algo falló después")

    with pytest.raises(RuntimeError):
        await observe_then_fail()
    assert await author.receive_nothing(timeout=QUIET)
    await author.disconnect()


# --- one message per process -----------------------------------------------------------------


async def test_a_change_is_one_channel_layer_message_for_all_the_sockets_of_a_process(users, units, monkeypatch):
    monkeypatch.setattr(Fanout, "YIELD_EVERY", 2)  # the loop gets turns in the middle of a hand-out
    names = ["rentas1", "rentas2", "revisor1", "gerente", "social1"]
    sockets = {name: await connect_as(users[name]) for name in names}
    second_tab = await connect_as(users["rentas1"])
    layer = get_channel_layer()
    sent = []
    original = layer.group_send

    async def counting(group, message):
        sent.append(group)
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", counting)
    in_review = await in_state(users, units, State.IN_REVIEW)  # submitted: one message
    assert sent == [services.FANOUT_GROUP]
    assert [m["type"] for m in await receive_all(sockets["revisor1"], 2)] == ["notification", "request_changed"]
    for communicator in (sockets["gerente"], sockets["rentas1"], sockets["rentas2"], second_tab):
        assert [m["type"] for m in await receive_all(communicator, 1)] == ["request_changed"]
    sent.clear()
    await step(users, in_review, "observe", "revisor1")
    assert sent == [services.FANOUT_GROUP]
    for communicator in (sockets["rentas1"], second_tab, sockets["rentas2"]):
        assert [m["type"] for m in await receive_all(communicator, 2)] == ["notification", "request_changed"]
    assert [m["type"] for m in await receive_all(sockets["revisor1"], 2)] == ["resolved", "request_changed"]
    assert await sockets["social1"].receive_nothing(timeout=QUIET)
    for communicator in [*sockets.values(), second_tab]:
        await communicator.disconnect()


@pytest.fixture
def in_memory_layer(settings):
    """These tests read the in-memory layer's own group bookkeeping: on it even when the
    scale-out run sets REDIS_URL (channels resets its layers when the setting changes)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def test_the_process_leaves_the_fanout_group_with_its_last_socket(users, in_memory_layer):
    layer = get_channel_layer()
    first = await connect_as(users["rentas1"])
    second = await connect_as(users["revisor1"])
    fanout = Fanout.of(layer)
    assert list(layer.groups[services.FANOUT_GROUP]) == [fanout.channel], "one membership for the process"
    await first.disconnect()
    assert services.FANOUT_GROUP in layer.groups
    await second.disconnect()
    assert services.FANOUT_GROUP not in layer.groups
    assert Fanout.of(layer) is not fanout, "the next socket starts afresh"


async def test_the_process_renews_its_fanout_membership_before_it_expires(users, monkeypatch, in_memory_layer):
    monkeypatch.setattr(Fanout, "RENEW_SECONDS", 0.05)
    communicator = await connect_as(users["rentas1"])
    layer = get_channel_layer()
    fanout = Fanout.of(layer)
    joined = layer.groups[services.FANOUT_GROUP][fanout.channel]
    await asyncio.sleep(0.2)
    assert layer.groups[services.FANOUT_GROUP][fanout.channel] > joined
    await communicator.disconnect()


async def test_a_broken_channel_layer_closes_the_sockets_so_the_pages_catch_up(
    users, monkeypatch, caplog, in_memory_layer
):
    """What is pushed while the layer is down is lost: the sockets close with 1011 (not a
    final code for live.js), so the pages reconnect and fetch what they missed."""
    layer = get_channel_layer()
    original = layer.receive
    down = asyncio.Event()

    async def receive(channel):
        if channel == Fanout.of(layer).channel:
            await down.wait()
            raise ConnectionError("redis no responde")
        return await original(channel)

    monkeypatch.setattr(layer, "receive", receive)
    communicator = await connect_as(users["rentas1"])
    await still_serving(communicator)
    with caplog.at_level(logging.ERROR, logger="notifications"):
        down.set()
        assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 1011}
    assert "Se perdió la conexión con la capa de canales" in caplog.text
    assert services.FANOUT_GROUP not in layer.groups


async def test_a_malformed_fanout_message_is_logged_and_the_next_one_still_arrives(users, caplog):
    communicator = await connect_as(users["rentas1"])
    pk = users["rentas1"].pk
    with caplog.at_level(logging.WARNING, logger="notifications"):
        await database_sync_to_async(services.push)(
            [
                (services.FANOUT_GROUP, {"type": "fanout", "deliveries": [[["{}"], pk]]}),
                (services.FANOUT_GROUP, {"type": "other"}),
                (services.FANOUT_GROUP, fanout_message({('{"type": "unread", "unread": 2}',): [pk]})),
            ]
        )
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "unread", "unread": 2}
    assert "Aviso en vivo mal formado ignorado" in caplog.text
    assert "tipo desconocido ignorado: 'other'" in caplog.text
    await communicator.disconnect()


# --- who may connect ---------------------------------------------------------------------------


async def test_anonymous_sockets_are_refused():
    from django.contrib.auth.models import AnonymousUser

    for scope_user in (AnonymousUser(), None):
        communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), PATH)
        if scope_user is not None:
            communicator.scope["user"] = scope_user
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected
        assert code == 4401


async def test_an_inactive_user_is_refused(users):
    await database_sync_to_async(get_user_model().objects.filter(pk=users["rentas1"].pk).update)(is_active=False)
    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), PATH)
    communicator.scope["user"] = users["rentas1"]
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert not connected


@database_sync_to_async
def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def browser_headers(client, origin="http://testserver"):
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode()), (b"host", b"testserver")]


async def test_through_the_whole_application_with_a_session_and_an_allowed_origin(users, units):
    client = await logged_in_client(users["revisor1"])
    communicator = WebsocketCommunicator(application, PATH, headers=browser_headers(client))
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    draft = await database_sync_to_async(create_request)(users["rentas1"], units["rentas"])
    await step(users, draft, "submit", "rentas1")
    assert (await communicator.receive_json_from(timeout=TIMEOUT))["kind"] == "new_submission"
    await communicator.disconnect()


async def test_another_origin_or_no_session_is_refused(users):
    client = await logged_in_client(users["revisor1"])
    foreign = WebsocketCommunicator(application, PATH, headers=browser_headers(client, origin="https://evil.example"))
    connected, _ = await foreign.connect(timeout=TIMEOUT)
    assert not connected
    anonymous = WebsocketCommunicator(application, PATH, headers=[(b"origin", b"http://testserver")])
    connected, code = await anonymous.connect(timeout=TIMEOUT)
    assert not connected
    assert code == 4401


async def test_the_client_cannot_choose_a_group_by_path(users):
    client = await logged_in_client(users["revisor1"])
    communicator = WebsocketCommunicator(application, "/ws/notificaciones/user-1/", headers=browser_headers(client))
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect(timeout=TIMEOUT)


# --- closing -------------------------------------------------------------------------------------


async def test_logout_closes_the_socket(users):
    client = await logged_in_client(users["rentas1"])
    communicator = await connect_as(users["rentas1"])
    response = await database_sync_to_async(client.post)("/salir/")
    assert response.status_code == 302
    await assert_closed(communicator, CLOSE_FORCED)


async def test_logout_closes_only_the_sockets_of_that_session(users):
    laptop = await logged_in_client(users["rentas1"])
    phone = await logged_in_client(users["rentas1"])
    on_laptop = WebsocketCommunicator(application, PATH, headers=browser_headers(laptop))
    on_phone = WebsocketCommunicator(application, PATH, headers=browser_headers(phone))
    assert (await on_laptop.connect(timeout=TIMEOUT))[0]
    assert (await on_phone.connect(timeout=TIMEOUT))[0]
    await database_sync_to_async(laptop.post)("/salir/")
    await assert_closed(on_laptop, CLOSE_FORCED)
    assert await on_phone.receive_nothing(timeout=QUIET)
    await still_serving(on_phone)
    await on_phone.disconnect()


async def test_a_session_that_ended_elsewhere_closes_the_socket_at_the_next_check(users, settings):
    settings.NOTIFICATIONS_WS_RECHECK_SECONDS = 0
    client = await logged_in_client(users["rentas1"])
    communicator = WebsocketCommunicator(application, PATH, headers=browser_headers(client))
    assert (await communicator.connect(timeout=TIMEOUT))[0]
    await still_serving(communicator)
    await database_sync_to_async(Session.objects.all().delete)()
    await communicator.send_json_to({"type": "ping"})
    await assert_closed(communicator, CLOSE_FORCED)


async def test_deactivating_a_user_closes_their_sockets(users):
    communicator = await connect_as(users["rentas1"])

    @database_sync_to_async
    def deactivate():
        user = get_user_model().objects.get(pk=users["rentas1"].pk)
        user.is_active = False
        user.save()

    await deactivate()
    await assert_closed(communicator, CLOSE_FORCED)


async def test_a_user_deactivated_without_signals_hears_nothing_and_is_closed_at_the_next_check(users, units, settings):
    settings.NOTIFICATIONS_WS_RECHECK_SECONDS = 0
    communicator = await connect_as(users["revisor1"])
    await database_sync_to_async(get_user_model().objects.filter(pk=users["revisor1"].pk).update)(is_active=False)
    draft = await database_sync_to_async(create_request)(users["rentas1"], units["rentas"])
    await step(users, draft, "submit", "rentas1")  # the sender leaves inactive people out
    assert await communicator.receive_nothing(timeout=QUIET)
    await communicator.send_json_to({"type": "ping"})  # the page pings every 25 s
    await assert_closed(communicator, CLOSE_FORCED)


# --- what a client may send ---------------------------------------------------------------------


async def test_ping_is_answered(users):
    communicator = await connect_as(users["rentas1"])
    await still_serving(communicator)
    await communicator.disconnect()


async def test_malformed_unknown_and_huge_messages_are_ignored_and_logged(users, caplog):
    communicator = await connect_as(users["rentas1"])
    with caplog.at_level(logging.WARNING, logger="notifications"):
        await communicator.send_to(text_data="{no es json")
        await communicator.send_to(text_data="null")
        await communicator.send_to(bytes_data=b"\x00\x01\x02")
        await communicator.send_json_to([1, 2, 3])
        await communicator.send_json_to({"type": "subscribe", "group": "user-1"})
        await communicator.send_json_to({"type": "notify", "id": 1})
        await communicator.send_json_to({"type": "force_close"})
        await communicator.send_to(text_data='{"type": "ping", "pad": "' + "x" * 100_000 + '"}')
        assert await communicator.receive_nothing(timeout=QUIET)
        await still_serving(communicator)
    warnings = [record.getMessage() for record in caplog.records if record.name == "notifications"]
    assert sum("JSON mal formado" in w for w in warnings) == 1
    assert sum("mensaje desconocido" in w for w in warnings) == 5
    assert sum("binario" in w for w in warnings) == 1
    assert sum("100" in w and "caracteres" in w for w in warnings) == 1
    await communicator.disconnect()


async def test_a_flood_closes_the_socket(users, caplog):
    communicator = await connect_as(users["rentas1"])
    limit = settings.NOTIFICATIONS_WS_MAX_MESSAGES
    with caplog.at_level(logging.WARNING, logger="notifications"):
        for _ in range(limit):
            await communicator.send_json_to({"type": "ping"})
        for _ in range(limit):
            assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await communicator.send_json_to({"type": "ping"})
        await assert_closed(communicator, CLOSE_FLOOD)
    assert "demasiados mensajes" in caplog.text


async def test_a_push_is_forwarded_without_a_trip_to_the_database(users, units, monkeypatch):
    """Once connected, the consumer forwards what the sender composed: neither its own
    reads nor channels' close_old_connections run for a push (500 sockets would queue
    on the one database thread)."""
    communicator = await connect_as(users["revisor1"])
    trips = []

    def no_database(*args, **kwargs):
        trips.append(args)
        raise AssertionError("the consumer went to the database for a push")

    monkeypatch.setattr("channels.consumer.aclose_old_connections", no_database)
    monkeypatch.setattr("notifications.consumers.database_sync_to_async", no_database)
    draft = await database_sync_to_async(create_request)(users["rentas1"], units["rentas"])
    await step(users, draft, "submit", "rentas1")
    assert [message["type"] for message in await receive_all(communicator, 2)] == ["notification", "request_changed"]
    assert trips == []
    monkeypatch.undo()
    await still_serving(communicator)
    await communicator.disconnect()


async def test_a_failing_unread_count_is_logged_and_the_rest_still_arrives(users, units, monkeypatch, caplog):
    communicator = await connect_as(users["revisor1"])

    def broken(*args, **kwargs):
        raise RuntimeError("base de datos bloqueada")

    monkeypatch.setattr(services, "unread_counts", broken)
    monkeypatch.setattr(services, "unread_counts_and_asked", broken)  # a change that completes a task
    draft = await database_sync_to_async(create_request)(users["rentas1"], units["rentas"])
    with caplog.at_level(logging.ERROR, logger="notifications"):
        await step(users, draft, "submit", "rentas1")
        notification, changed = await receive_all(communicator, 2)
    assert notification["kind"] == "new_submission"
    assert "unread" not in notification, "the page keeps its count (live.js ignores a missing one)"
    assert changed["type"] == "request_changed"
    assert "No se pudo contar las notificaciones sin leer" in caplog.text
    await still_serving(communicator)
    await communicator.disconnect()


async def test_an_unknown_event_from_the_server_is_logged_and_dropped(users, caplog):
    """Say, the id-only hints of an older version still queued on Redis during a deploy."""
    communicator = await connect_as(users["rentas1"])
    group = services.user_group(users["rentas1"].pk)
    with caplog.at_level(logging.WARNING, logger="notifications"):
        await database_sync_to_async(services.push)(
            [(group, {"type": "notify", "id": 1}), (group, {"type": "request_changed", "request_id": 1})]
        )
        assert await communicator.receive_nothing(timeout=QUIET)
    assert "evento desconocido ignorado: 'notify'" in caplog.text
    await still_serving(communicator)
    await database_sync_to_async(services.push)([(group, live_message([{"type": "unread", "unread": 7}]))])
    assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "unread", "unread": 7}
    await communicator.disconnect()


async def test_marking_read_in_one_tab_updates_the_count_in_the_others(users, units):
    await in_state(users, units, State.IN_REVIEW)
    await in_state(users, units, State.IN_REVIEW)
    other_tab = await connect_as(users["revisor1"])

    @database_sync_to_async
    def mark_one():
        first = Notification.objects.filter(recipient=users["revisor1"]).order_by("pk").first()
        return services.mark_read(users["revisor1"], [first.pk])

    assert await mark_one() == 1
    assert await other_tab.receive_json_from(timeout=TIMEOUT) == {"type": "unread", "unread": 1}
    await other_tab.disconnect()
