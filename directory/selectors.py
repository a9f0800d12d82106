"""Reads of the directory. Each one runs a fixed number of queries whatever the data size,
and each one first checks that the user may read the directory (404 otherwise)."""

from django.db.models import Case, Count, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from workflows.selectors import get_visible_request

from . import policies
from .models import Delivery, Distribution, DistributionList, InstitutionalContact, Journalist, MediaOutlet

ACTIVE, INACTIVE = "si", "no"


def _active(queryset, active: str):
    if active == ACTIVE:
        return queryset.filter(is_active=True)
    if active == INACTIVE:
        return queryset.filter(is_active=False)
    return queryset


def journalists(user, *, search="", outlet_type="", beat="", active="", list_id=None, outlet_id=None):
    policies.require_reader(user)
    rows = Journalist.objects.select_related("outlet")
    if search:
        rows = rows.filter(
            Q(full_name__icontains=search)
            | Q(outlet__name__icontains=search)
            | Q(email__icontains=search)
            | Q(beat__icontains=search)
        )
    if outlet_type:
        rows = rows.filter(outlet__outlet_type=outlet_type)
    if beat:
        rows = rows.filter(beat__iexact=beat)
    if list_id:
        rows = rows.filter(lists=list_id)
    if outlet_id:
        rows = rows.filter(outlet_id=outlet_id)
    return _active(rows, active).order_by("full_name", "pk")


def beats() -> list[str]:
    """The beats in use, for the filter: one query."""
    values = Journalist.objects.exclude(beat="").values_list("beat", flat=True).distinct()
    by_key = {}
    for value in values:
        by_key.setdefault(value.lower(), value)
    return sorted(by_key.values(), key=str.lower)


def outlets(user, *, search="", outlet_type="", coverage="", active=""):
    policies.require_reader(user)
    rows = MediaOutlet.objects.annotate(journalist_count=Count("journalists"))
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(email__icontains=search) | Q(website__icontains=search))
    if outlet_type:
        rows = rows.filter(outlet_type=outlet_type)
    if coverage:
        rows = rows.filter(coverage_area=coverage)
    return _active(rows, active).order_by("name", "pk")


def contacts(user, *, search="", kind="", active="", list_id=None):
    policies.require_reader(user)
    rows = InstitutionalContact.objects.all()
    if search:
        rows = rows.filter(
            Q(full_name__icontains=search)
            | Q(organization__icontains=search)
            | Q(email__icontains=search)
            | Q(position__icontains=search)
        )
    if kind:
        rows = rows.filter(kind=kind)
    if list_id:
        rows = rows.filter(lists=list_id)
    return _active(rows, active).order_by("organization", "full_name", "pk")


def distribution_lists(user, *, active=""):
    policies.require_reader(user)
    rows = DistributionList.objects.annotate(
        journalist_count=Count("journalists", distinct=True), contact_count=Count("contacts", distinct=True)
    )
    return _active(rows, active).order_by("name", "pk")


def get_object(user, model, pk):
    policies.require_reader(user)
    queryset = model.objects.select_related("outlet") if model is Journalist else model.objects.all()
    return get_object_or_404(queryset, pk=pk)


# --- distributions ----------------------------------------------------------------------------


def press_release(user, pk):
    """A press release the user may see, for the distribution pages; 404 for anyone who
    may not read the directory, a request they may not see, or anything but a press release."""
    policies.require_reader(user)
    material_request = get_visible_request(user, pk)
    if not policies.is_press_release(material_request):
        raise Http404("Solo las notas de prensa se difunden.")
    return material_request


def distributions_of(material_request):
    """Every send of the request, newest first, with its deliveries: two queries."""
    return (
        Distribution.objects.filter(request=material_request)
        .select_related("sent_by", "version")
        .prefetch_related(Prefetch("deliveries", queryset=_failed_first(Delivery.objects.all())))
        .order_by("-created_at", "-pk")
    )


def _failed_first(deliveries):
    """Failures on top (what needs doing), then the rest by outlet and name."""
    failed = Case(When(status=Delivery.Status.FAILED, then=Value(0)), default=Value(1))
    return deliveries.alias(failed_first=failed).order_by("failed_first", "organization", "name", "pk")


def get_distribution(material_request, distribution_id) -> Distribution:
    distribution = Distribution.objects.filter(request=material_request, pk=distribution_id).first()
    if distribution is None:
        raise Http404("No existe esa difusión de esta nota.")
    return distribution


def recipient_choices():
    """Active people with an email, for picking one by one."""
    return (
        Journalist.objects.filter(is_active=True).exclude(email="").select_related("outlet"),
        InstitutionalContact.objects.filter(is_active=True).exclude(email=""),
        DistributionList.objects.filter(is_active=True).annotate(
            journalist_count=Count("journalists", distinct=True), contact_count=Count("contacts", distinct=True)
        ),
    )
