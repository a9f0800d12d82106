"""Reads of notifications. A person only ever reads their own, and never the content of
one about a request they may no longer see; each function runs a fixed number of queries.

"Unread" means neither read nor done: a notification whose task someone did no longer
counts (notifications.asks.done, derived from the decisions in the same statement, never a
query per row), and every list says of each row whether it is done (`is_done`).

Visibility is checked only for the rows a page shows: a page of the person's own rows is
read first (an index on the recipient answers it, however many they have), then one query
tells which of the page's requests they may still see. Counts read the person's own rows
alone: those notifications were addressed to them, and how many are unread tells nothing
of a request's content. What could grow with the data (the list's total) is capped.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.models import MaterialRequest
from workflows.permissions import objects_visible_to

from .asks import done
from .models import Kind, Notification, NotificationPreference

STATUSES = ("unread", "read")
# How many notifications one catch-up answer carries at most (after a long disconnection
# the inbox page, not the live update, is where to read the rest).
CATCH_UP_LIMIT = 50
PAGE_SIZE = 20
# The list says "más de 1000" past this: counting further would read every row.
COUNT_CAP = 1_000
# What a notification about a request the person may no longer see shows instead of its
# message (its title and content are not theirs to read any more).
HIDDEN_MESSAGE = gettext_lazy("Notificación sobre una solicitud a la que ya no tiene acceso.")


def _own(user):
    """The user's own notifications, visible or not: callers that show one must check its
    request with `_hide_invisible` (or omit it), and say whether it is done (`_shown`)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def _shown(notifications):
    """The rows a page shows, each with `is_done` (in the same statement: never a query
    per row). Counts leave it out."""
    return notifications.annotate(is_done=done())


def unread(notifications):
    """Those neither read nor done: what the bell counts."""
    return notifications.filter(read_at__isnull=True).exclude(done())


def unread_of(recipient):
    """How many unread notifications `recipient` (an expression: OuterRef("pk") of a
    query over users) has, as a subquery: the bell's count, on an index of their rows."""
    return Subquery(
        unread(Notification.objects.filter(recipient=recipient))
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )


def visible_request_ids(user, request_ids) -> set[int]:
    """Which of these requests the user may still see: one query (none for an empty
    list), restricted to those ids."""
    wanted = {pk for pk in request_ids if pk is not None}
    if not wanted or not user.is_authenticated:
        return set()
    return set(objects_visible_to(user, among=wanted).order_by().values_list("pk", flat=True))


def _hide_invisible(user, notifications: list[Notification]) -> list[Notification]:
    """Marks each notification `hidden` when its request is no longer visible to the user,
    and blanks its message and link in memory (never saved): one query."""
    visible = visible_request_ids(user, {item.request_id for item in notifications})
    for item in notifications:
        item.hidden = item.request_id is not None and item.request_id not in visible
        if item.hidden:
            item.message, item.url = str(HIDDEN_MESSAGE), ""
    return notifications


def unread_count(user) -> int:
    """How many of the user's own notifications are unread (neither read nor done)."""
    if not user.is_authenticated:
        return 0
    return unread(Notification.objects.filter(recipient=user)).count()


def bell(user) -> dict:
    """The header's bell: how many are unread, and the newest id the page knows of (the
    live script catches up from there). One query, two index lookups."""
    if not user.is_authenticated:
        return {"unread": 0, "last_id": 0}
    newest = Notification.objects.filter(recipient=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    totals = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(unread=Coalesce(unread_of(OuterRef("pk")), 0), last_id=Coalesce(Subquery(newest), 0))
        .first()
    )
    return totals or {"unread": 0, "last_id": 0}


def notifications_for(user, *, status: str | None = None, kind: str | None = None):
    """The user's own notifications, newest first (by id: the order they were written in,
    which the live page follows too), as a queryset: visibility is NOT checked here, so
    pages read them through `notification_page`. `status` is "unread" (what the bell
    counts: neither read nor done), "read" (the others) or None (all); an unknown status
    or kind raises ValueError with a Spanish message."""
    if status not in (None, "", *STATUSES):
        raise ValueError(_("Estado de notificación desconocido: use «unread» o «read»."))
    if kind not in (None, "") and kind not in Kind.values:
        raise ValueError(_("Tipo de notificación desconocido."))
    notifications = _own(user)
    if status == "unread":
        notifications = unread(notifications)
    elif status == "read":
        notifications = notifications.filter(Q(read_at__isnull=False) | Q(done()))
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications.order_by("-pk")


@dataclass
class NotificationPage:
    items: list  # newest first; each with `hidden` set
    count: int  # matches, up to COUNT_CAP
    count_capped: bool  # there are more than COUNT_CAP
    newer: int | None  # the cursor of the page of newer ones, if any (?despues=)
    older: int | None  # the cursor of the page of older ones, if any (?antes=)

    @property
    def last_id(self) -> int:
        return max((item.pk for item in self.items), default=0)


def notification_page(
    user,
    *,
    status: str | None = None,
    kind: str | None = None,
    before: int | None = None,
    after: int | None = None,
    size: int | None = None,
) -> NotificationPage:
    """One page of the user's notifications, newest first, by keyset on the id: whatever
    the page, the query walks the recipient's index from the cursor and reads `size + 1`
    rows. Three queries: the capped count, the page, the visibility of its requests.
    A notification about a request the user may no longer see stays in its place (so the
    unread count and the list agree, and it can be marked read) but shows neither its
    message nor its link."""
    size = size or PAGE_SIZE
    notifications = notifications_for(user, status=status, kind=kind)
    counted = notifications.order_by()[: COUNT_CAP + 1].count()
    notifications = _shown(notifications)
    if after:
        rows = list(notifications.filter(pk__gt=after).order_by("pk")[: size + 1])
        has_newer, has_older = len(rows) > size, True
        rows = rows[:size][::-1]
    else:
        if before:
            notifications = notifications.filter(pk__lt=before)
        rows = list(notifications[: size + 1])
        has_newer, has_older = bool(before), len(rows) > size
        rows = rows[:size]
    _hide_invisible(user, rows)
    return NotificationPage(
        items=rows,
        count=min(counted, COUNT_CAP),
        count_capped=counted > COUNT_CAP,
        newer=rows[0].pk if rows and has_newer else None,
        older=rows[-1].pk if rows and has_older else None,
    )


def notifications_after(user, last_id: int, *, limit: int = CATCH_UP_LIMIT) -> list[Notification]:
    """Those created after `last_id` (what a page missed while its socket was down),
    newest first, at most `limit`; those about a request the user may no longer see are
    left out. Two queries."""
    rows = list(_shown(_own(user)).filter(pk__gt=last_id).order_by("-pk")[:limit])
    return [item for item in _hide_invisible(user, rows) if not item.hidden]


def visible_notification(user, notification_id) -> Notification | None:
    """One notification, if it is the user's and its request is still visible to them."""
    notification = _shown(_own(user)).filter(pk=notification_id).select_related("request").first()
    if notification is None or _hide_invisible(user, [notification])[0].hidden:
        return None
    return notification


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
