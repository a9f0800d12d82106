"""A real client opens the documents: LibreOffice converts each kind's approved DOCX to
PDF, and pdftotext finds the title, the reference and the approval block in it."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from documents.services import rendered_docx
from tests.conftest import skip_or_fail
from tests.factories import create_request
from workflows.models import Kind, State

from .helpers import new_version, version_in_state

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CONVERT_TIMEOUT = 180


def tools():
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    if not soffice:
        skip_or_fail("LibreOffice (soffice) no está instalado: apt-get install libreoffice-writer-nogui")
    if not pdftotext:
        skip_or_fail("pdftotext no está instalado: apt-get install poppler-utils")
    return soffice, pdftotext


def to_pdf_text(data: bytes, name: str) -> tuple[str, int]:
    """Convert with a throwaway profile and HOME; return the PDF's text and page count."""
    soffice, pdftotext = tools()
    with tempfile.TemporaryDirectory(prefix="docx-pdf-") as work:
        workdir = Path(work)
        source = workdir / f"{name}.docx"
        source.write_bytes(data)
        env = {**os.environ, "HOME": str(workdir / "home")}
        subprocess.run(  # noqa: S603
            [
                soffice,
                f"-env:UserInstallation={(workdir / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(workdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=CONVERT_TIMEOUT,
            env=env,
        )
        pdf = workdir / f"{name}.pdf"
        assert pdf.exists(), "LibreOffice did not write the PDF"
        text = subprocess.run(  # noqa: S603
            [pdftotext, str(pdf), "-"], check=True, capture_output=True, timeout=60
        ).stdout.decode()
        info = subprocess.run(  # noqa: S603
            [pdftotext.replace("pdftotext", "pdfinfo"), str(pdf)], capture_output=True, timeout=60
        ).stdout.decode()
        pages = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
        return text, int(pages.group(1)) if pages else text.count("\f")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("kind", list(Kind))
def test_approved_docx_opens_in_libreoffice(users, units, kind):
    tools()
    version = version_in_state(users, units, State.APPROVED, kind=kind)
    data, _sha = rendered_docx(version)
    text, pages = to_pdf_text(data, f"{kind}-v{version.number}")
    flat = squash(text)
    reference = version.request.reference
    assert reference in flat
    assert "Campaña de vacunación canina" in flat
    assert "Municipalidad Distrital de Prueba" in flat
    assert "APROBADO" in flat
    assert "BORRADOR" not in flat
    for label in ("Aprobación", "Aprobado por", "gerente", "Gerente de comunicaciones", f"v{version.number}"):
        assert label in flat, label
    # The hashes may wrap across lines in a narrow column: compare without spaces.
    assert version.snapshot["approval"]["content_sha256"] in flat.replace(" ", "")
    assert f"Página 1 de {pages}" in flat


def test_a_ten_page_document_converts(users, units):
    tools()
    paragraph = (
        "La Municipalidad informa a los vecinos que la campaña continuará durante todo el mes, "
        "con puntos de atención en cada sector del distrito y personal capacitado para orientar. "
    ) * 4
    body = "\n\n".join(f"{number}. {paragraph}" for number in range(1, 81))
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.PUBLICATION, body=body)
    version = new_version(users["rentas1"], material_request, "edit")
    data, _sha = rendered_docx(version)
    text, pages = to_pdf_text(data, "largo")
    assert pages >= 10
    assert f"Página {pages} de {pages}" in squash(text)
    assert "BORRADOR" in text
