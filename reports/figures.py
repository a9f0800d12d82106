"""The figures of the monthly report and of the memoria anual: a pure read (a selector),
a fixed number of queries whatever the data size, returning plain JSON-ready data that
the report freezes (canonical JSON) and renders.

Where the times come from. A request's own timestamps are a cache of its newest
decisions, overwritten as it moves: `submitted_at` is the *last* submission (a request
observed and sent again gets a new one) and `approved_at` is cleared when an edit sends
the request back to approval. Every state change is a write-once decision
(`workflows.Decision`, written in the transition's own transaction and vouched for by its
audit event), a redone step included. So every time here is a decision's `created_at`:

- *received* in the period: the request's first `submit` decision falls in it;
- *approved* in the period: an `approve` (or `urgent_publish`, which approves and publishes
  at once) decision falls in it; counted once per request;
- *published* in the period: a `publish` or `urgent_publish` decision falls in it;
- *days to approval*: from the first `submit` to the last approval decision in the period;
  *days to publication*: from the first `submit` to the publication decision; both in
  calendar days (elapsed time / 24 h), the median over the requests approved (published)
  in the period, rounded to one decimal;
- *later review* of an urgent publication: its `post_review` decision, whenever it came.

Transparency requests come from the register (transparency): those received in the
period, each with whether its deadline was met. Only an entry still open depends on the
day the figures are taken (`today`), and only then is that day part of the figures.
"""

import statistics
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone, translation

from organization.models import Unit
from organization.selectors import municipality_facts
from press.models import Tone
from press.selectors import coverage_summary
from transparency.models import OPEN_STATES as TRANSPARENCY_OPEN_STATES
from transparency.models import TransparencyRequest
from workflows.models import Decision, Kind, MaterialRequest, State

from .periods import Period

# 2: the tables fit their words (reports.rendering); 1: rendered with fixed widths.
SCHEMA = 2
SUBMIT = "submit"
APPROVE = "approve"
PUBLISH = "publish"
URGENT_PUBLISH = "urgent_publish"
POST_REVIEW = "post_review"
APPROVALS = (APPROVE, URGENT_PUBLISH)
PUBLICATIONS = (PUBLISH, URGENT_PUBLISH)
# A decision of one of these in the period brings its request into the report.
PERIOD_ACTIONS = (SUBMIT, APPROVE, PUBLISH, URGENT_PUBLISH)
TRACKED_ACTIONS = (*PERIOD_ACTIONS, POST_REVIEW)
SECONDS_PER_DAY = Decimal(86_400)
SYSTEM = "Sistema (tarea programada)"


class Deadline:
    """Whether a transparency request's deadline was met."""

    ON_TIME = "on_time"
    LATE = "late"
    OPEN_IN_TIME = "open_in_time"
    OPEN_OVERDUE = "open_overdue"
    CLOSED_UNANSWERED = "closed_unanswered"

    LABELS = {
        ON_TIME: "Respondida dentro del plazo",
        LATE: "Respondida fuera de plazo",
        OPEN_IN_TIME: "En trámite, dentro del plazo",
        OPEN_OVERDUE: "En trámite, plazo vencido",
        CLOSED_UNANSWERED: "Archivada sin respuesta (no corre plazo)",
    }
    ORDER = (ON_TIME, LATE, OPEN_IN_TIME, OPEN_OVERDUE, CLOSED_UNANSWERED)


TONE_LABELS = {Tone.POSITIVE.value: "Positivo", Tone.NEUTRAL.value: "Neutral", Tone.NEGATIVE.value: "Negativo"}


def median_days(durations: list[timedelta]) -> float | None:
    """The median of the durations in days, rounded half up to one decimal; None for none."""
    if not durations:
        return None
    median_seconds = statistics.median(sorted(duration.total_seconds() for duration in durations))
    days = Decimal(str(median_seconds)) / SECONDS_PER_DAY
    return float(days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def deadline_status(entry: TransparencyRequest, today: date) -> str:
    due = entry.current_due_on
    if entry.answered_at is not None:  # answered or denied (and perhaps archived since)
        return Deadline.ON_TIME if timezone.localtime(entry.answered_at).date() <= due else Deadline.LATE
    if entry.state in TRANSPARENCY_OPEN_STATES:
        return Deadline.OPEN_OVERDUE if today > due else Deadline.OPEN_IN_TIME
    return Deadline.CLOSED_UNANSWERED


def _person(first: str | None, last: str | None, username: str) -> str:
    name = f"{first or ''} {last or ''}".strip()
    return name or username or SYSTEM


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def compute(period: Period, *, today: date | None = None) -> dict:
    """Every figure of the report for `period`, as plain data (see the module docstring
    for how each is counted). `today` (by default the local date) only decides whether an
    open transparency request is still within its deadline."""
    today = today or timezone.localdate()
    with translation.override("es"):
        return _compute(period, today)


def _compute(period: Period, today: date) -> dict:
    start_at, end_at = period.start_at, period.end_at

    def within(moment: datetime) -> bool:
        return start_at <= moment < end_at

    in_period = Decision.objects.filter(
        action__in=PERIOD_ACTIONS, created_at__gte=start_at, created_at__lt=end_at
    ).values("request_id")
    # 1. Every tracked decision of the requests the period touches, whenever it was taken
    # (the first submission may precede the period; the later review may follow it).
    decisions = (
        Decision.objects.filter(action__in=TRACKED_ACTIONS, request_id__in=in_period)
        .order_by("created_at", "audit_event_id")
        .values(
            "request_id",
            "action",
            "created_at",
            "by_system",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
        )
    )
    first_submit, approvals, publications, urgent, reviews = {}, {}, {}, {}, {}
    for decision in decisions:
        pk, action, moment = decision["request_id"], decision["action"], decision["created_at"]
        who = (
            SYSTEM
            if decision["by_system"]
            else _person(decision["actor__first_name"], decision["actor__last_name"], decision["actor__username"] or "")
        )
        if action == SUBMIT:
            first_submit.setdefault(pk, moment)
        elif action == POST_REVIEW:
            reviews.setdefault(pk, (moment, who))
        if within(moment):
            if action in APPROVALS:
                approvals[pk] = moment  # in time order: the last approval in the period stands
            if action in PUBLICATIONS:
                publications[pk] = moment
            if action == URGENT_PUBLISH:
                urgent[pk] = (moment, who)

    # 2. Those requests.
    requests = {
        row["pk"]: row
        for row in MaterialRequest.objects.filter(pk__in=in_period).values(
            "pk",
            "reference",
            "title",
            "kind",
            "unit_id",
            "unit__name",
            "state",
            "publication_date",
            "publication_channel",
            "urgent_reason",
        )
    }
    received = [pk for pk, moment in first_submit.items() if within(moment) and pk in requests]

    # 3. The units (every active one, so a unit that asked for nothing shows a zero).
    units = {row["pk"]: row["name"] for row in Unit.objects.filter(is_active=True).values("pk", "name")}

    facts = municipality_facts()
    figures = {
        "schema": SCHEMA,
        # 4. The municipality's name, for the document's header.
        "municipality": facts["name"],
        # And its coat of arms, when the administrator uploaded one.
        **({"logo": facts["logo"]} if facts["logo"] else {}),
        "period": {
            "kind": str(period.kind),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
            "title": period.title,
        },
        "received": _received(received, requests, units),
        "approved": len(approvals),
        "published": len(publications),
        "median_days": {
            "to_approval": median_days(
                [moment - first_submit[pk] for pk, moment in approvals.items() if pk in first_submit]
            ),
            "to_approval_count": sum(1 for pk in approvals if pk in first_submit),
            "to_publication": median_days(
                [moment - first_submit[pk] for pk, moment in publications.items() if pk in first_submit]
            ),
            "to_publication_count": sum(1 for pk in publications if pk in first_submit),
        },
        "urgent": _urgent(urgent, reviews, requests),
        # 5. The transparency register (one query).
        "transparency": _transparency(period, today),
        # 6. Media coverage (press.selectors: a fixed number of queries).
        "coverage": _coverage(period),
        "published_list": _published_list(publications, set(urgent), requests),
    }
    return figures


def _kind_labels() -> dict:
    return {kind.value: str(kind.label) for kind in Kind}


def _received(received: list[int], requests: dict, units: dict) -> dict:
    kinds = [kind.value for kind in Kind]
    counts: dict[int, dict[str, int]] = {}
    names = dict(units)
    for pk in received:
        row = requests[pk]
        names.setdefault(row["unit_id"], row["unit__name"])
        per_kind = counts.setdefault(row["unit_id"], dict.fromkeys(kinds, 0))
        per_kind[row["kind"]] += 1
    by_unit = []
    for unit_id, name in sorted(names.items(), key=lambda item: (item[1], item[0])):
        per_kind = counts.get(unit_id, dict.fromkeys(kinds, 0))
        by_unit.append({"unit": name, "counts": per_kind, "total": sum(per_kind.values())})
    by_kind = {kind: sum(row["counts"][kind] for row in by_unit) for kind in kinds}
    # Orders are lists, never dict keys: the frozen figures are canonical JSON (sorted keys),
    # and the document must read the same from them as from the fresh ones.
    kinds_in_order = [[kind, label] for kind, label in _kind_labels().items()]
    return {"total": len(received), "kinds": kinds_in_order, "by_kind": by_kind, "by_unit": by_unit}


def _urgent(urgent: dict, reviews: dict, requests: dict) -> list[dict]:
    rows = []
    for pk, (moment, who) in sorted(urgent.items(), key=lambda item: (item[1][0], requests[item[0]]["reference"])):
        row = requests[pk]
        review = reviews.get(pk)
        rows.append(
            {
                "reference": row["reference"],
                "title": row["title"],
                "unit": row["unit__name"],
                "published_at": _local(moment),
                "published_by": who,
                "reason": row["urgent_reason"],
                "reviewed": review is not None,
                "reviewed_at": _local(review[0]) if review else None,
                "reviewed_by": review[1] if review else None,
            }
        )
    return rows


def _transparency(period: Period, today: date) -> dict:
    # Only what the report shows: no personal data of the requester leaves the register.
    entries = (
        TransparencyRequest.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .only("reference", "received_at", "state", "response_due_on", "extension_due_on", "answered_at")
        .order_by("received_at", "pk")
    )
    rows, by_status = [], dict.fromkeys(Deadline.ORDER, 0)
    for entry in entries:
        status = deadline_status(entry, today)
        by_status[status] += 1
        rows.append(
            {
                "reference": entry.reference,
                "received_on": timezone.localtime(entry.received_at).date().isoformat(),
                "due_on": entry.current_due_on.isoformat(),
                "extended": entry.extension_due_on is not None,
                "state": entry.get_state_display(),
                "answered_on": timezone.localtime(entry.answered_at).date().isoformat() if entry.answered_at else None,
                "status": status,
                "status_label": Deadline.LABELS[status],
            }
        )
    still_open = by_status[Deadline.OPEN_IN_TIME] + by_status[Deadline.OPEN_OVERDUE]
    return {
        "total": len(rows),
        "by_status": by_status,
        "statuses": [[status, Deadline.LABELS[status]] for status in Deadline.ORDER],
        # The day an open entry's status was judged on; absent when none is open, so a
        # closed period's figures do not change from one day to the next.
        "as_of": today.isoformat() if still_open else None,
        "entries": rows,
    }


def _coverage(period: Period) -> dict:
    summary = coverage_summary(period.start, period.end)
    by_tone = {tone: summary.by_tone.get(tone, 0) for tone in TONE_LABELS}
    return {
        "total": summary.total,
        "by_tone": by_tone,
        "tones": [[tone, label] for tone, label in TONE_LABELS.items()],
        "by_medium": [[medium, count] for medium, count in summary.by_medium],
        "by_request": [[reference, title, count] for _pk, reference, title, count in summary.by_request],
    }


def _published_list(publications: dict, urgent: set, requests: dict) -> list[dict]:
    labels = _kind_labels()
    rows = []
    for pk, _moment in sorted(publications.items(), key=lambda item: (item[1], requests[item[0]]["reference"])):
        row = requests[pk]
        rows.append(
            {
                "reference": row["reference"],
                "title": row["title"],
                "unit": row["unit__name"],
                "kind": row["kind"],
                "kind_label": labels[row["kind"]],
                "published_on": row["publication_date"].isoformat() if row["publication_date"] else None,
                "channel": row["publication_channel"],
                "urgent": pk in urgent,
                "withdrawn": row["state"] == State.WITHDRAWN,
            }
        )
    return rows
