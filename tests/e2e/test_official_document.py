"""Through a real browser: the gerente has the signed PDF of a published press release made
(LibreOffice and the signature run in the server's task queue), then a citizen without an
account types its code on the public verification page, downloads the signed PDF and
uploads it back: it matches."""

import re
import time

import pytest
from playwright.sync_api import expect

from documents.pdf import soffice_path
from tests.conftest import skip_or_fail
from tests.documents.pdfkit import PASSPHRASE, make_certificate
from tests.factories import request_in_state
from workflows.models import Kind, State

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PDF_WAIT_S = 90


@pytest.fixture
def signing_server_env(monkeypatch, tmp_path):
    """The server's signing certificate, set in the environment it starts with (before
    daphne_server, which copies it)."""
    if not soffice_path():
        skip_or_fail("LibreOffice (soffice) no está instalado: apt-get install libreoffice-writer-nogui")
    path, _credentials = make_certificate(tmp_path)
    monkeypatch.setenv("DOCUMENT_SIGNING_CERTIFICATE", path)
    monkeypatch.setenv("DOCUMENT_SIGNING_PASSPHRASE", PASSPHRASE)


def test_the_office_makes_the_signed_pdf_and_anyone_verifies_it(
    signing_server_env, users, units, browser, daphne_server, login_as, screenshot, tmp_path
):
    published = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)

    page = login_as("gerente")
    page.goto(f"/solicitudes/{published.pk}/versiones/")
    newest = page.locator("#versions tbody tr").first
    newest.get_by_role("button", name="Generar ahora").click()
    expect(page.get_by_text(re.compile(r"Se volvió a pedir el PDF firmado de la versión \d+\."))).to_be_visible()
    deadline = time.monotonic() + PDF_WAIT_S
    link = page.locator("#versions tbody tr").first.get_by_role("link", name="PDF firmado")
    while not link.is_visible():
        assert time.monotonic() < deadline, page.locator("#versions").inner_text()
        time.sleep(1)
        page.reload()
        link = page.locator("#versions tbody tr").first.get_by_role("link", name="PDF firmado")
    code = page.locator("#versions tbody tr").first.locator(".pdf-code").inner_text().strip()
    assert re.fullmatch(r"VER-[2-9A-Z]{4}-[2-9A-Z]{4}", code), code
    screenshot(page, "01-versions-with-signed-pdf")

    citizen = browser.new_context(base_url=daphne_server, locale="es-PE").new_page()
    citizen.goto("/publico/")
    citizen.get_by_role("link", name="Verificar un documento").first.click()
    citizen.get_by_label("Código de verificación").fill(code.lower().replace("-", " "))
    citizen.get_by_role("button", name="Verificar").click()
    expect(citizen.locator("#verify-found")).to_contain_text(f"El código {code} corresponde a un documento publicado")
    expect(citizen.get_by_text(published.reference).first).to_be_visible()
    expect(citizen.locator("#approval-chain")).to_contain_text("Aprobada")
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name="Descargar el PDF firmado").click()
    saved = tmp_path / "copia.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    citizen.get_by_label("PDF a comparar").set_input_files(str(saved))
    citizen.get_by_role("button", name="Comparar", exact=True).click()
    expect(citizen.locator("#verify-result")).to_contain_text("Coincide: su archivo es idéntico")
    screenshot(citizen, "02-public-verification-matches")

    citizen.goto("/publico/verificar/VER-2345-6789/")
    expect(citizen.locator("#verify-unknown")).to_contain_text("no corresponde a ningún documento publicado")
    citizen.context.close()
