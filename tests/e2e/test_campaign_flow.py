"""A campaign from the unit's draft to the manager's queue, driven through a real browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from workflows.models import MaterialRequest, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Campaña de vacunación antirrábica 2026"


def fill_campaign_form(page, *, start, end):
    """Fill the new-campaign form as a person would: by the Spanish labels."""
    today = timezone.localdate()
    page.get_by_label("Unidad solicitante").select_option(label="Rentas")
    page.get_by_label("Título", exact=True).fill(TITLE)
    page.get_by_label("Fecha requerida").fill((today + timedelta(days=10)).isoformat())
    page.get_by_label("Resumen", exact=True).fill("Difundir la campaña gratuita de vacunación antirrábica.")
    page.get_by_label("Contenido", exact=True).fill("Del 1 al 15, en todos los parques del distrito.")
    page.get_by_label("Tipo de campaña").select_option(label="De prevención")
    page.get_by_label("Objetivo", exact=True).fill("Vacunar a 5 000 perros y gatos.")
    page.get_by_label("Público objetivo").fill("Vecinos con mascotas")
    page.get_by_label("Radio", exact=True).check()
    page.get_by_label("Facebook", exact=True).check()
    page.get_by_label("Inicio", exact=True).fill(start.isoformat())
    page.get_by_label("Fin", exact=True).fill(end.isoformat())
    page.get_by_label("Presupuesto (S/)").fill("1500.00")


def open_new_campaign(page):
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Nueva solicitud").click()
    expect(page.get_by_role("heading", name="Nueva solicitud")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Campaña")).click()
    expect(page.get_by_role("heading", name=re.compile(r"Nueva solicitud\s+Campaña"))).to_be_visible()


def run_action(page, label):
    """Open an action (a <details> whose <summary> is the button) and confirm it."""
    page.locator("#actions summary", has_text=label).click()
    page.get_by_role("button", name=f"Confirmar: {label}").click()


def test_campaign_goes_from_draft_to_pending_approval(users, login_as, screenshot, daphne_server):
    today = timezone.localdate()

    # The unit's requester writes the campaign and sends it to review.
    author = login_as("rentas1")
    expect(author.get_by_role("heading", name="Solicitudes")).to_be_visible()
    screenshot(author, "01-rentas1-list-empty")
    open_new_campaign(author)
    fill_campaign_form(author, start=today + timedelta(days=5), end=today + timedelta(days=20))
    screenshot(author, "02-rentas1-form-filled")
    author.get_by_role("button", name="Guardar borrador").click()

    expect(author.get_by_role("status")).to_contain_text(re.compile(r"Borrador COM-\d{4}-\d+ guardado\."))
    expect(author.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(author.locator("#request-state")).to_have_text("Borrador")
    expect(author.locator("#actions")).to_contain_text("Editar")
    detail_url = author.url
    pk = int(re.search(r"/solicitudes/(\d+)/$", detail_url).group(1))
    material_request = MaterialRequest.objects.get(pk=pk)
    assert material_request.state == State.DRAFT
    assert set(material_request.details.channels) == {"facebook", "radio"}
    screenshot(author, "03-rentas1-draft-saved")

    run_action(author, "Enviar a revisión")
    expect(author.get_by_role("status")).to_contain_text(re.compile(r"Solicitud COM-\d{4}-\d+ enviada a revisión\."))
    expect(author.locator("#request-state")).to_have_text("En revisión")
    screenshot(author, "04-rentas1-submitted")

    author.goto("/solicitudes/")
    row = author.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("En revisión")
    expect(row).to_contain_text("Campaña")
    expect(row).to_contain_text("Rentas")
    screenshot(author, "05-rentas1-list-in-review")

    # A colleague from the same unit sees it but cannot forward it, not even by posting directly.
    colleague = login_as("rentas2")
    colleague.goto(detail_url)
    expect(colleague.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(colleague.locator("#request-state")).to_have_text("En revisión")
    expect(colleague.get_by_text("Derivar a aprobación")).to_have_count(0)
    screenshot(colleague, "06-rentas2-no-forward")
    csrf = next(c["value"] for c in colleague.context.cookies() if c["name"] == "csrftoken")
    material_request.refresh_from_db()
    response = colleague.request.post(
        f"/solicitudes/{pk}/accion/forward/",
        form={"csrfmiddlewaretoken": csrf, "revision": str(material_request.revision), "comment": ""},
        headers={"Referer": detail_url},
    )
    assert response.status == 403, response.text()[:500]
    material_request.refresh_from_db()
    assert material_request.state == State.IN_REVIEW

    # The reviewer forwards it to the manager.
    reviewer = login_as("revisor1")
    reviewer.goto("/solicitudes/")  # a reviewer lands on the inbox
    row = reviewer.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("En revisión")
    row.get_by_role("link", name=TITLE).click()
    expect(reviewer.get_by_role("heading", name=TITLE)).to_be_visible()
    screenshot(reviewer, "07-revisor1-detail")
    run_action(reviewer, "Derivar a aprobación")
    expect(reviewer.get_by_role("status")).to_contain_text(
        re.compile(r"Solicitud COM-\d{4}-\d+ derivada a aprobación\.")
    )
    expect(reviewer.locator("#request-state")).to_have_text("Pendiente de aprobación")
    expect(reviewer.locator("#actions summary", has_text="Derivar a aprobación")).to_have_count(0)

    # The history on the page tells the story, oldest first.
    history = reviewer.locator("#history li")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("Creó el borrador")
    expect(history.nth(0)).to_contain_text("rentas1")
    expect(history.nth(1)).to_contain_text("Envió a revisión")
    expect(history.nth(1)).to_contain_text("Borrador → En revisión")
    expect(history.nth(2)).to_contain_text("Derivó a aprobación")
    expect(history.nth(2)).to_contain_text("revisor1")
    expect(history.nth(2)).to_contain_text("En revisión → Pendiente de aprobación")
    screenshot(reviewer, "08-revisor1-forwarded")

    material_request.refresh_from_db()
    assert material_request.state == State.PENDING_APPROVAL


def test_campaign_ending_before_it_starts_is_refused_in_spanish(users, login_as, screenshot):
    today = timezone.localdate()
    page = login_as("rentas1")
    open_new_campaign(page)
    fill_campaign_form(page, start=today + timedelta(days=20), end=today + timedelta(days=5))
    page.get_by_role("button", name="Guardar borrador").click()

    expect(page.get_by_role("alert")).to_have_text("Revise los campos marcados.")
    end_field = page.locator(".field", has=page.get_by_label("Fin", exact=True))
    expect(end_field).to_contain_text("La fecha de fin no puede ser anterior a la de inicio.")
    # What the person typed is still there to correct.
    expect(page.get_by_label("Título", exact=True)).to_have_value(TITLE)
    screenshot(page, "01-end-before-start")
    assert not MaterialRequest.objects.exists()

    page.goto("/solicitudes/")
    expect(page.get_by_text("No hay solicitudes que mostrar con estos filtros.")).to_be_visible()
