"""The signed PDF of each kind, as real clients see it: LibreOffice makes it, pdftotext reads
the title, reference, approval block and verification code, pdfsig and pyHanko both find a
valid signature by the configured certificate, the fonts are embedded and the metadata
declares PDF/A-2b, the QR decodes (zxing-cpp) to the verification address, and a PDF with
one byte changed fails both validators.

One published request per kind and its PDF are made once for the module (four
conversions); every test reads them."""

import io
import re
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings
from pyhanko.pdf_utils.reader import PdfFileReader

from documents import official, signing
from documents.models import OfficialDocument, Reason
from documents.pdf import soffice_path
from documents.verification import verification_url
from tests.conftest import skip_or_fail
from tests.factories import build_organization, request_in_state
from workflows.models import Kind, State

from .pdfkit import PASSPHRASE, flip_one_byte, pdf_text, pdfsig, qr_texts, run, squash

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SITE = "https://comunicaciones.example.gob.pe"


@pytest.fixture(scope="module")
def published(django_db_setup, django_db_blocker, signing_certificate):
    if not soffice_path():
        skip_or_fail("LibreOffice (soffice) no está instalado: apt-get install libreoffice-writer-nogui")
    path, credentials = signing_certificate
    with (
        override_settings(
            DOCUMENT_SIGNING_CERTIFICATE=path, DOCUMENT_SIGNING_PASSPHRASE=PASSPHRASE, NOTIFICATIONS_SITE_URL=SITE
        ),
        django_db_blocker.unblock(),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            units, users = build_organization()
            documents = {}
            for kind in Kind:
                material_request = request_in_state(users, units, State.PUBLISHED, kind=kind)
                version = material_request.document_versions.get(reason=Reason.PUBLISH)
                record = official.produce(version.pk)
                assert record.status == OfficialDocument.Status.DONE, record.error
                data, _record = official.official_pdf(version)
                documents[kind] = SimpleNamespace(request=material_request, version=version, record=record, pdf=data)
            yield SimpleNamespace(users=users, units=units, documents=documents, credentials=credentials)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


KINDS = [pytest.param(kind, id=kind.value) for kind in Kind]


@pytest.mark.parametrize("kind", KINDS)
def test_pdftotext_finds_title_reference_approval_and_code(published, kind):
    document = published.documents[kind]
    text = squash(pdf_text(document.pdf))
    content = document.version.snapshot["content"]
    approval = document.version.snapshot["approval"]
    assert content["title"] in text
    assert content["reference"] in text
    assert "Aprobación" in text
    assert f"Aprobado por {approval['approved_by']}" in text
    assert document.record.code in text
    assert f"Código de verificación: {document.record.code}" in text
    assert verification_url(document.record.code, SITE) in text


@pytest.mark.parametrize("kind", KINDS)
def test_pdfsig_and_pyhanko_find_a_valid_signature_by_the_configured_certificate(published, kind):
    document = published.documents[kind]
    report = pdfsig(document.pdf)
    assert "Signature Validation: Signature is Valid." in report, report
    assert f"Signer Certificate Common Name: {published.credentials.common_name}" in report, report
    assert "Total document signed" in report, report
    check = signing.check_signature(PdfFileReader(io.BytesIO(document.pdf)), signing.trust_roots(published.credentials))
    assert check.valid, check
    assert published.credentials.common_name in check.signer
    assert document.record.signer == published.credentials.subject


@pytest.mark.parametrize("kind", KINDS)
def test_pdfa_2b_with_every_font_embedded(published, kind):
    document = published.documents[kind]
    assert document.record.pdfa == "2B"
    fonts = run("pdffonts", data=document.pdf).splitlines()[2:]
    assert fonts, "the PDF names no font"
    for line in fonts:
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    info = run("pdfinfo", data=document.pdf)
    assert re.search(r"^Pages:\s+[1-9]", info, re.MULTILINE), info
    assert "Encrypted:       no" in info


@pytest.mark.parametrize("kind", KINDS)
def test_the_qr_decodes_to_the_verification_address(published, kind):
    document = published.documents[kind]
    assert verification_url(document.record.code, SITE) in qr_texts(document.pdf, page=1)


def test_one_byte_changed_fails_both_validators(published):
    document = published.documents[Kind.PUBLICATION]
    # A byte of the first signed range, well before the signature's own bytes.
    changed = flip_one_byte(document.pdf, position=len(document.pdf) // 4)
    report = pdfsig(changed)
    assert "Signature is Valid" not in report, report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report, report
    check = signing.check_signature(PdfFileReader(io.BytesIO(changed)), signing.trust_roots(published.credentials))
    assert check.present and not check.intact and not check.valid


def test_the_public_page_answers_for_the_code_and_tells_a_changed_copy(client, published):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    document = published.documents[Kind.SPEECH]
    page = client.get(reverse("public:verify_code", kwargs={"code": document.record.code})).content.decode()
    assert document.request.reference in page and document.record.sha256 in page
    upload_url = reverse("public:verify_upload", kwargs={"code": document.record.code})
    same = client.post(upload_url, {"file": SimpleUploadedFile("a.pdf", document.pdf, "application/pdf")})
    assert "Coincide: su archivo es idéntico" in same.content.decode()
    changed = flip_one_byte(document.pdf, position=len(document.pdf) // 4)
    other = client.post(upload_url, {"file": SimpleUploadedFile("b.pdf", changed, "application/pdf")})
    assert other.status_code == 200
    text = other.content.decode()
    assert "No coincide" in text
    assert "fue modificado después de firmarse" in text
