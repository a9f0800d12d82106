"""The transparency officer answers a citizen: registers the access-to-information request
about a published campaign, sees its legal deadline, links the campaign, and downloads the
dossier built in the background, all through a real browser."""

import io
import re
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditEvent, ExportJob
from tests.factories import request_in_state
from transparency.deadlines import WorkingCalendar
from transparency.models import TransparencyRequest
from workflows.models import State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CITIZEN = "Rosa Elvira Mamani Quispe"


def test_the_officer_registers_a_request_and_downloads_its_dossier(users, units, login_as, screenshot):
    campaign = request_in_state(users, units, State.PUBLISHED)

    page = login_as("transparencia")
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Transparencia").click()
    expect(page.get_by_role("heading", name="Solicitudes de acceso a la información pública")).to_be_visible()
    page.get_by_role("link", name=re.compile("Registrar")).first.click()

    page.get_by_label("Nombre del solicitante").fill(CITIZEN)
    page.get_by_label("Tipo de documento").select_option(label="DNI")
    page.get_by_label("Número de documento").fill("45678912")
    page.get_by_label("Correo electrónico").fill("rosa.mamani@example.com")
    page.get_by_label("Medio de recepción").select_option(label="Presencial (mesa de partes)")
    page.get_by_label("Información solicitada").fill(
        f"Quién aprobó la campaña {campaign.reference}, en qué fecha y con qué texto."
    )
    screenshot(page, "01-register-form")
    page.get_by_role("button", name="Registrar").click()

    # The entry and its legal deadline: 10 working days from the receipt.
    expect(page.get_by_role("heading", name="Solicitud de acceso a la información")).to_be_visible()
    entry = TransparencyRequest.objects.get()
    expected_due = WorkingCalendar().response_due_on(timezone.localtime(entry.received_at).date())
    assert entry.response_due_on == expected_due
    expect(page.locator("#deadlines")).to_contain_text(expected_due.strftime("%d/%m/%Y"))

    # The campaign it asks about.
    page.get_by_label("Referencia de la solicitud").fill(campaign.reference)
    page.get_by_role("button", name="Vincular", exact=True).click()
    expect(page.locator("#linked-requests")).to_contain_text(campaign.reference)
    screenshot(page, "02-entry-with-deadline")

    # The dossier, with personal data hidden, built in the background while the page waits.
    page.locator("#dossier").get_by_role("link", name="Generar expediente").click()
    page.get_by_label(re.compile("Ocultar datos personales")).check()
    page.get_by_role("button", name="Generar expediente").click()
    expect(page.locator("#export-status")).to_have_text("Listo", timeout=60_000)
    expect(page.locator("#export-progress")).to_have_attribute("value", "100")
    screenshot(page, "03-dossier-ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar ZIP").click()
    data = open(download_info.value.path(), "rb").read()  # noqa: SIM115 - Playwright's temporary file

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "resumen.docx" in names
    assert f"{campaign.reference}/auditoria.csv" in names
    assert any(name.startswith(f"{campaign.reference}/versiones/") for name in names)
    from docx import Document

    summary = Document(io.BytesIO(archive.read("resumen.docx")))
    text = "\n".join(p.text for p in summary.paragraphs) + "\n".join(
        cell.text for table in summary.tables for row in table.rows for cell in row.cells
    )
    assert entry.reference in text
    assert "Cadena de auditoría verificada: íntegra." in text
    assert CITIZEN not in text

    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.redact
    assert AuditEvent.objects.filter(action="export_download", actor_username="transparencia").count() == 1
