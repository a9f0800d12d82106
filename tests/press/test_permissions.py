"""Who gets what on the coverage pages that take an id (the rows the permission matrix
leaves to this file), and on the monitoring pages' writes."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from press.models import Coverage, Tone
from tests.factories import request_in_state
from tests.press.conftest import PNG, form_data_for, record, upload
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db

OFFICE = ("revisor1", "gerente", "publicador", "admin")
READERS = ("transparencia", "auditor")
OTHERS = ("rentas1", "social1", "nobody")
EVERYONE = (*OFFICE, *READERS, *OTHERS)


@pytest.fixture
def items(users, published):
    """Coverage of Rentas' published request with a clipping; coverage with a clipping but
    no request; coverage with a link only."""
    return {
        "linked": record(users["revisor1"], request=published, url="", clipping=upload()),
        "unlinked": record(users["revisor1"], headline="General", clipping=upload()),
        "link_only": record(users["revisor1"], headline="Solo enlace"),
    }


def login(users, username):
    client = Client()
    client.force_login(users[username])
    return client


def test_anonymous_visitors_go_to_the_login_page(items):
    client = Client()
    for path in (
        reverse("press:coverage_edit", args=[items["linked"].pk]),
        reverse("press:coverage_clipping", args=[items["linked"].pk]),
        reverse("press:coverage_list"),
        reverse("press:coverage_summary"),
        reverse("press:coverage_create"),
        reverse("press:archive"),
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/ingresar/"), path


@pytest.mark.parametrize("username", EVERYONE)
def test_edit_page_answers(users, items, username):
    client = login(users, username)
    expected = 200 if username in OFFICE else 403 if username in READERS else 404
    assert client.get(reverse("press:coverage_edit", args=[items["linked"].pk])).status_code == expected
    missing = items["link_only"].pk + 1000
    assert client.get(reverse("press:coverage_edit", args=[missing])).status_code == 404


@pytest.mark.parametrize("username", (*READERS, *OTHERS))
def test_an_edit_posted_by_who_may_not_changes_nothing(users, items, username):
    coverage = items["link_only"]
    response = login(users, username).post(
        reverse("press:coverage_edit", args=[coverage.pk]), form_data_for(coverage, tone=Tone.NEGATIVE)
    )
    assert response.status_code == (403 if username in READERS else 404)
    coverage.refresh_from_db()
    assert coverage.tone == Tone.POSITIVE
    assert not AuditEvent.objects.filter(action="coverage_edit").exists()


@pytest.mark.parametrize("username", OFFICE)
def test_the_office_edits(users, items, username):
    coverage = items["link_only"]
    response = login(users, username).post(
        reverse("press:coverage_edit", args=[coverage.pk]), form_data_for(coverage, tone=Tone.NEGATIVE)
    )
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.tone == Tone.NEGATIVE


@pytest.mark.parametrize(
    ("username", "linked", "unlinked"),
    [
        *((name, 200, 200) for name in (*OFFICE, *READERS)),
        # The requesting unit sees its published request, so the clipping about it too.
        ("rentas1", 200, 404),
        ("social1", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_clipping_download_answers(users, items, username, linked, unlinked):
    client = login(users, username)
    for key, expected in (("linked", linked), ("unlinked", unlinked), ("link_only", 404)):
        response = client.get(reverse("press:coverage_clipping", args=[items[key].pk]))
        assert response.status_code == expected, key
        if expected == 200:
            assert b"".join(response.streaming_content) == PNG
            assert response["Content-Type"] == "image/png"
            assert response["X-Content-SHA256"] == items[key].clipping_sha256
            assert "attachment" in response["Content-Disposition"]


def test_each_clipping_download_is_audited_and_refusals_are_not(users, items):
    coverage = items["linked"]
    login(users, "auditor").get(reverse("press:coverage_clipping", args=[coverage.pk]))
    login(users, "social1").get(reverse("press:coverage_clipping", args=[coverage.pk]))
    [event] = AuditEvent.objects.filter(action="download", chain=f"coverage:{coverage.pk}")
    assert event.actor == users["auditor"]
    assert event.data == {"clipping": coverage.clipping_name, "sha256": coverage.clipping_sha256}


def test_the_related_request_offered_is_only_among_what_the_user_may_see(users, units, client_for):
    visible = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    not_published = request_in_state(users, units, State.APPROVED)
    page = client_for("revisor1").get(reverse("press:coverage_create")).content.decode()
    assert f'value="{visible.pk}"' in page
    assert f'value="{not_published.pk}"' not in page
    # Forged: a request outside the choices is refused, nothing recorded.
    data = form_data_for(None, request=not_published.pk)
    response = client_for("revisor1").post(reverse("press:coverage_create"), data)
    assert response.status_code == 400
    assert "Elija una solicitud publicada que usted pueda ver." in response.content.decode()
    assert not Coverage.objects.exists()
