"""Receivers that close the live sockets of people who leave.

A socket keeps the user it connected with (DESIGN.md), so nothing else would end it:

- logout: Django's `user_logged_out` is the only place that hears of every logout (its
  own view, the admin's, a test client's). Only the sockets of the session that ended
  close; the same person's other devices stay connected.
- deactivation: `is_active` becomes False in the admin's user form, in a shell or in a
  future service; a `post_save` receiver on the user model hears all of them without
  each caller remembering. It writes nothing, it only sends the hint after commit.
  (A queryset `.update(is_active=False)` sends no signal: the consumer also re-reads
  `is_active` on every event and at least once a minute while the page pings.)
"""

import hashlib

from .services import close_sockets


def session_digest(session_key: str | None) -> str:
    """What identifies a session on the channel layer without carrying its key."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def on_logout(sender, request, user, **kwargs):
    if user is None or user.pk is None:
        return
    session = getattr(request, "session", None)
    close_sockets(user.pk, "logout", session=session_digest(getattr(session, "session_key", None)))


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if raw or created or instance.is_active:
        return
    close_sockets(instance.pk, "deactivated")
