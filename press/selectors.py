"""Reads of the press archive and the media monitoring log. Each runs a fixed number of
queries, whatever the data size."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.http import Http404

from documents.models import DocumentVersion, Reason
from workflows.models import Attachment, Channel, MaterialRequest, State
from workflows.selectors import visible_requests

from . import policies
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


# --- the press archive ------------------------------------------------------------------

# What the archive holds: everything published, and what was published and then withdrawn.
ARCHIVED_STATES = (State.PUBLISHED, State.WITHDRAWN)
PUBLISHED_REASONS = (Reason.PUBLISH, Reason.URGENT_PUBLISH)


def archived_requests(user):
    """Published and withdrawn requests the user may see (guardian's per-object view
    permission, filtered in SQL)."""
    return visible_requests(user).filter(state__in=ARCHIVED_STATES)


def linkable_requests(user):
    """The requests a coverage item may be tied to: published ones the user may see."""
    return archived_requests(user).select_related("unit").order_by("-publication_date", "-pk")


def _channel_q(channel: str) -> Q:
    """A channel planned in the request's details (a JSON list of codes, searched as
    text so SQLite and PostgreSQL agree) or named in the recorded publication channel."""
    quoted = f'"{channel}"'
    label = str(Channel(channel).label)
    return (
        Q(publication_channels_text__contains=quoted)
        | Q(campaign_channels_text__contains=quoted)
        | Q(publication_channel__icontains=label)
    )


def archive_list(
    user, *, kind="", publication_format="", unit=None, channel="", year=None, month=None, search="", state=""
):
    """The archive's entries the user may see, newest publication first. One query for
    the page (plus the paginator's count), whatever the data size."""
    entries = archived_requests(user).select_related("unit", "published_by", "publication_details")
    if kind:
        entries = entries.filter(kind=kind)
    if publication_format:
        entries = entries.filter(publication_details__format=publication_format)
    if unit is not None:
        entries = entries.filter(unit=unit)
    if channel:
        entries = entries.annotate(
            publication_channels_text=Cast("publication_details__channels", TextField()),
            campaign_channels_text=Cast("campaign_details__channels", TextField()),
        ).filter(_channel_q(channel))
    if year:
        entries = entries.filter(publication_date__year=year)
        if month:
            entries = entries.filter(publication_date__month=month)
    if state:
        entries = entries.filter(state=state)
    if search:
        entries = entries.filter(
            Q(reference__icontains=search)
            | Q(title__icontains=search)
            | Q(summary__icontains=search)
            | Q(body__icontains=search)
            | Q(publication_channel__icontains=search)
        )
    return entries.order_by("-publication_date", "-published_at", "-pk")


@dataclass
class ArchiveEntry:
    request: object
    version: object = None  # the published DocumentVersion (the last one if several)
    attachments: list = field(default_factory=list)
    coverage: list = field(default_factory=list)
    tones: dict = field(default_factory=dict)

    @property
    def withdrawn(self) -> bool:
        return self.request.state == State.WITHDRAWN

    @property
    def docx_sha256(self) -> str:
        rendered = getattr(self.version, "rendered", None) if self.version is not None else None
        return rendered.sha256 if rendered is not None else ""


def archive_entries(requests, *, with_coverage=False) -> list[ArchiveEntry]:
    """The page's requests with their published version, attachments and coverage: three
    queries whatever the number of rows (versions, attachments, coverage)."""
    requests = list(requests)
    ids = [r.pk for r in requests]
    if not ids:
        return []
    versions = {}
    for version in (
        DocumentVersion.objects.filter(request_id__in=ids, reason__in=PUBLISHED_REASONS)
        .select_related("rendered", "official")
        .defer("snapshot")
        .order_by("request_id", "number")
    ):
        versions[version.request_id] = version  # the last published version wins
    attachments = {}
    for attachment in Attachment.objects.filter(request_id__in=ids).order_by("request_id", "uploaded_at", "pk"):
        attachments.setdefault(attachment.request_id, []).append(attachment)
    coverage, tones = {}, {}
    if with_coverage:
        for item in Coverage.objects.filter(request_id__in=ids).order_by("-published_on", "-pk"):
            coverage.setdefault(item.request_id, []).append(item)
    else:
        for row in Coverage.objects.filter(request_id__in=ids).values("request_id", "tone").annotate(n=Count("pk")):
            tones.setdefault(row["request_id"], {})[row["tone"]] = row["n"]
    entries = []
    for material_request in requests:
        items = coverage.get(material_request.pk, [])
        counted = tones.get(material_request.pk) or {}
        if with_coverage:
            for item in items:
                counted[item.tone] = counted.get(item.tone, 0) + 1
        entries.append(
            ArchiveEntry(
                request=material_request,
                version=versions.get(material_request.pk),
                attachments=attachments.get(material_request.pk, []),
                coverage=items,
                tones={tone.value: counted.get(tone.value, 0) for tone in Tone},
            )
        )
    return entries


def get_archive_entry(user, pk) -> ArchiveEntry:
    """One archived request with its files and coverage; 404 when it does not exist, is
    not published or withdrawn, or the user may not see it."""
    try:
        material_request = (
            archived_requests(user).select_related("unit", "published_by", "publication_details").get(pk=pk)
        )
    except MaterialRequest.DoesNotExist as error:
        raise Http404("No existe la publicación o no tiene acceso a ella.") from error
    return archive_entries([material_request], with_coverage=True)[0]


def published_versions(material_request):
    """Every version frozen at publication (an edit cannot follow, but an urgent
    publication and its regular one may both exist)."""
    return (
        DocumentVersion.objects.filter(request=material_request, reason__in=PUBLISHED_REASONS)
        .select_related("rendered", "created_by", "official")
        .defer("snapshot")
        .order_by("number")
    )


# --- the media monitoring log -----------------------------------------------------------


def coverage_list(user, *, start=None, end=None, tone="", medium="", medium_type="", request=None, search=""):
    """The log, newest first. Readers only (404 otherwise)."""
    policies.require_reader(user)
    items = Coverage.objects.select_related("request", "recorded_by")
    if start:
        items = items.filter(published_on__gte=start)
    if end:
        items = items.filter(published_on__lte=end)
    if tone:
        items = items.filter(tone=tone)
    if medium:
        items = items.filter(medium__icontains=medium)
    if medium_type:
        items = items.filter(medium_type=medium_type)
    if request is not None:
        items = items.filter(request=request)
    if search:
        items = items.filter(
            Q(headline__icontains=search)
            | Q(medium__icontains=search)
            | Q(notes__icontains=search)
            | Q(request__reference__icontains=search)
        )
    return items.order_by("-published_on", "-pk")


def visible_request_ids(user, request_ids) -> set:
    """Which of these requests the user may open: one query."""
    request_ids = {pk for pk in request_ids if pk is not None}
    if not request_ids:
        return set()
    return set(visible_requests(user).filter(pk__in=request_ids).values_list("pk", flat=True))


def get_coverage(user, pk) -> Coverage:
    policies.require_reader(user)
    try:
        return Coverage.objects.select_related("request", "recorded_by").get(pk=pk)
    except Coverage.DoesNotExist as error:
        raise Http404("No existe la cobertura.") from error


def get_clipping(user, pk) -> Coverage:
    """A coverage item whose clipping the user may download: readers of the log, and
    whoever may see the request it is tied to. 404 otherwise, or without a clipping."""
    coverage = Coverage.objects.select_related("request").filter(pk=pk).exclude(clipping="").first()
    if coverage is None:
        raise Http404("No existe el recorte.")
    if policies.can_read(user):
        return coverage
    if coverage.request_id and coverage.request_id in visible_request_ids(user, [coverage.request_id]):
        return coverage
    raise Http404("No existe el recorte.")
