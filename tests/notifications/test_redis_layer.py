"""The live socket through a real Redis channel layer, the scale-out setup: the same
delivery and isolation as with the in-memory layer, plus a push that crosses event loops
(as one from another worker process would).

The session fixture `redis_url` (tests/conftest.py) is the scale-out run's server
(REDIS_URL), or one started for the session (tests/redisserver.py).
"""

import asyncio
import threading
import uuid

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator

from notifications import services
from notifications.consumers import NotificationConsumer
from notifications.payloads import live_message, request_state_payload
from tests.factories import create_request, request_in_state
from tests.notifications.test_consumers import TIMEOUT, connect_as, receive_all, step, still_serving
from workflows.models import State

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

QUIET = 0.5


@pytest_asyncio.fixture
async def redis_layer(redis_url, settings):
    """CHANNEL_LAYERS pointed at the test server, with a prefix of its own per test; the
    alias "other_worker" is a second layer on the same server and prefix, as another
    worker process has."""
    config = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [redis_url], "prefix": f"test-{uuid.uuid4().hex[:8]}"},
    }
    settings.CHANNEL_LAYERS = {"default": config, "other_worker": config}
    channel_layers.backends.clear()
    layer = get_channel_layer()
    yield layer
    here = asyncio.get_running_loop()
    for backend in list(channel_layers.backends.values()):
        # A push from synchronous code ran on core.asyncbridge's loop, whose connections
        # are closed there (channels-redis keeps one set per event loop).
        for loop, loop_layer in list(backend._layers.items()):
            if loop is not here:
                del backend._layers[loop]
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(loop_layer.flush(), loop))
    await layer.flush()
    for backend in list(channel_layers.backends.values()):
        await backend.close_pools()
    channel_layers.backends.clear()


async def test_the_layer_is_redis(redis_layer):
    assert type(redis_layer).__module__ == "channels_redis.core"


async def test_a_real_transition_reaches_the_reviewer_through_redis(redis_layer, users, units):
    draft = await database_sync_to_async(create_request)(users["rentas1"], units["rentas"])
    reviewer = await connect_as(users["revisor1"])
    submitted = await step(users, draft, "submit", "rentas1")
    notification, changed = await receive_all(reviewer, 2)
    assert notification["type"] == "notification"
    assert notification["kind"] == "new_submission"
    assert notification["url"] == f"/solicitudes/{submitted.pk}/"
    assert notification["unread"] == 1
    assert changed["type"] == "request_changed"
    assert changed["state"] == "en_revision"
    await reviewer.disconnect()


async def test_every_socket_of_a_person_hears_it_and_nobody_else_does(redis_layer, users, units):
    in_review = await database_sync_to_async(request_in_state)(users, units, State.IN_REVIEW)
    first_tab = await connect_as(users["rentas1"])
    second_tab = await connect_as(users["rentas1"])
    stranger = await connect_as(users["social1"])
    await step(users, in_review, "observe", "revisor1")
    for tab in (first_tab, second_tab):
        messages = await receive_all(tab, 2)
        assert [m["type"] for m in messages] == ["notification", "request_changed"]
        assert messages[0]["kind"] == "observation"
    assert await stranger.receive_nothing(timeout=QUIET)
    await still_serving(stranger)
    for communicator in (first_tab, second_tab, stranger):
        await communicator.disconnect()


async def test_a_push_from_another_event_loop_arrives(redis_layer, users, units):
    """A worker that is not this process's event loop (another daphne, a cron command)
    pushes through Redis: here a plain thread, which runs its own loop. What it composed
    arrives as it is."""
    in_review = await database_sync_to_async(request_in_state)(users, units, State.IN_REVIEW)
    author = await connect_as(users["rentas1"])
    group = services.user_group(users["rentas1"].pk)
    changed = {"type": "request_changed", **request_state_payload(in_review)}
    worker = threading.Thread(target=services.push, args=([(group, live_message([changed]))],))
    worker.start()
    worker.join(timeout=TIMEOUT)
    message = await author.receive_json_from(timeout=TIMEOUT)
    assert message == {
        "type": "request_changed",
        "request_id": in_review.pk,
        "state": "en_revision",
        "label": "En revisión",
        "revision": in_review.revision,
    }
    await author.disconnect()


async def test_a_change_seen_by_many_reaches_each_of_them_once(redis_layer, users, units):
    """A cancellation after review: the unit, the reviewers and the gerentes each get their
    notification and the new state, in that order, over Redis (the reviewers also hear,
    before the new state, that the review they were asked for is done)."""
    in_review = await database_sync_to_async(request_in_state)(users, units, State.IN_REVIEW)
    names = ["rentas1", "revisor1", "revisor2", "gerente", "gerente_rentas"]
    sockets = [await connect_as(users[name]) for name in names]
    await step(users, in_review, "cancel", "rentas2")
    for name, communicator in zip(names, sockets, strict=True):
        if name.startswith("revisor"):
            # Their "new submission" is done: the cancellation ended the review (issue 16).
            notification, resolved, changed = await receive_all(communicator, 3)
            assert resolved["type"] == "resolved", name
        else:
            notification, changed = await receive_all(communicator, 2)
        assert (notification["type"], notification["kind"]) == ("notification", "cancellation"), name
        assert (changed["type"], changed["state"]) == ("request_changed", "anulado"), name
        assert await communicator.receive_nothing(timeout=0.1)
        await communicator.disconnect()


class OtherWorkerConsumer(NotificationConsumer):
    channel_layer_alias = "other_worker"


async def test_each_worker_process_gets_the_change_once_and_serves_its_own_sockets(redis_layer, users, units):
    """Two workers (two layer instances on one Redis): each joined the fan-out group once;
    a change reaches both, and each hands it to its own sockets."""
    in_review = await database_sync_to_async(request_in_state)(users, units, State.IN_REVIEW)
    here = await connect_as(users["rentas1"])
    there = WebsocketCommunicator(OtherWorkerConsumer.as_asgi(), "/ws/notificaciones/")
    there.scope["user"] = users["rentas2"]
    assert (await there.connect(timeout=TIMEOUT))[0]
    other = get_channel_layer("other_worker")
    assert other is not redis_layer
    members = await redis_layer.connection(0).zrange(redis_layer._group_key(services.FANOUT_GROUP), 0, -1)
    assert len(members) == 2, "one membership per worker, whatever its number of sockets"
    await step(users, in_review, "observe", "revisor1")
    for communicator in (here, there):
        notification, changed = await receive_all(communicator, 2)
        assert (notification["kind"], changed["state"]) == ("observation", "borrador")
        assert await communicator.receive_nothing(timeout=0.1)
    for communicator in (here, there):
        await communicator.disconnect()
