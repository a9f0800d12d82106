"""The versions pages: list, DOCX download (audited), and the comparison of two versions."""

import hashlib

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import create_request
from workflows.models import Kind, State

from .helpers import edit, new_version, open_docx, version_in_state

pytestmark = pytest.mark.django_db


def list_url(material_request):
    return reverse("workflows:version_list", kwargs={"pk": material_request.pk})


def docx_url(version):
    return reverse("workflows:version_docx", kwargs={"pk": version.request_id, "number": version.number})


def compare_url(material_request, query=""):
    return reverse("workflows:version_compare", kwargs={"pk": material_request.pk}) + query


def test_pages_need_login(client, users, units):
    version = version_in_state(users, units, State.DRAFT)
    for url in (list_url(version.request), docx_url(version), compare_url(version.request, "?a=1&b=1")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/ingresar/")


def test_list_shows_who_when_state_reason_and_hashes(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    first = new_version(users["rentas1"], material_request, "edit")
    edit(users["rentas1"], material_request, title="Título corregido")
    second = new_version(users["rentas2"], material_request, "edit")
    response = client_for("rentas1").get(list_url(material_request))
    assert response.status_code == 200
    page = response.content.decode()
    for version in (first, second):
        assert f"v{version.number}" in page
        assert version.snapshot_sha256[:16] in page
        assert docx_url(version) in page
    assert "rentas2" in page
    assert "Cambio de contenido" in page
    assert "Borrador" in page
    assert compare_url(material_request) in page


def test_list_without_versions_explains_why(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas1").get(list_url(material_request))
    assert response.status_code == 200
    if not material_request.document_versions.exists():
        assert "Todavía no hay versiones" in response.content.decode()


def test_detail_page_links_to_the_versions(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas1").get(reverse("workflows:request_detail", kwargs={"pk": material_request.pk}))
    assert list_url(material_request) in response.content.decode()


def test_download_is_a_docx_attachment_and_is_audited(client_for, users, units):
    version = version_in_state(users, units, State.APPROVED, kind=Kind.CAMPAIGN)
    before = AuditEvent.objects.filter(action="download").count()
    response = client_for("revisor1").get(docx_url(version))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"{version.request.reference}-v{version.number}.docx" in disposition
    sha = hashlib.sha256(response.content).hexdigest()
    assert response["X-Content-SHA256"] == sha
    document = open_docx(response.content)
    assert "APROBADO" in document.sections[0].header.paragraphs[2].text
    event = AuditEvent.objects.filter(action="download").latest("pk")
    assert AuditEvent.objects.filter(action="download").count() == before + 1
    assert event.actor == users["revisor1"]
    assert event.reference == version.request.reference
    assert event.version_hash == version.snapshot_sha256
    assert event.data["version"] == version.number
    assert event.data["file_sha256"] == sha
    # A second download: the same bytes, and a second event.
    again = client_for("revisor1").get(docx_url(version))
    assert again.content == response.content
    assert AuditEvent.objects.filter(action="download").count() == before + 2


def test_another_units_draft_is_404_and_not_audited(client_for, users, units):
    version = version_in_state(users, units, State.DRAFT, author="social1", unit="social")
    before = AuditEvent.objects.filter(action="download").count()
    for username in ("rentas1", "revisor1", "publicador", "transparencia"):
        client = client_for(username)
        assert client.get(docx_url(version)).status_code == 404
        assert client.get(list_url(version.request)).status_code == 404
        assert client.get(compare_url(version.request, "?a=1&b=1")).status_code == 404
    assert AuditEvent.objects.filter(action="download").count() == before
    assert client_for("social1").get(docx_url(version)).status_code == 200


def test_unknown_version_is_404(client_for, users, units):
    version = version_in_state(users, units, State.DRAFT)
    client = client_for("rentas1")
    missing = reverse("workflows:version_docx", kwargs={"pk": version.request_id, "number": version.number + 5})
    assert client.get(missing).status_code == 404
    assert client.get(compare_url(version.request, f"?a={version.number}&b={version.number + 5}")).status_code == 404


@pytest.mark.parametrize("query", ["", "?a=1", "?a=x&b=1", "?a=1&b=-2", "?a=0&b=1", "?a=&b="])
def test_compare_needs_two_valid_numbers(client_for, users, units, query):
    version = version_in_state(users, units, State.DRAFT)
    response = client_for("rentas1").get(compare_url(version.request, query))
    assert response.status_code == 400
    assert "Indique dos números de versión válidos" in response.content.decode()


def test_compare_shows_what_changed_in_spanish(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.CAMPAIGN)
    first = new_version(users["rentas1"], material_request, "edit")
    edit(
        users["rentas1"],
        material_request,
        title="Vacunación canina 2027",
        details={"audience": "Todo el distrito"},
    )
    second = new_version(users["rentas1"], material_request, "edit")
    response = client_for("rentas1").get(compare_url(material_request, f"?a={first.number}&b={second.number}"))
    assert response.status_code == 200
    page = response.content.decode()
    # Field by field, word by word (documents.comparison).
    assert '<tr class="field-changed" data-field="title">' in page
    assert (
        '<del class="diff-del">Campaña de vacunación</del><ins class="diff-ins">Vacunación</ins> canina'
        '<ins class="diff-ins"> 2027</ins>'
    ) in page
    assert '<tr class="field-changed" data-field="details.audience">' in page
    assert '<del class="diff-del">Vecinos con mascotas</del><ins class="diff-ins">Todo el distrito</ins>' in page
    same = client_for("rentas1").get(compare_url(material_request, f"?a={first.number}&b={first.number}"))
    assert same.status_code == 200
    assert "mismo SHA-256" in same.content.decode()


def test_compare_escapes_content(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    first = new_version(users["rentas1"], material_request, "edit")
    edit(users["rentas1"], material_request, title="<script>alert(1)</script>")
    second = new_version(users["rentas1"], material_request, "edit")
    page = client_for("rentas1").get(compare_url(material_request, f"?a={first.number}&b={second.number}"))
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()
