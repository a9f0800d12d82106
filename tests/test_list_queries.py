"""The request list: it never shows another unit's drafts, however it is filtered or
searched, and its query count stays the same from 10 to 1,000 requests (the selectors'
promise in ../shared/DESIGN.md: "each one's query count is fixed, whatever the data size").
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organization.services import create_delegation
from tests.factories import create_request, request_in_state, step_kwargs
from workflows import permissions, services
from workflows.models import CampaignDetails, Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db

LIST_URL = reverse("workflows:request_list")
REFERENCE = re.compile(rf"{re.escape(settings.REQUEST_REFERENCE_PREFIX)}-\d{{4}}-\d{{5}}")
WORD = "Vacunación"  # in every title, so one search matches them all


SEARCH_FORM = re.compile(r'<form[^>]*role="search".*?</form>', re.S)


def results(html: str) -> str:
    """The page without its search form, which echoes what was typed."""
    return SEARCH_FORM.sub("", html)


def references_in(html: str) -> set[str]:
    return set(REFERENCE.findall(results(html)))


def shown_count(html: str) -> int:
    """The list's own counter ("15 solicitudes"): it must not count what it hides."""
    match = re.search(r"(\d+) solicitud(?:es)?\b", html)
    assert match, "the list shows no counter"
    return int(match.group(1))


# --- no other unit's drafts, whatever the filter ------------------------------------------

# label -> (steps from a fresh draft, final state)
CASES = {
    "borrador": ((), State.DRAFT),
    "observado": (("submit", "observe"), State.DRAFT),
    "en_revision": (("submit",), State.IN_REVIEW),
    "publicado": (("submit", "forward", "approve", "publish"), State.PUBLISHED),
    "anulado": (("cancel",), State.CANCELLED),
}
AUTHORS = {"rentas": "rentas1", "social": "social1", "obras": "obras1"}
ACTORS = {"forward": "revisor1", "observe": "revisor1", "approve": "gerente", "publish": "publicador"}


def visible(username, unit, label) -> bool:
    """Who sees what, from the design (independent of workflows.permissions)."""
    submitted = label in ("observado", "en_revision", "publicado")
    if username in ("rentas1", "social1"):
        return unit == username.removesuffix("1")
    if username == "revisor1":
        return submitted
    if username == "publicador":
        return label == "publicado"
    raise AssertionError(username)


@pytest.fixture
def catalogue(users, units):
    """unit/label -> request: each unit's requests in each case."""
    built = {}
    for unit, author in AUTHORS.items():
        for label, (steps, state) in CASES.items():
            material_request = create_request(
                users[author], units[unit], title=f"{WORD} {unit} {label}", summary=f"Resumen {unit} {label}."
            )
            for step in steps:
                actor = users[ACTORS[step]] if step in ACTORS else users[author]
                material_request = services.ACTION_SERVICES[step](actor, material_request, **step_kwargs(step))
            assert material_request.state == state
            built[f"{unit}/{label}"] = material_request
    return built


def list_queries(catalogue):
    other_draft = catalogue["obras/borrador"]
    return [
        "",
        f"?q={WORD}",
        "?q=borrador",
        f"?q={other_draft.reference}",
        f"?q={other_draft.reference[-5:]}",
        "?q=obras",
        "?q=Resumen obras",
        "?state=borrador",
        f"?state=borrador&q={WORD}",
        "?state=borrador&q=obras",
        "?state=en_revision",
        "?state=anulado",
        "?kind=campaign",
        f"?kind=campaign&state=borrador&date_from={timezone.localdate().isoformat()}",
        "?page=2",
    ]


@pytest.mark.parametrize("username", ["rentas1", "social1", "revisor1", "publicador"])
def test_lists_and_searches_never_show_another_units_drafts(client_for, catalogue, username):
    client = client_for(username)
    allowed = {
        material_request.reference for key, material_request in catalogue.items() if visible(username, *key.split("/"))
    }
    # Drafts of a unit the person does not belong to, never submitted: nobody else's business.
    forbidden = {key: r for key, r in catalogue.items() if not visible(username, *key.split("/"))}
    assert any(key.endswith("/borrador") for key in forbidden)
    for query in list_queries(catalogue):
        response = client.get(LIST_URL + query)
        assert response.status_code == 200, query
        html = response.content.decode()
        shown = references_in(html)
        leaked = sorted(key for key, r in forbidden.items() if r.reference in shown or r.title in results(html))
        assert not leaked, f"{username} {query or '(sin filtro)'} shows {leaked}"
        assert shown <= allowed, query
        assert shown_count(html) == len(shown), f"{username} {query}: the counter counts hidden requests"
    # Unfiltered, and searching the word every title has: exactly what the person may see.
    for query in ("", f"?q={WORD}"):
        assert references_in(client.get(LIST_URL + query).content.decode()) == allowed, query


def test_searching_another_units_draft_by_reference_finds_nothing(client_for, catalogue):
    draft = catalogue["social/borrador"]
    for username in ("rentas1", "obras1", "revisor1", "publicador", "transparencia", "auditor", "nobody"):
        html = client_for(username).get(f"{LIST_URL}?q={draft.reference}").content.decode()
        assert draft.reference not in results(html), username
        assert shown_count(html) == 0, username
    html = client_for("social1").get(f"{LIST_URL}?q={draft.reference}").content.decode()
    assert references_in(html) == {draft.reference}


# --- a constant number of queries, from 10 to 1,000 requests -------------------------------


def captured_list(client, query=""):
    client.get(LIST_URL + query)  # warm-up: caches that fill once per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_URL + query)
    assert response.status_code == 200
    return [entry["sql"] for entry in captured.captured_queries], response.content.decode()


def add_requests(users, units, count):
    """`count` more requests, cheaply: rows in bulk, then the permission rows each
    needs to be visible, written by the same function the services use."""
    today = timezone.localdate()
    authors = [("rentas", "rentas1"), ("social", "social1"), ("obras", "obras1")]
    submitted_at = timezone.now()
    rows = []
    for i in range(count):
        unit, author = authors[i % len(authors)]
        in_review = i % 2 == 0
        rows.append(
            MaterialRequest(
                # Year 1999: never a number the real sequence hands out.
                reference=f"{settings.REQUEST_REFERENCE_PREFIX}-1999-{i:05d}",
                kind=Kind.CAMPAIGN,
                title=f"{WORD} masiva {i}",
                unit=units[unit],
                author=users[author],
                requested_by=today + timedelta(days=10),
                summary="Solicitud creada en bloque para medir la lista.",
                state=State.IN_REVIEW if in_review else State.DRAFT,
                submitted_at=submitted_at if in_review else None,
            )
        )
    created = MaterialRequest.objects.bulk_create(rows)
    CampaignDetails.objects.bulk_create(
        CampaignDetails(
            request=material_request,
            campaign_type="sensibilizacion",
            objective="Medir.",
            audience="Vecinos",
            channels=["web"],
            start_date=today + timedelta(days=5),
            end_date=today + timedelta(days=20),
            budget=Decimal("0"),
        )
        for material_request in created
    )
    for material_request in MaterialRequest.objects.filter(pk__in=[r.pk for r in created]).select_related("unit"):
        permissions.sync_object_permissions(material_request)


def first_ten(users, units):
    """Ten requests through the services: drafts and submitted ones of two units."""
    for unit, author in (("rentas", "rentas1"), ("social", "social1")):
        for _ in range(3):
            create_request(users[author], units[unit], title=f"{WORD} {unit}")
        for state in (State.IN_REVIEW, State.PENDING_APPROVAL):
            request_in_state(users, units, state, author=author, unit=unit)
    assert MaterialRequest.objects.count() == 10


def encargatura(users):
    """revisor2 stands in for the gerente from today for five days."""
    today = timezone.localdate()
    return create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=5),
        resolution="RG-2026-017",
    )


def test_list_queries_stay_constant_from_10_to_1000_requests(client, users, units):
    # revisor2 acts for the gerente: their list is the union of both people's grants.
    encargatura(users)
    first_ten(users, units)
    viewers = ["rentas1", "revisor1", "revisor2"]
    queries = ["", f"?q={WORD}&state={State.IN_REVIEW.value}"]
    small = {}
    for username in viewers:
        client.force_login(users[username])
        for query in queries:
            small[username, query] = captured_list(client, query)
            acting = "Encargatura vigente" in small[username, query][1]
            assert acting == (username == "revisor2")

    add_requests(users, units, 990)
    assert MaterialRequest.objects.count() == 1000

    for username in viewers:
        client.force_login(users[username])
        for query in queries:
            before, small_html = small[username, query]
            after, large_html = captured_list(client, query)
            assert len(after) == len(before), (
                f"{username} {query or '(sin filtro)'}: {len(before)} queries with 10 requests, "
                f"{len(after)} with 1,000:\n" + "\n".join(after)
            )
            # The large list really did render more: a full page out of many.
            assert shown_count(large_html) > shown_count(small_html) >= 1
            assert len(references_in(large_html)) == 25


def test_encargado_list_shows_what_the_office_sees_and_no_unit_drafts(client, users, units):
    encargatura(users)
    draft = create_request(users["social1"], units["social"], title=f"{WORD} borrador social")
    pending = request_in_state(users, units, State.PENDING_APPROVAL, author="rentas1", unit="rentas")
    observed = request_in_state(users, units, State.IN_REVIEW, author="social1", unit="social")
    observed = services.observe_request(users["revisor1"], observed, comment="Corregir el texto.")
    lists = {}
    for username in ("revisor2", "revisor1", "gerente"):
        client.force_login(users[username])
        for query in ("", "?state=borrador", f"?q={draft.reference}"):
            lists[username, query] = references_in(client.get(LIST_URL + query).content.decode())
    assert lists["revisor2", ""] == {pending.reference, observed.reference}
    assert lists["revisor2", "?state=borrador"] == {observed.reference}
    assert lists["revisor2", f"?q={draft.reference}"] == set()
    for query in ("", "?state=borrador", f"?q={draft.reference}"):
        assert lists["revisor2", query] == lists["gerente", query] == lists["revisor1", query], query
