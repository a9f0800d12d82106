"""Reads of the transparency register. Each runs a fixed number of queries."""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from audit.selectors import events_for
from documents.models import DocumentVersion
from workflows.permissions import objects_visible_to

from . import policies
from .deadlines import WorkingCalendar, urgency
from .models import BEFORE_EXTENSION, OPEN_STATES, TransparencyRequest

UNASSIGNED = "sin_asignar"


def overdue_q(today) -> Q:
    """Open entries whose current deadline (the extension's date if any) has passed."""
    return Q(state__in=OPEN_STATES) & (
        Q(extension_due_on__isnull=False, extension_due_on__lt=today)
        | Q(extension_due_on__isnull=True, response_due_on__lt=today)
    )


def require_reader(user) -> None:
    """Who may not read the register is told nothing exists (404)."""
    if not policies.can_read(user):
        raise Http404("No existe la página.")


def register_list(user, *, state="", officer="", overdue=False, search="", today=None):
    require_reader(user)
    today = today or timezone.localdate()
    entries = TransparencyRequest.objects.select_related("assigned_to", "created_by")
    if state:
        entries = entries.filter(state=state)
    if officer == UNASSIGNED:
        entries = entries.filter(assigned_to__isnull=True)
    elif officer:
        entries = entries.filter(assigned_to_id=officer)
    if overdue:
        entries = entries.filter(overdue_q(today))
    if search:
        entries = entries.filter(
            Q(reference__icontains=search)
            | Q(requester_name__icontains=search)
            | Q(requested_information__icontains=search)
        )
    return entries.order_by("-received_at", "-pk")


def with_deadlines(entries, *, today=None, calendar=None) -> list[dict]:
    """Rows for a page: each entry with its working days left and their colour. One
    query for the decreed non-working days, whatever the number of rows."""
    today = today or timezone.localdate()
    calendar = calendar or WorkingCalendar()
    return [deadline_row(entry, today=today, calendar=calendar) for entry in entries]


def deadline_row(entry, *, today=None, calendar=None) -> dict:
    today = today or timezone.localdate()
    calendar = calendar or WorkingCalendar()
    days_left = calendar.working_days_left(entry.current_due_on, today) if entry.is_open else None
    notice_left = None
    if entry.state in BEFORE_EXTENSION:
        notice_left = calendar.working_days_left(entry.extension_notice_due_on, today)
    return {
        "entry": entry,
        "days_left": days_left,
        "abs_days_left": abs(days_left) if days_left is not None else None,
        "urgency": urgency(days_left),
        "notice_days_left": notice_left,
        "notice_urgency": urgency(notice_left) if notice_left is not None else "",
    }


def get_entry(user, pk) -> TransparencyRequest:
    require_reader(user)
    try:
        return TransparencyRequest.objects.select_related("assigned_to", "created_by").get(pk=pk)
    except TransparencyRequest.DoesNotExist as error:
        raise Http404("No existe la solicitud de acceso a la información.") from error


def linked_requests(user, entry) -> list[dict]:
    """The municipal requests the entry concerns, each saying whether this user may open
    it (a reader who cannot see a request sees only that one is linked)."""
    requests = list(entry.material_requests.select_related("unit").order_by("reference"))
    visible = set(objects_visible_to(user).filter(pk__in=[r.pk for r in requests]).values_list("pk", flat=True))
    return [{"request": r, "visible": r.pk in visible} for r in requests]


def linked_versions(user, entry) -> list[dict]:
    versions = list(entry.document_versions.select_related("request").order_by("request__reference", "number"))
    request_ids = {v.request_id for v in versions}
    visible = set(objects_visible_to(user).filter(pk__in=request_ids).values_list("pk", flat=True))
    return [{"version": v, "visible": v.request_id in visible} for v in versions]


def linkable_versions(user, entry):
    """Versions of the requests already linked that the user may see: what the link form offers."""
    return (
        DocumentVersion.objects.filter(request__in=objects_visible_to(user).filter(transparency_requests=entry))
        .exclude(pk__in=entry.document_versions.values("pk"))
        .select_related("request")
        .order_by("request__reference", "number")
    )


def history(entry):
    return events_for(entry)
