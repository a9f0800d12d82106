"""The gerente compiles this month's report in a real browser and downloads its DOCX."""

import io
import re

import pytest
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from audit.models import AuditEvent
from documents.snapshots import MONTHS
from reports.models import Report
from tests.factories import request_in_state
from workflows.models import Kind, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_gerente_generates_and_downloads_this_months_report(users, units, login_as, screenshot):
    published = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    request_in_state(users, units, State.IN_REVIEW, kind=Kind.SPEECH, author="social1", unit="social")
    today = timezone.localdate()

    page = login_as("gerente")
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Informes").click()
    expect(page.get_by_role("heading", name="Informe mensual y memoria anual")).to_be_visible()
    page.get_by_label("Informe mensual", exact=True).check()
    page.get_by_label("Mes", exact=True).fill(f"{today:%Y-%m}")
    screenshot(page, "01-form")
    page.get_by_role("button", name="Generar").click()

    expect(page.locator(".messages")).to_contain_text("versión 1 generada")
    report = Report.objects.get()
    row = page.locator(f'tr[data-reference="{report.reference}"]')
    expect(row).to_contain_text(f"{MONTHS[today.month - 1]} de {today.year}")
    screenshot(page, "02-generated")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Descargar DOCX").click()
    data = open(download_info.value.path(), "rb").read()  # noqa: SIM115 - Playwright's temporary file

    document = Document(io.BytesIO(data))
    assert document.paragraphs[0].text == (
        f"Informe mensual de la Oficina de Imagen Institucional — {MONTHS[today.month - 1]} de {today.year}"
    )
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"Solicitudes recibidas", "Solicitudes publicadas", published.reference} <= cells
    summary = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert summary["Solicitudes recibidas"] == "2"
    assert summary["Solicitudes publicadas"] == "1"
    assert len(document.inline_shapes) == 2  # the two charts
    assert AuditEvent.objects.filter(action="report_download", actor=users["gerente"]).count() == 1
    assert re.fullmatch(r"INF-\d{4}-\d{2}-v1", report.reference)
