"""/publico/verificar/: what anyone learns from a code, and from a PDF they upload.

Signed PDFs made without LibreOffice (the conversion is a tiny PDF; the signature is real);
the real documents are checked in test_official_pdf.py."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import official
from documents.models import Reason
from tests.factories import request_in_state
from workflows.models import Kind, State

from .helpers import media_files, png_bytes
from .pdfkit import encrypted_pdf, tiny_pdf

pytestmark = pytest.mark.django_db


def published_document(users, units, kind=Kind.CAMPAIGN, state=State.PUBLISHED):
    material_request = request_in_state(users, units, state, kind=kind)
    version = material_request.document_versions.filter(reason__in=[Reason.PUBLISH]).get()
    record = official.produce(version.pk)
    assert record.is_ready, record.error
    data, _record = official.official_pdf(version)
    return material_request, version, record, data


def code_url(code, name="verify_code"):
    return reverse(f"public:{name}", kwargs={"code": code})


@pytest.fixture
def published(users, units, signing_configured, fake_libreoffice):
    return published_document(users, units)


def test_the_code_page_answers_anyone_with_the_record(client, published):
    material_request, version, record, _data = published
    response = client.get(code_url(record.code))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"El código {record.code} corresponde a un documento publicado" in page
    assert material_request.reference in page
    assert material_request.title in page
    assert version.snapshot_sha256 in page
    assert record.sha256 in page
    assert "SIN VALOR LEGAL" in page  # who signed: the tests' demo certificate
    assert 'id="approval-chain"' in page and "Aprobada" in page
    assert code_url(record.code, "verify_pdf") in page


def test_codes_are_forgiving_to_type(client, published):
    _request, _version, record, _data = published
    typed = record.code.lower().replace("-", "")
    response = client.get(code_url(typed))
    assert response.status_code == 301
    assert response["Location"] == code_url(record.code)
    response = client.get(reverse("public:verify_lookup"), {"codigo": f" {record.code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == code_url(record.code)
    assert client.get(reverse("public:verify_lookup")).status_code == 200


def test_unknown_and_unpublished_codes_reveal_nothing(client, users, units, published):
    material_request, _version, _record, _data = published
    approved = material_request.document_versions.get(reason=Reason.APPROVE)
    official.produce(approved.pk)
    approved_code = official.code_of(approved)
    other = request_in_state(users, units, State.APPROVED, kind=Kind.SPEECH)
    never_published = other.document_versions.get(reason=Reason.APPROVE)
    official.produce(never_published.pk)
    pages = {}
    for code in ("VER-2345-6789", official.code_of(never_published), approved_code):
        response = client.get(code_url(code))
        assert response.status_code == 404, code
        pages[code] = response.content.decode().replace(code, "CODE")
        assert "no corresponde a ningún documento publicado" in pages[code]
        assert other.reference not in pages[code] and other.title not in pages[code]
        assert client.get(code_url(code, "verify_pdf")).status_code == 404
        upload = SimpleUploadedFile("x.pdf", tiny_pdf(), content_type="application/pdf")
        assert client.post(code_url(code, "verify_upload"), {"file": upload}).status_code == 404
    assert len(set(pages.values())) == 1  # an unpublished code reads exactly like an unknown one
    response = client.get(reverse("public:verify_lookup"), {"codigo": "no es un código"})
    assert response.status_code == 404
    assert "no corresponde a ningún documento publicado" in response.content.decode()


def test_a_withdrawn_document_still_verifies_and_says_so(client, users, units, signing_configured, fake_libreoffice):
    _request, _version, record, _data = published_document(users, units, state=State.WITHDRAWN)
    response = client.get(code_url(record.code))
    assert response.status_code == 200
    assert "Publicación retirada" in response.content.decode()


def test_the_published_pdf_downloads_checked_against_its_hash(client, published):
    _request, _version, record, data = published
    response = client.get(code_url(record.code, "verify_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == data
    assert hashlib.sha256(response.content).hexdigest() == record.sha256 == response["X-Content-SHA256"]


def test_the_public_record_offers_the_code_and_the_pdf(client, published):
    material_request, _version, record, _data = published
    page = client.get(reverse("public:detail", kwargs={"reference": material_request.reference})).content.decode()
    assert record.code in page
    assert code_url(record.code, "verify_pdf") in page
    assert record.sha256 in page


def upload(client, code, data, name="copia.pdf"):
    return client.post(
        code_url(code, "verify_upload"), {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}
    )


def test_the_same_pdf_matches(client, published):
    _request, _version, record, data = published
    response = upload(client, record.code, data)
    assert response.status_code == 200
    assert "Coincide: su archivo es idéntico" in response.content.decode()


def test_an_unsigned_pdf_does_not_match_and_says_the_signature_is_absent(client, published):
    _request, _version, record, _data = published
    page = upload(client, record.code, tiny_pdf("Otro texto")).content.decode()
    assert "No coincide" in page
    assert "su SHA-256 es distinto" in page
    assert "no tiene firma electrónica" in page


def test_a_changed_byte_breaks_the_signature(client, published):
    _request, _version, record, data = published
    position = data.index(b"Documento") + 2  # a letter of the signed page's text
    changed = bytearray(data)
    changed[position] ^= 0x01
    page = upload(client, record.code, bytes(changed)).content.decode()
    assert "No coincide" in page
    assert "fue modificado después de firmarse" in page


def test_another_official_document_is_named(client, users, units, published):
    _request, _version, record, _data = published
    _other_request, _other_version, other_record, other_data = published_document(users, units, kind=Kind.SIGNAGE)
    page = upload(client, record.code, other_data).content.decode()
    assert "No coincide" in page
    assert "es otro documento" in page
    assert code_url(other_record.code) in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(png_bytes(), "no es un PDF", id="png"),
        pytest.param(b"hola, no soy un PDF", "no es un PDF", id="text"),
        pytest.param(b"%PDF-1.7\n1 0 obj << /Type /Catalog", "dañado o mal formado", id="malformed"),
        pytest.param(None, "cifrado", id="encrypted"),
    ],
)
def test_bad_uploads_get_a_spanish_message_and_nothing_is_stored(client, published, data, message):
    _request, _version, record, _data = published
    before = media_files()
    response = upload(client, record.code, data if data is not None else encrypted_pdf())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert media_files() == before


def test_oversized_and_empty_uploads_are_refused(client, published):
    _request, _version, record, _data = published
    response = client.post(
        code_url(record.code, "verify_upload"), data=b"x", content_type="application/pdf", CONTENT_LENGTH=10**9
    )
    assert response.status_code == 400
    assert "demasiado grande" in response.content.decode()
    response = upload(client, record.code, b"")
    assert response.status_code == 400
