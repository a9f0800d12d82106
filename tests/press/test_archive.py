"""The press archive: everything published (withdrawn too, marked), per the request
permissions, searchable, with the published version and the final files."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from press import selectors
from tests.factories import advance, create_request, request_in_state
from tests.press.conftest import PDF, record, upload
from workflows import services
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db

ARCHIVE = reverse("press:archive")


def listed(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return re.findall(r'data-reference="([^"]+)"', response.content.decode())


def published_on(
    users, units, day, *, kind=Kind.PUBLICATION, unit="rentas", author="rentas1", channel="Mural", **fields
):
    material_request = advance(create_request(users[author], units[unit], kind, **fields), State.APPROVED, users)
    return services.publish_request(users["publicador"], material_request, channel=channel, date=day)


@pytest.fixture
def archive(users, units):
    """One request of Rentas and of Social in each state that matters."""
    return {
        "rentas_published": request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION),
        "rentas_withdrawn": request_in_state(users, units, State.WITHDRAWN, kind=Kind.PUBLICATION),
        "rentas_approved": request_in_state(users, units, State.APPROVED, kind=Kind.PUBLICATION),
        "rentas_draft": request_in_state(users, units, State.DRAFT, kind=Kind.PUBLICATION),
        "social_published": request_in_state(
            users, units, State.PUBLISHED, kind=Kind.CAMPAIGN, author="social1", unit="social"
        ),
        "social_cancelled": request_in_state(users, units, State.CANCELLED, author="social1", unit="social"),
    }


ARCHIVED = ("rentas_published", "rentas_withdrawn", "social_published")


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("rentas1", {"rentas_published", "rentas_withdrawn"}),
        ("social1", {"social_published"}),
        ("nobody", set()),
        *((name, set(ARCHIVED)) for name in ("revisor1", "gerente", "publicador", "transparencia", "auditor", "admin")),
    ],
)
def test_the_archive_lists_only_published_material_the_user_may_see(client_for, archive, username, expected):
    shown = set(listed(client_for(username).get(ARCHIVE)))
    assert shown == {archive[key].reference for key in expected}
    for key, material_request in archive.items():
        response = client_for(username).get(reverse("press:archive_entry", args=[material_request.pk]))
        assert response.status_code == (200 if key in expected else 404), key


def test_withdrawn_material_is_marked_with_its_public_reason(client_for, archive):
    withdrawn = archive["rentas_withdrawn"]
    page = client_for("transparencia").get(ARCHIVE).content.decode()
    row = page[page.index(f'data-reference="{withdrawn.reference}"') :].split("</tr>")[0]
    assert "press-withdrawn" in page[: page.index(f'data-reference="{withdrawn.reference}"') + 80]
    assert "Retirada" in row
    entry = client_for("transparencia").get(reverse("press:archive_entry", args=[withdrawn.pk])).content.decode()
    assert "Publicación retirada." in entry
    assert withdrawn.withdrawal_reason in entry


def test_the_entry_shows_the_published_version_and_links_the_final_files(users, units, client_for, django_user_model):
    material_request = create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION)
    attachment = services.add_attachment(users["rentas1"], material_request, upload("anexo.pdf", PDF))
    material_request = advance(material_request, State.PUBLISHED, users)
    version = material_request.document_versions.filter(reason="publish").get()
    coverage = record(
        users["revisor1"], request=material_request, headline="Nota en la radio", url="", clipping=upload()
    )

    client = client_for("auditor")
    page = client.get(reverse("press:archive_entry", args=[material_request.pk])).content.decode()
    docx = reverse("workflows:version_docx", args=[material_request.pk, version.number])
    assert f'href="{docx}"' in page
    assert f"versión {version.number}" in page
    assert version.snapshot_sha256[:16] in page
    assert f'href="{reverse("workflows:attachment_download", args=[material_request.pk, attachment.pk])}"' in page
    assert "Nota en la radio" in page
    assert f'href="{reverse("press:coverage_clipping", args=[coverage.pk])}"' in page

    # The list row carries the same version and file links.
    listing = client.get(ARCHIVE).content.decode()
    assert f'href="{docx}"' in listing
    assert f"v{version.number}" in listing

    # The DOCX comes through the documents app's own audited view.
    before = AuditEvent.objects.filter(action="download").count()
    response = client.get(docx)
    assert response.status_code == 200
    assert response["X-Content-SHA256"]
    assert AuditEvent.objects.filter(action="download").count() == before + 1


def test_filters(users, units, client_for):
    last_year = published_on(users, units, date(2025, 3, 10), title="Feria gastronómica de marzo")
    campaign = published_on(users, units, date(2025, 7, 2), kind=Kind.CAMPAIGN, unit="social", author="social1")
    signage = published_on(
        users, units, date(2025, 7, 20), kind=Kind.SIGNAGE, unit="obras", author="obras1", channel="Radio Pueblo 101.3"
    )
    client = client_for("gerente")

    def refs(**params):
        return set(listed(client.get(ARCHIVE, params)))

    assert refs(kind="campaign") == {campaign.reference}
    assert refs(format="nota_prensa") == {last_year.reference}
    assert refs(unit=units["obras"].pk) == {signage.reference}
    assert refs(year=2025, month=7) == {campaign.reference, signage.reference}
    assert refs(year=2025) == {last_year.reference, campaign.reference, signage.reference}
    assert refs(year=2024) == set()
    # Channels planned in the details (campaign: radio and facebook; publication: web and
    # facebook) or named where it was published (the signage: "Radio Pueblo 101.3")…
    assert refs(channel="radio") == {campaign.reference, signage.reference}
    assert refs(channel="facebook") == {last_year.reference, campaign.reference}
    assert refs(channel="tiktok") == set()
    # …text in the title, reference or body.
    assert refs(q="gastronómica") == {last_year.reference}
    assert refs(q=signage.reference) == {signage.reference}
    assert refs(q="Radio Pueblo") == {signage.reference}
    assert refs(state="retirado") == set()
    assert refs(kind="campaign", year=2025, month=3) == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": 3}, "Indique el año para filtrar por mes."),
        ({"year": "dos mil"}, "Indique un año (por ejemplo, 2026)."),
        ({"kind": "memorando"}, "Escoja una opción válida"),
    ],
)
def test_bad_filters_are_explained_in_spanish(client_for, archive, params, message):
    response = client_for("gerente").get(ARCHIVE, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "se muestra el archivo sin filtrar" in page
    assert set(re.findall(r'data-reference="([^"]+)"', page)) == {archive[key].reference for key in ARCHIVED}


def test_the_selector_reads_a_page_in_fixed_queries(users, archive, django_assert_num_queries):
    requests = selectors.archive_list(users["gerente"])
    with django_assert_num_queries(4):  # requests, versions, attachments, coverage
        entries = selectors.archive_entries(requests)
    assert {entry.request.reference for entry in entries} == {archive[key].reference for key in ARCHIVED}


@pytest.mark.slow
def test_the_archive_page_costs_the_same_queries_for_10_and_100_entries(users, units, client_for):
    def add(count):
        for index in range(count):
            material_request = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
            if index % 3 == 0:
                record(users["revisor1"], request=material_request, headline=f"Nota {index}")

    client = client_for("revisor1")
    add(10)
    client.get(ARCHIVE)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert len(listed(client.get(ARCHIVE))) == 10
    add(90)
    with CaptureQueriesContext(connection) as large:
        assert len(listed(client.get(ARCHIVE, {"page": 2}))) == 25
    assert len(large.captured_queries) == len(small.captured_queries)
