"""The live socket: a hint that something new is in the database, nothing more.

Each socket joins exactly one group, its user's ("user-<pk>"), never one named by the
client. What a socket is told was decided at the sender, inside the transaction of the
change (notifications.services: who may see it, as that transaction's permissions say,
and what they are told), so it is forwarded as it is, without reading the database.

A change reaches a worker process as ONE message on the fan-out group, which the
process's `Fanout` (one per channel layer and event loop, while it holds sockets) has
joined; it hands each socket the frames addressed to its user. So one push to 500
sockets costs one channel-layer message per process and 500 frames, not 500 queries
queued on the one thread channels gives the ORM, nor 500 channel-layer messages.

The socket itself is checked at connection and then every so often (on the page's
pings): the user still active and the session it came with still alive. Logout and
deactivation close it at once (their own group). The client may only ping; anything else
is logged and ignored, and a flood closes the socket.
"""

import asyncio
import json
import logging
import time
from collections import deque
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

from .services import FANOUT_GROUP, user_group
from .signals import session_digest

logger = logging.getLogger("notifications")

# Close codes (4000-4999 are the application's): the script does not reconnect after these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORCED = 4403
CLOSE_FLOOD = 4429


def _setting(name, default):
    return getattr(settings, name, default)


class Fanout:
    """The worker process's one subscription to the fan-out group, for one channel layer
    and event loop, alive while it holds sockets: it receives each change once and hands
    every registered socket the frames addressed to its user (services.deliver)."""

    _running: dict[tuple[int, int], "Fanout"] = {}
    # Group memberships expire (channel layers' group_expiry, a day by default): renewed.
    RENEW_SECONDS = 3600
    YIELD_EVERY = 50

    def __init__(self, layer, loop, key):
        # Holding the layer and the loop keeps their ids (the key) from being reused.
        self.layer, self.loop, self.key = layer, loop, key
        self.sockets: dict[int, set[NotificationConsumer]] = {}
        self.channel = None
        self.tasks: list[asyncio.Task] = []
        self.lock = asyncio.Lock()

    @classmethod
    def of(cls, layer) -> "Fanout":
        loop = asyncio.get_running_loop()
        key = (id(layer), id(loop))
        if key not in cls._running:
            cls._running[key] = cls(layer, loop, key)
        return cls._running[key]

    async def add(self, consumer) -> None:
        async with self.lock:
            if self.channel is None:
                channel = await self.layer.new_channel()
                await self.layer.group_add(FANOUT_GROUP, channel)
                self.channel = channel
                self.tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._renew())]
            self.sockets.setdefault(consumer.user_pk, set()).add(consumer)

    async def remove(self, consumer, user_pk) -> None:
        async with self.lock:
            sockets = self.sockets.get(user_pk, set())
            sockets.discard(consumer)
            if not sockets:
                self.sockets.pop(user_pk, None)
            if not self.sockets:
                await self._stop()

    async def _stop(self) -> None:
        """With its last socket gone, the process leaves the group (no one to tell)."""
        if self._running.get(self.key) is self:
            del self._running[self.key]
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()
        self.tasks = []
        channel, self.channel = self.channel, None
        if channel is not None:
            try:
                await self.layer.group_discard(FANOUT_GROUP, channel)
            except Exception:
                logger.exception("No se pudo retirar el proceso del grupo de avisos en vivo")

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.RENEW_SECONDS)
            try:
                await self.layer.group_add(FANOUT_GROUP, self.channel)
            except Exception:
                logger.exception("No se pudo renovar la suscripción a los avisos en vivo")

    async def _listen(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The layer is down: what comes meanwhile is lost, so the sockets close
                # (1011: the pages reconnect, then fetch what they missed).
                logger.exception("Se perdió la conexión con la capa de canales: se cierran los sockets en vivo")
                await self._close_all()
                return
            try:
                await self.hand_out(message)
            except Exception:
                logger.exception("Aviso en vivo mal formado ignorado")

    async def hand_out(self, message: dict) -> None:
        """Each socket gets the frames addressed to its user, in order; a failing socket
        is logged and the others still get theirs. Every YIELD_EVERY sockets the event
        loop gets a turn (writes go out, the worker's other requests are served)."""
        if message.get("type") != "fanout":
            logger.warning("Aviso en vivo de tipo desconocido ignorado: %.40r", message.get("type"))
            return
        served = 0
        for frames, user_ids in message.get("deliveries") or ():
            for user_id in user_ids:
                for consumer in list(self.sockets.get(user_id, ())):
                    try:
                        await consumer.forward(frames)
                    except Exception:
                        logger.exception("No se pudo enviar un aviso en vivo al usuario %s", user_id)
                    served += 1
                    if served % self.YIELD_EVERY == 0:
                        await asyncio.sleep(0)

    async def _close_all(self) -> None:
        for consumer in [consumer for sockets in list(self.sockets.values()) for consumer in sockets]:
            try:
                await consumer.close(code=1011)
            except Exception:
                logger.exception("Error al cerrar un socket")
        async with self.lock:
            self.sockets.clear()
            await self._stop()


class NotificationConsumer(AsyncWebsocketConsumer):
    user_pk: int | None = None
    session_hash = ""
    accepted = False  # frames may go out only once the handshake is answered
    fanout: Fanout | None = None

    # --- connection ----------------------------------------------------------------------

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            logger.info("Socket anónimo rechazado")
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(self._still_allowed)(user.pk):
            logger.info("Socket rechazado: el usuario %s ya no está activo o su sesión terminó", user.pk)
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_pk = user.pk
        self.group = user_group(user.pk)
        self.received = deque()
        self.last_check = time.monotonic()
        session = self.scope.get("session")
        self.session_hash = session_digest(getattr(session, "session_key", None) if session is not None else None)
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
            self.fanout = Fanout.of(self.channel_layer)
            await self.fanout.add(self)
        except Exception:
            logger.exception("No se pudo unir el socket del usuario %s a su grupo", user.pk)
            await self._leave()
            await self.close(code=1011)
            return
        await self.accept()
        self.accepted = True

    async def disconnect(self, code):
        await self._leave()

    async def _leave(self):
        """Out of the user's group and the process's fan-out: nothing reaches it any more."""
        user_pk, self.user_pk = self.user_pk, None
        if user_pk is None:
            return
        fanout, self.fanout = self.fanout, None
        try:
            if fanout is not None:
                await fanout.remove(self, user_pk)
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception:
            logger.exception("No se pudo sacar un socket cerrado de su grupo")

    # --- what the client may say -----------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.user_pk is None:
            return
        if self._flooding():
            logger.warning("Socket del usuario %s cerrado: demasiados mensajes", self.user_pk)
            await self._close(CLOSE_FLOOD)
            return
        message = self._parse(text_data, bytes_data)
        if message is None:
            return
        if await self._periodic_check_failed():
            return
        await self.send(text_data=json.dumps({"type": "pong"}))

    def _flooding(self) -> bool:
        limit = _setting("NOTIFICATIONS_WS_MAX_MESSAGES", 30)
        window = _setting("NOTIFICATIONS_WS_WINDOW_SECONDS", 10)
        now = time.monotonic()
        self.received.append(now)
        while self.received and now - self.received[0] > window:
            self.received.popleft()
        return len(self.received) > limit

    def _parse(self, text_data, bytes_data):
        """The one message a client may send is {"type": "ping"}; log and drop the rest."""
        max_size = _setting("NOTIFICATIONS_WS_MAX_FRAME", 1024)
        if text_data is None:
            logger.warning("Socket del usuario %s: mensaje binario ignorado", self.user_pk)
            return None
        if len(text_data) > max_size:
            logger.warning("Socket del usuario %s: mensaje de %d caracteres ignorado", self.user_pk, len(text_data))
            return None
        try:
            message = json.loads(text_data)
        except ValueError:
            logger.warning("Socket del usuario %s: JSON mal formado ignorado: %.80r", self.user_pk, text_data)
            return None
        if not isinstance(message, dict) or message.get("type") != "ping":
            logger.warning("Socket del usuario %s: mensaje desconocido ignorado: %.80r", self.user_pk, text_data)
            return None
        return message

    # --- events from the server ------------------------------------------------------------

    async def dispatch(self, message):
        """Events from the server touch no database: handled here directly, without the
        trip to the database thread that channels makes before every handler (its
        `close_old_connections`; the periodic check's reads still make it). An event of
        a type this consumer does not know is logged and dropped, never fatal."""
        kind = message.get("type")
        if kind == "relay":
            await self.relay(message)
        elif kind == "force_close":
            await self.force_close(message)
        elif isinstance(kind, str) and kind.startswith("websocket."):
            await super().dispatch(message)
        else:
            logger.warning("Socket del usuario %s: evento desconocido ignorado: %.40r", self.user_pk, kind)

    async def relay(self, event):
        """Frames sent to this user's own group (payloads.live_message)."""
        await self.forward(event.get("frames"))

    async def forward(self, frames):
        """Send frames composed for this user at the sender, as they are."""
        if self.user_pk is None or not self.accepted:
            return
        for frame in frames or ():
            if isinstance(frame, str):
                await self.send(text_data=frame)

    async def force_close(self, event):
        if self.user_pk is None:
            return
        ended = event.get("session") or ""
        if ended and self.session_hash and ended != self.session_hash:
            return  # the person logged out on another device; this session still stands
        logger.info("Socket del usuario %s cerrado: %s", self.user_pk, event.get("reason", ""))
        await self._close(CLOSE_FORCED)

    async def _close(self, code):
        """Tell the page why (it then stops reconnecting), leave the groups, close."""
        try:
            await self.send(text_data=json.dumps({"type": "force_close"}))
        except Exception:
            logger.exception("Error al cerrar un socket")
        await self._leave()
        await self.close(code=code)

    async def _periodic_check_failed(self) -> bool:
        """A socket outlives nothing it depends on: every so often (and on pings), check
        that the user is active and the session it connected with still stands."""
        interval = _setting("NOTIFICATIONS_WS_RECHECK_SECONDS", 60)
        if time.monotonic() - self.last_check < interval:
            return False
        self.last_check = time.monotonic()
        try:
            if await database_sync_to_async(self._still_allowed)(self.user_pk):
                return False
        except Exception:
            logger.exception("No se pudo comprobar la sesión del usuario %s", self.user_pk)
            return False
        await self._close(CLOSE_FORCED)
        return True

    # --- database reads (in a worker thread) -----------------------------------------------

    def _still_allowed(self, user_pk) -> bool:
        if not get_user_model().objects.filter(pk=user_pk, is_active=True).exists():
            return False
        return self._session_stands(user_pk)

    def _session_stands(self, user_pk) -> bool:
        """When the socket came with a session (the browser's), it must still be alive and
        still be this user's: logged out elsewhere or expired means closed here too."""
        session = self.scope.get("session")
        key = getattr(session, "session_key", None) if session is not None else None
        if key is None:
            return True  # no session in the scope: the user was given directly (tests, tools)
        data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).load()
        return str(data.get(SESSION_KEY, "")) == str(user_pk)
