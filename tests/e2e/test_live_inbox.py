"""The director approves from a live inbox (issue: the approval inbox and real-time
notifications), driven through a real browser against daphne.

Every change goes through the browser: the live server is another process, with its
own in-memory channel layer, so only what it does is pushed to the open pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditEvent
from workflows.models import MaterialRequest, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Feria de salud en el parque Los Próceres"
LIVE_TIMEOUT_MS = 5_000  # "within a second" is the target; the bound only keeps a failure short


def run_action(page, label):
    page.locator("#actions summary", has_text=label).click()
    page.get_by_role("button", name=f"Confirmar: {label}").click()


def wait_live(page):
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)


def test_gerente_approves_from_the_inbox_while_every_page_updates_live(users, login_as, screenshot, daphne_server):
    today = timezone.localdate()

    # The gerente's inbox is open, and empty, before anything happens.
    gerente = login_as("gerente")
    gerente.goto("/bandeja/")
    wait_live(gerente)
    expect(gerente.locator("#no-tasks")).to_be_visible()
    bell = gerente.locator("#bell-count")
    expect(bell).to_be_hidden()
    screenshot(gerente, "01-gerente-inbox-empty")

    # rentas1 writes a press release and submits it.
    author = login_as("rentas1")
    author.goto("/solicitudes/nueva/publication/")
    author.get_by_label("Unidad solicitante").select_option(label="Rentas")
    author.get_by_label("Título", exact=True).fill(TITLE)
    author.get_by_label("Fecha requerida").fill((today + timedelta(days=7)).isoformat())
    author.get_by_label("Resumen", exact=True).fill("Atención gratuita de salud para las familias del distrito.")
    author.get_by_label("Formato").select_option(label="Nota de prensa")
    author.get_by_label("Portal web institucional").check()
    author.get_by_role("button", name="Guardar borrador").click()
    expect(author.get_by_role("status")).to_contain_text("guardado")
    run_action(author, "Enviar a revisión")
    expect(author.locator("#request-state")).to_contain_text("En revisión")
    wait_live(author)
    screenshot(author, "02-rentas1-submitted")
    material_request = MaterialRequest.objects.get(title=TITLE)

    # revisor1 forwards it to approval.
    reviewer = login_as("revisor1")
    reviewer.goto(f"/solicitudes/{material_request.pk}/")
    run_action(reviewer, "Derivar a aprobación")
    expect(reviewer.locator("#request-state")).to_contain_text("Pendiente de aprobación")
    screenshot(reviewer, "03-revisor1-forwarded")

    # Without a reload, the gerente's bell counts it and the inbox offers the decision.
    expect(bell).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    expect(gerente.locator("#notification-list")).to_contain_text(material_request.reference, timeout=LIVE_TIMEOUT_MS)
    row = gerente.locator(f"#tasks tr[data-request-id='{material_request.pk}']")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    screenshot(gerente, "04-gerente-inbox-live")

    # The gerente approves in place, from a dialog, with a comment.
    row.get_by_role("button", name="Aprobar").click()
    dialog = gerente.locator("#decide-dialog")  # one dialog for the page, filled from the row
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(material_request.reference)
    dialog.get_by_label("Comentario (obligatorio para devolver)").fill("Conforme, publicar el lunes.")
    screenshot(gerente, "05-gerente-decision-dialog")
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(gerente.get_by_role("status")).to_contain_text(
        re.compile(rf"Solicitud {material_request.reference} aprobada\.")
    )
    expect(gerente.locator(f"#tasks tr[data-request-id='{material_request.pk}']")).to_have_count(0)
    screenshot(gerente, "06-gerente-approved")

    # The author's page, open all along, shows the new state without a reload.
    expect(author.locator("#request-state")).to_contain_text("Aprobada", timeout=LIVE_TIMEOUT_MS)
    screenshot(author, "07-rentas1-sees-aprobado")

    approved = MaterialRequest.objects.get(pk=material_request.pk)
    assert approved.state == State.APPROVED
    assert approved.approved_by.username == "gerente"
    event = AuditEvent.objects.get(object_id=str(approved.pk), action="approve")
    assert event.comment == "Conforme, publicar el lunes."
