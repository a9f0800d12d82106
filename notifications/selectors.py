"""Reads of notifications. A person only ever reads their own, and only those about
requests they may still see; each function runs a fixed number of queries."""

from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils.translation import gettext as _

from workflows.models import MaterialRequest
from workflows.permissions import objects_visible_to

from .models import Kind, Notification, NotificationPreference

STATUSES = ("unread", "read")
# How many notifications one catch-up answer carries at most (after a long disconnection
# the inbox page, not the live update, is where to read the rest).
CATCH_UP_LIMIT = 50


def _own(user):
    """The user's notifications whose request (if any) they may still see: one query,
    the visibility check being a subquery on django-guardian's tables."""
    if not user.is_authenticated:
        return Notification.objects.none()
    visible = objects_visible_to(user).values("pk")
    return Notification.objects.filter(recipient=user).filter(Q(request__isnull=True) | Q(request__in=visible))


def unread_count(user) -> int:
    return _own(user).filter(read_at__isnull=True).count()


def bell(user) -> dict:
    """The header's bell: how many are unread, and the newest id the page knows of (the
    live script catches up from there). One query."""
    if not user.is_authenticated:
        return {"unread": 0, "last_id": 0}
    totals = _own(user).aggregate(unread=Count("pk", filter=Q(read_at__isnull=True)), last_id=Max("pk"))
    return {"unread": totals["unread"], "last_id": totals["last_id"] or 0}


def notifications_for(user, *, status: str | None = None, kind: str | None = None):
    """The user's notifications, newest first. `status` is "unread", "read" or None (all);
    an unknown status or kind raises ValueError with a Spanish message."""
    if status not in (None, "", *STATUSES):
        raise ValueError(_("Estado de notificación desconocido: use «unread» o «read»."))
    if kind not in (None, "") and kind not in Kind.values:
        raise ValueError(_("Tipo de notificación desconocido."))
    notifications = _own(user).select_related("request", "actor")
    if status == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    elif status == "read":
        notifications = notifications.filter(read_at__isnull=False)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications.order_by("-created_at", "-pk")


def notifications_after(user, last_id: int, *, limit: int = CATCH_UP_LIMIT) -> list[Notification]:
    """Those created after `last_id` (what a page missed while its socket was down),
    newest first, at most `limit`."""
    return list(_own(user).filter(pk__gt=last_id).select_related("request").order_by("-pk")[:limit])


def visible_notification(user, notification_id) -> Notification | None:
    """One notification, if it is the user's and its request is still visible to them."""
    return _own(user).filter(pk=notification_id).select_related("request").first()


def preferences_for(user) -> NotificationPreference:
    """The user's preferences; the defaults (unsaved) when they never chose."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference if preference is not None else NotificationPreference(user=user)


def request_state(user, pk) -> MaterialRequest:
    """The request's state, for a page that reconnects; 404 if it is not visible to the user."""
    material_request = objects_visible_to(user).filter(pk=pk).only("pk", "kind", "state", "revision").first()
    if material_request is None:
        raise Http404(_("No existe la solicitud o no tiene acceso a ella."))
    return material_request
