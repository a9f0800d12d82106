"""Reads that pages need. Each one runs a fixed number of queries, whatever the data size."""

from django.db.models import Q
from django.http import Http404

from audit.selectors import events_for
from organization.roles import Role
from organization.selectors import roles_of, unit_ids_of

from .models import MaterialRequest
from .policies import VISIBLE_TO_OFFICE, VISIBLE_TO_PUBLISHER, VISIBLE_TO_READERS


def visible_requests(user):
    """The requests a user may see; the same rule as policies.can_view, as a query."""
    requests = MaterialRequest.objects.all()
    if not user.is_authenticated or not user.is_active:
        return requests.none()
    if user.is_superuser:
        return requests
    rule = Q(unit_id__in=unit_ids_of(user))
    roles = roles_of(user)
    if roles & {Role.REVISOR, Role.GERENTE}:
        rule |= Q(state__in=VISIBLE_TO_OFFICE) | Q(submitted_at__isnull=False)
    if Role.PUBLICADOR in roles:
        rule |= Q(state__in=VISIBLE_TO_PUBLISHER)
    if roles & {Role.TRANSPARENCIA, Role.AUDITOR}:
        rule |= Q(state__in=VISIBLE_TO_READERS)
    return requests.filter(rule)


def request_list(user, *, state="", kind="", date_from=None, date_to=None, search=""):
    requests = visible_requests(user).select_related("unit", "author")
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
                "approved_by",
                "published_by",
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
