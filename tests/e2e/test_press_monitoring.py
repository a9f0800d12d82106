"""Through a real browser: the revisor records coverage with a clipping, the gerente reads
the month's summary and the archive entry with its files and coverage."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditEvent
from press.demo import tiny_png
from press.models import Coverage
from tests.factories import request_in_state
from workflows.models import Kind, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coverage_is_recorded_and_read_in_the_archive_and_the_summary(users, units, login_as, screenshot, tmp_path):
    published = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    clipping = tmp_path / "recorte-diario.png"
    clipping.write_bytes(tiny_png())

    page = login_as("revisor1")
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Prensa").click()
    expect(page.get_by_role("heading", name="Archivo de prensa")).to_be_visible()
    page.get_by_role("link", name="Seguimiento de medios").click()
    page.get_by_role("link", name=re.compile("Registrar cobertura")).click()

    page.get_by_label("Medio", exact=True).fill("Diario La Voz de Lima")
    page.get_by_label("Tipo de medio").select_option(label="Prensa escrita")
    page.get_by_label("Titular").fill("Rentas anuncia descuentos en arbitrios")
    page.get_by_label("Tono").select_option(label="Positivo")
    page.get_by_label("Solicitud relacionada").select_option(value=str(published.pk))
    page.get_by_label("Recorte (PDF, PNG o JPEG)").set_input_files(str(clipping))
    screenshot(page, "01-coverage-form")
    page.get_by_role("button", name="Registrar").click()

    expect(page.get_by_text("Cobertura registrada: Diario La Voz de Lima.")).to_be_visible()
    row = page.locator("tr[data-coverage]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Rentas anuncia descuentos en arbitrios")
    expect(row).to_contain_text(published.reference)
    screenshot(page, "02-coverage-log")
    coverage = Coverage.objects.get()
    assert coverage.clipping_content_type == "image/png" and not coverage.url

    gerente = login_as("gerente")
    gerente.goto("/prensa/seguimiento/resumen/")
    expect(gerente.get_by_role("heading", name=re.compile("Cobertura en medios"))).to_be_visible()
    expect(gerente.locator('#by-tone tr[data-tone="positive"]')).to_contain_text("100,0 %")
    expect(gerente.locator("#by-request")).to_contain_text(published.reference)
    screenshot(gerente, "03-monthly-summary")

    gerente.locator("#by-request").get_by_role("link", name=published.reference).click()
    expect(gerente.get_by_role("heading", name=published.title)).to_be_visible()
    expect(gerente.locator("#files")).to_contain_text("Documento publicado, versión")
    expect(gerente.locator("#coverage")).to_contain_text("Diario La Voz de Lima")
    screenshot(gerente, "04-archive-entry")
    with gerente.expect_download() as download:
        gerente.locator("#coverage").get_by_role("link", name="Recorte").click()
    assert download.value.suggested_filename == "recorte-diario.png"
    assert AuditEvent.objects.filter(
        action="download", chain=f"coverage:{coverage.pk}", actor=users["gerente"]
    ).exists()
    assert coverage.published_on == timezone.localdate()  # the form's default
