"""The urgent path: the gerente publishes an emergency or prevention message at once, with
a stated reason; it stays flagged until a second person reviews it afterwards."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from organization.services import create_delegation
from tests.factories import create_request, default_details, default_fields, request_in_state
from workflows import selectors, services
from workflows.exceptions import ActionNotAvailable, InvalidInput
from workflows.models import Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db

REASON = "Alerta por lluvias intensas: hay que avisar a los vecinos hoy."
FLAG = "pendiente de revisión posterior"
URGENT_URL = reverse("workflows:urgent_publications")


def publish_kwargs(comment=REASON):
    return {
        "channel": "Radio municipal",
        "date": timezone.localdate(),
        "url": "https://example.gob.pe/alerta",
        "comment": comment,
    }


def detail_url(material_request):
    return reverse("workflows:request_detail", args=[material_request.pk])


def action_url(material_request, code):
    return reverse("workflows:request_action", args=[material_request.pk, code])


def events(material_request, action):
    return AuditEvent.objects.filter(
        action=action, object_type="workflows.materialrequest", object_id=str(material_request.pk)
    )


def unchanged(material_request, state):
    current = MaterialRequest.objects.get(pk=material_request.pk)
    assert current.state == state
    assert not current.urgent
    assert current.published_at is None
    assert not events(material_request, "urgent_publish").exists()


def campaign_of_type(users, units, campaign_type, author="rentas1"):
    return services.create_request(
        users[author],
        unit=units["rentas"],
        kind=Kind.CAMPAIGN,
        fields=default_fields(),
        details=default_details(Kind.CAMPAIGN, campaign_type=campaign_type),
    )


@pytest.fixture
def in_review(users, units):
    """The default test campaign is a prevention campaign: eligible."""
    return request_in_state(users, units, State.IN_REVIEW)


@pytest.fixture
def published_urgently(users, in_review):
    return services.publish_urgently(users["gerente"], in_review, **publish_kwargs())


# --- the gerente publishes at once --------------------------------------------------------------


@pytest.mark.parametrize("state", [State.IN_REVIEW, State.PENDING_APPROVAL])
def test_gerente_publishes_a_prevention_campaign_at_once(client_for, users, units, state):
    material_request = request_in_state(users, units, state)
    assert material_request.is_urgent_eligible()
    published = services.publish_urgently(users["gerente"], material_request, **publish_kwargs())
    assert published.state == State.PUBLISHED
    assert published.urgent
    assert published.urgent_reason == REASON
    assert published.awaits_post_review()
    assert published.approved_by == users["gerente"]
    assert published.published_by == users["gerente"]
    assert published.publication_channel == "Radio municipal"
    assert published.publication_date == timezone.localdate()
    assert published.publication_url == "https://example.gob.pe/alerta"
    event = events(material_request, "urgent_publish").get()
    assert (event.actor, event.from_state, event.to_state, event.comment) == (
        users["gerente"],
        state,
        State.PUBLISHED,
        REASON,
    )
    assert event.data["urgent"] is True
    for username in ("gerente", "revisor1", "rentas1", "transparencia"):
        body = client_for(username).get(detail_url(material_request)).content.decode()
        assert FLAG in body, username
        assert REASON[:30] in body, username


def test_an_emergency_publication_is_eligible(users, units):
    material_request = create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION, emergency=True)
    material_request = services.submit_request(users["rentas1"], material_request)
    published = services.publish_urgently(users["gerente"], material_request, **publish_kwargs())
    assert (published.state, published.urgent) == (State.PUBLISHED, True)


def test_the_urgent_path_through_the_page(client_for, users, in_review):
    client = client_for("gerente")
    assert 'data-action="urgent_publish"' in client.get(detail_url(in_review)).content.decode()
    response = client.post(
        action_url(in_review, "urgent_publish"),
        {
            "channel": "Perifoneo",
            "date": timezone.localdate().isoformat(),
            "url": "",
            "comment": REASON,
            "revision": in_review.revision,
        },
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert (in_review.state, in_review.urgent, in_review.urgent_reason) == (State.PUBLISHED, True, REASON)
    assert FLAG in client.get(detail_url(in_review)).content.decode()


def test_the_reason_is_mandatory(client_for, users, in_review):
    for comment in ("", "   "):
        with pytest.raises(InvalidInput):
            services.publish_urgently(users["gerente"], in_review, **publish_kwargs(comment=comment))
    response = client_for("gerente").post(
        action_url(in_review, "urgent_publish"),
        {"channel": "Radio", "date": timezone.localdate().isoformat(), "comment": "", "revision": in_review.revision},
    )
    assert response.status_code == 400
    unchanged(in_review, State.IN_REVIEW)


def test_channel_and_date_are_mandatory_and_the_date_not_future(users, in_review):
    for overrides in ({"channel": ""}, {"date": None}, {"date": timezone.localdate() + timedelta(days=1)}):
        with pytest.raises(InvalidInput):
            services.publish_urgently(users["gerente"], in_review, **{**publish_kwargs(), **overrides})
    unchanged(in_review, State.IN_REVIEW)


# --- refusals -------------------------------------------------------------------------------------


def test_an_ordinary_publication_is_not_eligible(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW, kind=Kind.PUBLICATION)
    assert not material_request.is_urgent_eligible()
    with pytest.raises(ActionNotAvailable):
        services.publish_urgently(users["gerente"], material_request, **publish_kwargs())
    assert (
        'data-action="urgent_publish"' not in client_for("gerente").get(detail_url(material_request)).content.decode()
    )
    unchanged(material_request, State.IN_REVIEW)


def test_a_tax_campaign_is_not_eligible(users, units):
    material_request = services.submit_request(users["rentas1"], campaign_of_type(users, units, "tributaria"))
    with pytest.raises(ActionNotAvailable):
        services.publish_urgently(users["gerente"], material_request, **publish_kwargs())
    unchanged(material_request, State.IN_REVIEW)


@pytest.mark.parametrize("state", [State.DRAFT, State.APPROVED])
def test_only_from_review_or_pending_approval(users, units, state):
    material_request = request_in_state(users, units, state)
    with pytest.raises(ActionNotAvailable):
        services.publish_urgently(users["gerente"], material_request, **publish_kwargs())
    assert MaterialRequest.objects.get(pk=material_request.pk).state == state


def test_a_delegate_cannot_use_the_urgent_path(client_for, users, in_review):
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=5),
        resolution="RA-123-2026",
    )
    pending = services.forward_request(users["revisor1"], in_review)
    revisor2 = get_user_model().objects.get(username="revisor2")
    with pytest.raises(PermissionDenied, match="Solo el gerente"):
        services.publish_urgently(revisor2, pending, **publish_kwargs())
    client = client_for("revisor2")
    body = client.get(detail_url(pending)).content.decode()
    assert 'data-action="approve"' in body  # the delegation is in force...
    assert 'data-action="urgent_publish"' not in body  # ...but the urgent path stays personal
    response = client.post(
        action_url(pending, "urgent_publish"),
        {"channel": "Radio", "date": timezone.localdate().isoformat(), "comment": REASON, "revision": pending.revision},
    )
    assert response.status_code == 403
    unchanged(pending, State.PENDING_APPROVAL)


def test_a_gerente_cannot_urgently_publish_their_own_request(users, units):
    own = request_in_state(users, units, State.IN_REVIEW, author="gerente_rentas")
    with pytest.raises(PermissionDenied, match="su autoría"):
        services.publish_urgently(users["gerente_rentas"], own, **publish_kwargs())
    unchanged(own, State.IN_REVIEW)
    # The other gerente may.
    assert services.publish_urgently(users["gerente"], own, **publish_kwargs()).urgent


@pytest.mark.parametrize("username", ["revisor1", "publicador", "rentas1", "transparencia"])
def test_other_roles_cannot_use_the_urgent_path(users, in_review, username):
    with pytest.raises(PermissionDenied):
        services.publish_urgently(users[username], in_review, **publish_kwargs())
    unchanged(in_review, State.IN_REVIEW)


# --- the review afterwards --------------------------------------------------------------------------


def test_a_second_person_reviews_afterwards(client_for, users, published_urgently):
    reviewed = services.review_urgent_publication(users["revisor1"], published_urgently, comment="Contenido conforme.")
    assert reviewed.state == State.PUBLISHED
    assert reviewed.urgent
    assert reviewed.urgent_reviewed_by == users["revisor1"]
    assert reviewed.urgent_reviewed_at is not None
    assert not reviewed.awaits_post_review()
    event = events(published_urgently, "post_review").get()
    assert (event.actor, event.comment) == (users["revisor1"], "Contenido conforme.")
    body = client_for("gerente").get(detail_url(published_urgently)).content.decode()
    assert FLAG not in body
    assert "Revisada después por revisor1" in body
    # Done once: a second review is not available.
    with pytest.raises(ActionNotAvailable):
        services.review_urgent_publication(users["revisor2"], reviewed, comment="Otra vez.")


def test_the_review_through_the_page(client_for, users, published_urgently):
    client = client_for("revisor1")
    assert 'data-action="post_review"' in client.get(detail_url(published_urgently)).content.decode()
    response = client.post(
        action_url(published_urgently, "post_review"),
        {"comment": "Conforme.", "revision": published_urgently.revision},
    )
    assert response.status_code == 302
    published_urgently.refresh_from_db()
    assert published_urgently.urgent_reviewed_by == users["revisor1"]


def test_the_review_needs_a_comment(users, published_urgently):
    with pytest.raises(InvalidInput):
        services.review_urgent_publication(users["revisor1"], published_urgently, comment="")
    assert MaterialRequest.objects.get(pk=published_urgently.pk).awaits_post_review()


def test_the_gerente_who_published_cannot_review(client_for, users, published_urgently):
    with pytest.raises(PermissionDenied, match="distinta"):
        services.review_urgent_publication(users["gerente"], published_urgently, comment="Conforme.")
    assert 'data-action="post_review"' not in client_for("gerente").get(detail_url(published_urgently)).content.decode()
    assert MaterialRequest.objects.get(pk=published_urgently.pk).awaits_post_review()
    assert not events(published_urgently, "post_review").exists()


@pytest.mark.parametrize("username", ["publicador", "rentas1", "transparencia", "auditor"])
def test_only_the_office_reviews(users, published_urgently, username):
    with pytest.raises(PermissionDenied):
        services.review_urgent_publication(users[username], published_urgently, comment="Conforme.")
    assert MaterialRequest.objects.get(pk=published_urgently.pk).awaits_post_review()


def test_the_author_cannot_review_it(users, units):
    own = request_in_state(users, units, State.IN_REVIEW, author="revisor_rentas")
    published = services.publish_urgently(users["gerente"], own, **publish_kwargs())
    with pytest.raises(PermissionDenied):
        services.review_urgent_publication(users["revisor_rentas"], published, comment="Conforme.")


# --- the overview page -------------------------------------------------------------------------------


def test_the_overview_selector_counts_urgent_among_published(users, units, published_urgently):
    for _ in range(3):
        request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    overview = selectors.urgent_overview(users["gerente"])
    assert overview["totals"] == {"total": 4, "urgent": 1, "pending": 1}
    assert overview["urgent_share"] == pytest.approx(25.0)
    assert [item.pk for item in overview["items"]] == [published_urgently.pk]


def test_the_overview_lists_urgent_ones_and_their_share(client_for, users, units, published_urgently):
    ordinary = [request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION) for _ in range(3)]
    # Still open: not counted among publications.
    open_request = request_in_state(users, units, State.APPROVED)

    body = client_for("gerente").get(URGENT_URL).content.decode()
    assert '<strong id="urgent-share">25,0 %</strong>' in body
    flat = " ".join(body.split())
    assert "<strong>1</strong> urgentes" in flat
    assert "<strong>4</strong> publicadas en total" in flat
    assert "<strong>1</strong> pendientes de revisión posterior" in flat
    assert published_urgently.reference in body
    assert REASON[:30] in body
    assert "flag-urgent" in body
    for item in [*ordinary, open_request]:
        assert item.reference not in body

    services.review_urgent_publication(users["revisor1"], published_urgently, comment="Conforme.")
    flat = " ".join(client_for("auditor").get(URGENT_URL).content.decode().split())
    assert "<strong>0</strong> pendientes de revisión posterior" in flat
    assert published_urgently.reference in flat  # reviewed ones stay listed, without the flag
    assert 'class="flag-urgent"' not in flat
    assert "25,0 %" in flat


def test_the_overview_with_nothing_published(client_for, org):
    body = client_for("gerente").get(URGENT_URL).content.decode()
    assert '<strong id="urgent-share">0,0 %</strong>' in body
    assert "No hay publicaciones urgentes." in body


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("gerente", 200),
        ("revisor1", 200),
        ("transparencia", 200),
        ("auditor", 200),
        ("admin", 200),
        ("rentas1", 403),
        ("publicador", 403),
        ("nobody", 403),
    ],
)
def test_who_sees_the_overview(client_for, published_urgently, username, status):
    response = client_for(username).get(URGENT_URL)
    assert response.status_code == status
    if status == 200:
        assert published_urgently.reference in response.content.decode()


def test_the_overview_needs_login(client):
    response = client.get(URGENT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
