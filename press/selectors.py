"""Reads of the press archive and the media monitoring log. Each runs a fixed number of
queries, whatever the data size."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from .models import Coverage, Tone


@dataclass
class CoverageSummary:
    """Coverage found between two dates, both inclusive."""

    total: int = 0
    # Every tone present, zero when none: {"positive": n, "neutral": n, "negative": n}.
    by_tone: dict = field(default_factory=dict)
    # [(medium, count)], by count descending, then by name.
    by_medium: list = field(default_factory=list)
    # [(request id, reference, title, count)] for coverage tied to a request, by count
    # descending, then by reference.
    by_request: list = field(default_factory=list)
    start: date | None = None
    end: date | None = None


def coverage_summary(start: date, end: date) -> CoverageSummary:
    """Coverage between `start` and `end` (both inclusive) counted by tone, medium and
    request: three queries, whatever the number of items. Not filtered by user: callers
    (the summary page, the monthly report) decide who may read it."""
    items = Coverage.objects.filter(published_on__gte=start, published_on__lte=end)
    by_tone = {tone.value: 0 for tone in Tone}
    for row in items.values("tone").annotate(n=Count("pk")).order_by():
        by_tone[row["tone"]] = row["n"]
    by_medium = [
        (row["medium"], row["n"]) for row in items.values("medium").annotate(n=Count("pk")).order_by("-n", "medium")
    ]
    by_request = [
        (row["request_id"], row["request__reference"], row["request__title"], row["n"])
        for row in items.filter(request__isnull=False)
        .values("request_id", "request__reference", "request__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "request__reference")
    ]
    return CoverageSummary(
        start=start, end=end, total=sum(by_tone.values()), by_tone=by_tone, by_medium=by_medium, by_request=by_request
    )
