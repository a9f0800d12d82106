from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import AuditEvent
from .services import chain_for


def events_for(obj):
    """The trail of one object, oldest first, with the actor joined in."""
    return AuditEvent.objects.filter(chain=chain_for(obj)).select_related("actor", "on_behalf_of").order_by("sequence")


# --- the audit log pages and exports --------------------------------------------------------

# The log counts its matches only up to here: an exact count of millions of rows would
# cost more than the page itself; past the cap the page says "more than".
COUNT_CAP = 10_000
PAGE_SIZE = 50


def filtered_events(
    *,
    user=None,
    action: str = "",
    unit=None,
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    reference: str = "",
    request=None,
):
    """Events matching the log's filters, unordered. Dates are days in the local time zone,
    turned into a range over `occurred_at` (UTC) so the column's index serves them."""
    events = AuditEvent.objects.all()
    if user is not None:
        events = events.filter(Q(actor=user) | Q(on_behalf_of=user))
    if action:
        events = events.filter(action=action)
    if unit is not None:
        events = events.filter(unit=unit)
    if kind:
        events = events.filter(request_kind=kind)
    if date_from:
        events = events.filter(occurred_at__gte=_start_of(date_from))
    if date_to and date_to < date.max:  # the last day there is bounds nothing
        events = events.filter(occurred_at__lt=_start_of(date_to + timedelta(days=1)))
    if reference:
        events = events.filter(reference__icontains=reference)
    if request is not None:
        events = events.filter(chain=chain_for(request))
    return events


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class LogPage:
    events: list
    count: int  # matches, up to COUNT_CAP
    count_capped: bool  # there are more than COUNT_CAP
    newer: int | None  # the cursor for the page of newer events, if any (?after=)
    older: int | None  # the cursor for the page of older events, if any (?before=)


def log_page(filters: dict, *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE) -> LogPage:
    """One page of the log, newest first, by keyset (occurred_at, pk): whatever the page,
    the query walks the occurred_at index from the cursor and reads `size + 1` rows, where
    an OFFSET would read every row before it. Three queries at most."""
    events = filtered_events(**filters)
    counted = events.order_by()[: COUNT_CAP + 1].count()
    cursor = before or after
    anchor = AuditEvent.objects.filter(pk=cursor).values_list("occurred_at", flat=True).first() if cursor else None
    rows = events.select_related("actor", "on_behalf_of", "unit")
    if anchor is None:
        page = list(rows.order_by("-occurred_at", "-pk")[: size + 1])
        has_newer, has_older = False, len(page) > size
        page = page[:size]
    elif before:
        # The bound on occurred_at alone keeps the scan on the index; the OR settles ties.
        page = list(
            rows.filter(Q(occurred_at__lte=anchor), Q(occurred_at__lt=anchor) | Q(pk__lt=before)).order_by(
                "-occurred_at", "-pk"
            )[: size + 1]
        )
        has_newer, has_older = True, len(page) > size
        page = page[:size]
    else:
        page = list(
            rows.filter(Q(occurred_at__gte=anchor), Q(occurred_at__gt=anchor) | Q(pk__gt=after)).order_by(
                "occurred_at", "pk"
            )[: size + 1]
        )
        has_newer, has_older = len(page) > size, True
        page = page[:size][::-1]
    return LogPage(
        events=page,
        count=min(counted, COUNT_CAP),
        count_capped=counted > COUNT_CAP,
        newer=page[0].pk if page and has_newer else None,
        older=page[-1].pk if page and has_older else None,
    )


EXPORT_FIELDS = (
    "occurred_at",
    "actor_username",
    "actor__first_name",
    "actor__last_name",
    "on_behalf_of__username",
    "on_behalf_of__first_name",
    "on_behalf_of__last_name",
    "action",
    "reference",
    "object_type",
    "object_id",
    "unit__name",
    "request_kind",
    "from_state",
    "to_state",
    "comment",
    "version_hash",
    "data",
    "ip_address",
    "user_agent",
    "request_id",
    "chain",
    "sequence",
    "prev_hash",
    "hash",
)


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def export_rows(filters: dict, *, up_to: int, chunk_size: int = 2000):
    """The filtered events up to event `up_to`, oldest first, as tuples of EXPORT_FIELDS,
    fetched `chunk_size` rows at a time (a server-side cursor on PostgreSQL): never a list
    of them all."""
    return (
        filtered_events(**filters)
        .filter(pk__lte=up_to)
        .order_by("occurred_at", "pk")
        .values_list(*EXPORT_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
