"""Where the current action comes from (IP, browser, request id), for the audit log.

A context variable rather than a thread-local: it follows the request through
async views and sync_to_async hops alike.
"""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""
    # The request's user (Django's lazy object), for changes made by code that is not
    # given an actor, such as group membership edited in the admin.
    user: object = None

    def acting_user(self):
        user = self.user
        return user if user is not None and getattr(user, "is_authenticated", False) else None


_EMPTY = AuditContext()
_current = contextvars.ContextVar("audit_context", default=_EMPTY)


def current() -> AuditContext:
    return _current.get()


def activate(context: AuditContext):
    return _current.set(context)


def deactivate(token) -> None:
    _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex
