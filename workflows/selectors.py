"""Reads that pages need. Each one runs a fixed number of queries, whatever the data size."""

from django.db.models import BooleanField, Case, Count, OuterRef, Q, Subquery, Value, When
from django.http import Http404

from audit.selectors import events_for

from . import lifecycle
from .models import Decision, MaterialRequest, State
from .permissions import objects_visible_to

# The actions that send a request back to its unit for correction (the reviewer's
# observation, the gerente's return): the rows of the lifecycle that lead to the draft.
RETURN_ACTIONS = tuple(row.code for row in lifecycle.TRANSITIONS if row.target == State.DRAFT)


def visible_requests(user):
    """The requests a user may see: guardian's per-object view permission, one query."""
    return objects_visible_to(user)


def with_returned_flag(requests):
    """Annotate each request with `is_returned`: a draft its unit got back with observations
    (its newest decision is a return) and has not sent again. One correlated subquery in the
    list's own statement: no query per row."""
    newest_action = Subquery(
        Decision.objects.filter(request=OuterRef("pk")).order_by("-created_at", "-audit_event_id").values("action")[:1]
    )
    return requests.alias(newest_decision_action=newest_action).annotate(
        is_returned=Case(
            When(state=State.DRAFT, newest_decision_action__in=RETURN_ACTIONS, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def returned_decision(material_request, decisions) -> Decision | None:
    """The decision that sent the request back to its unit, while the request is still the
    draft it made (None otherwise); `decisions` are the request's, oldest first
    (`request_decisions`), so the page reads nothing more."""
    if material_request.state != State.DRAFT or not decisions:
        return None
    newest = decisions[-1]
    return newest if newest.action in RETURN_ACTIONS else None


def request_list(user, *, state="", kind="", date_from=None, date_to=None, search=""):
    requests = with_returned_flag(visible_requests(user).select_related("unit", "author"))
    if state:
        requests = requests.filter(state=state)
    if kind:
        requests = requests.filter(kind=kind)
    if date_from:
        requests = requests.filter(created_at__date__gte=date_from)
    if date_to:
        requests = requests.filter(created_at__date__lte=date_to)
    if search:
        requests = requests.filter(
            Q(title__icontains=search) | Q(reference__icontains=search) | Q(summary__icontains=search)
        )
    return requests.order_by("-created_at", "-pk")


def get_visible_request(user, pk) -> MaterialRequest:
    """The request, or 404 when it does not exist or the user may not see it: the
    answer must not reveal whether another unit's draft exists."""
    try:
        return (
            visible_requests(user)
            .select_related(
                "unit",
                "author",
                "publication_details",
                "campaign_details",
                "speech_details",
                "signage_details",
            )
            .get(pk=pk)
        )
    except MaterialRequest.DoesNotExist as error:
        raise Http404("No existe la solicitud o no tiene acceso a ella.") from error


def request_history(material_request):
    return events_for(material_request)


def request_decisions(material_request, actions=None):
    """The request's decisions, oldest first, with who took them (one query): what the
    request page, the public approval chain, the reports and the dossiers read."""
    decisions = Decision.objects.filter(request=material_request).select_related("actor", "acting_for")
    if actions is not None:
        decisions = decisions.filter(action__in=actions)
    return decisions.order_by("created_at", "audit_event_id")


def standing_decisions(decisions) -> dict:
    """{action: the newest decision of that action that still stands}, from a request's
    decisions oldest first: an edit after approval (`reopen`) takes the approval back,
    and a return to the unit takes back the forward that sent it to approval. The
    request's last-decision columns cache exactly this (see MaterialRequest)."""
    standing = {}
    for decision in decisions:
        standing[decision.action] = decision
        if decision.action == "reopen":
            standing.pop("approve", None)
        elif decision.action == "return":
            standing.pop("forward", None)
    return standing


def urgent_overview(user) -> dict:
    """Urgent publications the user may see, and their share of all publications."""
    published = MaterialRequest.objects.filter(published_at__isnull=False)
    # Aliases must not shadow field names: Q(urgent=True) would then mean the aggregate.
    counted = published.aggregate(
        n_total=Count("pk"),
        n_urgent=Count("pk", filter=Q(urgent=True)),
        n_pending=Count("pk", filter=Q(urgent=True, urgent_reviewed_at__isnull=True)),
    )
    totals = {"total": counted["n_total"], "urgent": counted["n_urgent"], "pending": counted["n_pending"]}
    share = (totals["urgent"] / totals["total"] * 100) if totals["total"] else 0.0
    items = (
        visible_requests(user)
        .filter(urgent=True)
        .select_related("unit", "published_by", "urgent_reviewed_by")
        .order_by("urgent_reviewed_at", "-published_at")
    )
    return {"items": items, "totals": totals, "urgent_share": share}
