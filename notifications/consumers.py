"""The live socket: a hint that something new is in the database, nothing more.

Each socket joins exactly one group, its user's ("user-<pk>"), never one named by the
client. What reaches that group was decided at the sender, inside the transaction of the
change (notifications.services: who may see it, as that transaction's permissions say,
and what they are told), so the consumer forwards it as it is, without reading the
database: one push to 500 sockets is 500 frames, not 500 queries queued on the one
thread that channels gives the ORM. The socket itself is checked at connection and then
every so often (on the page's pings): the user still active and the session it came
with still alive. Logout and deactivation close it at once. The client may only ping;
anything else is logged and ignored, and a flood closes the socket.
"""

import json
import logging
import time
from collections import deque
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

from .services import user_group
from .signals import session_digest

logger = logging.getLogger("notifications")

# Close codes (4000-4999 are the application's): the script does not reconnect after these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORCED = 4403
CLOSE_FLOOD = 4429


def _setting(name, default):
    return getattr(settings, name, default)


class NotificationConsumer(AsyncWebsocketConsumer):
    user_pk: int | None = None
    session_hash = ""
    accepted = False  # frames may go out only once the handshake is answered

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
        except Exception:
            logger.exception("No se pudo unir el socket del usuario %s a su grupo", user.pk)
            self.user_pk = None
            await self.close(code=1011)
            return
        await self.accept()
        self.accepted = True

    async def disconnect(self, code):
        if self.user_pk is not None:
            self.user_pk = None
            try:
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
        """Forward the frames composed for this user at the sender (services.deliver)."""
        if self.user_pk is None or not self.accepted:
            return
        for frame in event.get("frames") or ():
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
        """Tell the page why (it then stops reconnecting), leave the group, close."""
        self.user_pk = None
        try:
            await self.send(text_data=json.dumps({"type": "force_close"}))
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception:
            logger.exception("Error al cerrar un socket")
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
