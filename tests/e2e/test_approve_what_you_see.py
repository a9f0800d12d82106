"""The approver sees what they approve, in a real browser (e2e): the decision dialog of the
inbox and the approval form of the request page load the version being approved (title,
body, number, short hash, DOCX) and what changed since an approver last saw it, word by
word; bulk approval asks first and then reports each request once.

The live server is another process: decisions go through the browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import advance, create_request, request_in_state
from workflows import services
from workflows.models import MaterialRequest, State

from ..documents.helpers import edit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def row_of(page, material_request):
    return page.locator(f"#tasks tr[data-request-id='{material_request.pk}']")


def returned_and_resubmitted(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    returning = services.ACTION_SERVICES["return"]
    material_request = returning(users["gerente"], material_request, comment="Precise el público.")
    edit(users["rentas1"], material_request, title="Campaña de vacunación felina")
    return advance(MaterialRequest.objects.get(pk=material_request.pk), State.PENDING_APPROVAL, users)


def test_the_gerente_sees_the_version_and_what_changed(users, units, login_as, screenshot):
    material_request = returned_and_resubmitted(users, units)
    version = material_request.document_versions.order_by("-number").first()
    page = login_as("gerente")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/bandeja/")
    row_of(page, material_request).get_by_role("button", name="Aprobar").click()
    dialog = page.locator("#decide-dialog")
    review = dialog.locator(".version-review")
    expect(review).to_be_visible()
    expect(review).to_contain_text(f"Versión {version.number}")
    expect(review.locator("[data-short-hash]")).to_have_text(version.snapshot_sha256[:12])
    expect(review.locator(".document-title")).to_have_text("Campaña de vacunación felina")
    expect(review.locator(".document-body")).to_contain_text(material_request.body.split("\n")[0][:40])
    # The title changed since the gerente returned it: the new word is highlighted.
    expect(review.locator('[data-field="title"] ins')).to_have_text("felina")
    expect(review.locator('[data-field="title"] del')).to_have_text("canina")
    expect(review.locator('[data-field="summary"] ins')).to_have_count(0)
    docx = review.get_by_role("link", name="Descargar DOCX")
    href = docx.get_attribute("href")
    assert href.endswith(f"/versiones/{version.number}/docx/")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    screenshot(page, "approval-dialog")
    review.locator('[data-field="title"]').scroll_into_view_if_needed()
    screenshot(page, "approval-dialog-changes")

    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(page.get_by_role("status").first).to_contain_text(material_request.reference)
    assert MaterialRequest.objects.get(pk=material_request.pk).state == State.APPROVED
    assert errors == []


def test_the_request_page_shows_it_in_the_approval_form(users, units, login_as, screenshot):
    material_request = returned_and_resubmitted(users, units)
    version = material_request.document_versions.order_by("-number").first()
    page = login_as("gerente")
    page.goto(f"/solicitudes/{material_request.pk}/")
    page.locator("#actions summary[data-action='approve']").click()
    review = page.locator("#actions .version-review")
    expect(review).to_contain_text(f"Versión {version.number}")
    expect(review.locator("[data-short-hash]")).to_have_text(version.snapshot_sha256[:12])
    expect(review.locator('[data-field="title"] ins')).to_have_text("felina")
    screenshot(page, "request-page-approval")


def test_a_failed_load_says_so_in_spanish(users, units, login_as):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    page = login_as("gerente")
    page.route(re.compile(r".*/versiones/revision/$"), lambda route: route.abort())
    page.goto("/bandeja/")
    row_of(page, material_request).get_by_role("button", name="Aprobar").click()
    expect(page.locator("#decide-dialog [data-review] [role='alert']")).to_have_text(
        "No se pudo cargar el documento que se aprueba. Ábralo en la página de la solicitud antes de decidir."
    )


def test_bulk_approval_confirms_then_reports_each_request_once(users, units, login_as, screenshot):
    titles = ("Boletín tributario de marzo", "Campaña de limpieza de playas", "Aviso de corte de agua")
    chosen = [
        advance(create_request(users["rentas1"], units["rentas"], title=title), State.PENDING_APPROVAL, users)
        for title in titles
    ]
    page = login_as("gerente")
    page.goto("/bandeja/")
    for material_request in chosen:
        row_of(page, material_request).locator("input[type=checkbox]").check()
    page.get_by_label("Comentario para las seleccionadas").fill(
        "Conforme, publicar la campaña «Paga y gana» esta semana."
    )
    # Approved by someone else meanwhile: the page is stale for that one.
    raced = chosen[2]
    services.approve_request(users["gerente_rentas"], MaterialRequest.objects.get(pk=raced.pk), comment="Antes")

    page.get_by_role("button", name="Aprobar seleccionadas").click()
    confirm = page.locator("#bulk-confirm-dialog")
    expect(confirm).to_be_visible()
    expect(confirm.locator("h3")).to_have_text("Va a aprobar 3 solicitudes:")
    items = confirm.locator("[data-bulk-list] li")
    expect(items).to_have_count(3)
    assert sorted(item.inner_text().strip() for item in items.all()) == sorted(
        f"{material_request.reference} · {material_request.title}" for material_request in chosen
    )
    expect(confirm.locator("[data-bulk-comment]")).to_have_text(
        "«Conforme, publicar la campaña “Paga y gana” esta semana.»"
    )
    screenshot(page, "bulk-confirmation")
    # Cancel keeps everything as it was; confirming approves.
    confirm.get_by_role("button", name="Cancelar").click()
    expect(confirm).to_be_hidden()
    assert MaterialRequest.objects.get(pk=chosen[0].pk).state == State.PENDING_APPROVAL
    page.get_by_role("button", name="Aprobar seleccionadas").click()
    # The connection drops: the confirmation says so and keeps the selection; nothing approved.
    page.context.set_offline(True)
    confirm.get_by_role("button", name="Aprobar", exact=True).click()
    expect(confirm.get_by_role("alert")).to_contain_text("No hay conexión con el servidor: no se aprobó ninguna.")
    expect(items).to_have_count(3)
    assert MaterialRequest.objects.get(pk=chosen[0].pk).state == State.PENDING_APPROVAL
    page.context.set_offline(False)
    confirm.get_by_role("button", name="Aprobar", exact=True).click()

    results = page.locator("#bulk-results")
    expect(results).to_be_visible()
    expect(results.locator("#bulk-summary")).to_have_text("2 aprobadas · 1 no aprobada")
    lines = results.locator("li")
    expect(lines).to_have_count(3)
    text = results.inner_text()
    for material_request in chosen:
        assert text.count(material_request.reference) == 1
    for material_request in chosen:
        line = lines.filter(has_text=material_request.reference)
        expect(line).to_contain_text(material_request.title)
        expect(line).to_contain_text("No se aprobó:" if material_request == raced else "Aprobada.")
    screenshot(page, "bulk-results")
    for material_request in chosen[:2]:
        assert MaterialRequest.objects.get(pk=material_request.pk).state == State.APPROVED
