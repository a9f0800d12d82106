"""Official documents without LibreOffice: the code, the QR in the DOCX footer, and the PDF
pipeline (queue, signature, storage under its hash, failures the office sees, retries,
permissions) with the conversion replaced by a tiny PDF made here. The real conversion and
the real clients are in test_official_pdf.py (slow)."""

import hashlib
import io

import pytest
from django.core import checks
from django.core.files.storage import default_storage
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from audit.models import AuditEvent
from documents import official, signing
from documents.models import OfficialDocument, Reason
from documents.services import rendered_docx
from documents.verification import normalize_code, verification_code, verification_url
from tests.factories import request_in_state
from workflows.models import Kind, State

from .helpers import footer_xml, open_docx, version_in_state
from .pdfkit import PASSPHRASE

pytestmark = pytest.mark.django_db

Status = OfficialDocument.Status


def approved_version(users, units, kind=Kind.CAMPAIGN):
    material_request = request_in_state(users, units, State.APPROVED, kind=kind)
    return material_request.document_versions.get(reason=Reason.APPROVE)


def pdf_url(version, action=""):
    name = "workflows:version_pdf_retry" if action == "retry" else "workflows:version_pdf"
    return reverse(name, kwargs={"pk": version.request_id, "number": version.number})


# --- the code ---------------------------------------------------------------------------------


def test_code_is_short_unambiguous_and_forgiving_to_type():
    code = verification_code("a" * 64, 3)
    assert len(code) == len("VER-7K2M-Q9XD")
    assert code.startswith("VER-")
    assert not set(code[4:].replace("-", "")) & set("01OILUV")
    assert verification_code("a" * 64, 3) == code
    assert verification_code("a" * 64, 4) != code  # the approval and the publication differ
    assert normalize_code(code.lower()) == code
    assert normalize_code(code.replace("-", " ")) == code
    assert normalize_code(code[4:].replace("-", "")) == code
    for wrong in ("", "VER-", "VER-0000-0000", "VER-ABCD-EFG", "x" * 500, "VER-ABCD-EFGH-J"):
        assert normalize_code(wrong) is None


# --- the DOCX footer --------------------------------------------------------------------------


def test_approved_docx_carries_code_and_qr_in_its_footer_drafts_do_not(users, units, settings):
    settings.NOTIFICATIONS_SITE_URL = "https://comunicaciones.example.gob.pe/"
    approved = approved_version(users, units)
    code = official.code_of(approved)
    assert approved.snapshot["verify_base"] == "https://comunicaciones.example.gob.pe"
    footer = footer_xml(open_docx(rendered_docx(approved)[0]))
    assert code in footer
    assert "https://comunicaciones.example.gob.pe/publico/verificar/" + code in footer
    assert "<pic:pic" in footer or "graphicData" in footer  # the QR picture

    draft = version_in_state(users, units, State.IN_REVIEW)
    draft_footer = footer_xml(open_docx(rendered_docx(draft)[0]))
    assert "VER-" not in draft_footer
    assert "graphicData" not in draft_footer
    assert "verify_base" not in draft.snapshot


def test_qr_holds_the_verification_url(users, units):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from documents.verification import qr_png

    url = verification_url("VER-7K2M-Q9XD", "https://example.gob.pe")
    with Image.open(io.BytesIO(qr_png(url))) as image:
        assert [found.text for found in zxingcpp.read_barcodes(image.convert("L"))] == [url]


def test_the_docx_stays_the_same_bytes_when_the_site_moves(users, units, settings):
    approved = approved_version(users, units)
    first, _sha = rendered_docx(approved)
    settings.NOTIFICATIONS_SITE_URL = "https://otro-sitio.example.org"
    from documents.rendering import render_docx

    assert render_docx(approved) == first


# --- the pipeline -----------------------------------------------------------------------------


def test_approval_queues_the_signed_pdf_after_commit(
    users, units, settings, signing_configured, fake_libreoffice, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_PDF_AUTO = True
    with django_capture_on_commit_callbacks(execute=True):
        material_request = request_in_state(users, units, State.APPROVED)
    version = material_request.document_versions.get(reason=Reason.APPROVE)
    record = OfficialDocument.objects.get(version=version)
    assert record.status == Status.DONE, record.error
    assert record.code == official.code_of(version)
    # LibreOffice received the DOCX with the code in its footer.
    assert len(fake_libreoffice) == 1
    assert official.code_of(version) in footer_xml(open_docx(fake_libreoffice[0]))
    data, again = official.official_pdf(version)
    assert hashlib.sha256(data).hexdigest() == record.sha256 == again.sha256
    assert record.file.name.endswith(f"-{record.sha256[:12]}.pdf")
    check = signing.check_signature(PdfFileReader(io.BytesIO(data)), signing.trust_roots(signing_configured))
    assert check.valid, check
    assert signing.DEMO_COMMON_NAME in record.signer
    assert record.signed_at is not None
    # The drafts and the submission got none.
    assert not OfficialDocument.objects.exclude(version=version).exists()


def test_the_signature_says_who_approved_when_and_where(users, units, signing_configured, fake_libreoffice):
    version = approved_version(users, units)
    record = official.produce(version.pk)
    data, _record = official.official_pdf(version)
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    dictionary = signature.sig_object
    reason = str(dictionary["/Reason"])
    assert reason.startswith("Aprobado por ")
    assert version.snapshot["approval"]["approved_by"] in reason
    assert record.code in reason
    assert str(dictionary["/Location"]) == version.snapshot["municipality"]
    assert "/M" in dictionary  # the signing time


def test_without_a_certificate_the_approval_completes_and_the_office_sees_why(
    users, units, settings, fake_libreoffice, client_for, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_PDF_AUTO = True
    settings.DOCUMENT_SIGNING_CERTIFICATE = ""
    with django_capture_on_commit_callbacks(execute=True):
        material_request = request_in_state(users, units, State.APPROVED)
    assert material_request.state == State.APPROVED
    version = material_request.document_versions.get(reason=Reason.APPROVE)
    record = OfficialDocument.objects.get(version=version)
    assert record.status == Status.FAILED
    assert "No hay certificado de firma configurado" in record.error
    assert not record.file

    client = client_for("gerente")
    page = client.get(reverse("workflows:version_list", kwargs={"pk": material_request.pk})).content.decode()
    assert "PDF no generado" in page and "No hay certificado de firma configurado" in page
    assert pdf_url(version, "retry") in page
    detail = client.get(reverse("workflows:request_detail", kwargs={"pk": material_request.pk})).content.decode()
    assert "No hay certificado de firma configurado" in detail
    # The DOCX is still there; the PDF answers in Spanish that it is not ready.
    docx = reverse("workflows:version_docx", kwargs={"pk": material_request.pk, "number": version.number})
    assert client.get(docx).status_code == 200
    response = client.get(pdf_url(version))
    assert response.status_code == 404
    assert "aún no está disponible" in response.content.decode()


def test_a_wrong_passphrase_fails_then_the_retry_signs_once_fixed(
    users, units, settings, signing_configured, fake_libreoffice, client_for, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_SIGNING_PASSPHRASE = "no-es-esta"
    version = approved_version(users, units)
    record = official.produce(version.pk)
    assert record.status == Status.FAILED
    assert "frase de paso" in record.error
    warnings = [message for message in checks.run_checks() if message.id == "documents.W001"]
    assert warnings and "frase de paso" in warnings[0].msg

    settings.DOCUMENT_SIGNING_PASSPHRASE = PASSPHRASE
    assert not [message for message in checks.run_checks() if message.id == "documents.W001"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("gerente").post(pdf_url(version, "retry"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Status.DONE
    assert record.attempts == 2
    event = AuditEvent.objects.filter(action="pdf_retry").get()
    assert event.actor == users["gerente"]
    assert "frase de paso" in event.data["previous_error"]


def test_missing_libreoffice_is_a_failure_the_office_reads(users, units, settings, signing_configured):
    settings.LIBREOFFICE_PATH = "/nonexistent/soffice"
    version = approved_version(users, units)
    record = official.produce(version.pk)
    assert record.status == Status.FAILED
    assert "LibreOffice no está instalado" in record.error
    assert rendered_docx(version)[0]  # the DOCX stays available


def test_a_stored_pdf_that_changed_is_not_served_and_can_be_made_again(
    users, units, signing_configured, fake_libreoffice, client_for, django_capture_on_commit_callbacks
):
    version = approved_version(users, units)
    record = official.produce(version.pk)
    with default_storage.open(record.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 alterado")
    with pytest.raises(official.OfficialPdfUnavailable, match="no coincide con su hash"):
        official.official_pdf(version)
    client = client_for("gerente")
    response = client.get(pdf_url(version))
    assert response.status_code == 404
    assert "no coincide con su hash registrado" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(pdf_url(version, "retry"))
    data, fresh = official.official_pdf(version)
    assert fresh.sha256 == hashlib.sha256(data).hexdigest()


def test_pdf_download_follows_the_request_permissions_and_is_audited(
    users, units, signing_configured, fake_libreoffice, client_for
):
    version = approved_version(users, units)
    official.produce(version.pk)
    assert client_for("obras1").get(pdf_url(version)).status_code == 404  # may not see the request
    response = client_for("rentas1").get(pdf_url(version))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["X-Content-SHA256"] == hashlib.sha256(response.content).hexdigest()
    event = AuditEvent.objects.filter(action="download", actor=users["rentas1"]).latest("pk")
    assert event.data["format"] == "pdf"
    assert event.data["file_sha256"] == response["X-Content-SHA256"]
    # A unit member may download, not ask the office's retry.
    assert client_for("rentas1").post(pdf_url(version, "retry")).status_code == 403
    assert client_for("obras1").post(pdf_url(version, "retry")).status_code == 404


def test_drafts_and_submissions_get_no_pdf(users, units, signing_configured, fake_libreoffice):
    submitted = version_in_state(users, units, State.IN_REVIEW)
    assert official.produce(submitted.pk) is None
    assert not OfficialDocument.objects.exists()
    assert not fake_libreoffice


def test_the_periodic_job_makes_missing_pdfs_and_waits_before_retrying(users, units, settings, fake_libreoffice):
    settings.DOCUMENT_PDF_AUTO = True
    settings.DOCUMENT_SIGNING_CERTIFICATE = ""
    version = approved_version(users, units)
    assert official.sweep() == {"done": 0, "failed": 1}
    assert official.sweep() == {"done": 0, "failed": 0}  # a failure waits its pause
    OfficialDocument.objects.filter(version=version).update(updated_at=version.created_at.replace(year=2000))
    assert official.sweep() == {"done": 0, "failed": 1}
    settings.DOCUMENT_PDF_AUTO = False
    assert official.sweep() == {"done": 0, "failed": 0}


def test_seed_demo_makes_a_demo_certificate_named_as_such_and_a_coat_of_arms_once(users, units, settings, tmp_path):
    from documents import demo

    path = tmp_path / "firma" / "demo.p12"
    settings.DEMO_SIGNING_CERTIFICATE = settings.DOCUMENT_SIGNING_CERTIFICATE = str(path)
    settings.DOCUMENT_SIGNING_PASSPHRASE = "demostracion"
    municipality = units["rentas"].municipality
    demo.seed(users, municipality)
    credentials = signing.load_credentials()
    assert credentials.is_demo
    assert credentials.common_name == "CERTIFICADO DE DEMOSTRACIÓN — SIN VALOR LEGAL"
    assert municipality.name in credentials.subject
    municipality.refresh_from_db()
    logo = municipality.logo_sha256
    assert logo
    before = path.read_bytes()
    demo.seed(users, municipality)
    assert path.read_bytes() == before
    municipality.refresh_from_db()
    assert municipality.logo_sha256 == logo
    # A certificate configured elsewhere (a real one) is never made up.
    settings.DOCUMENT_SIGNING_CERTIFICATE = str(tmp_path / "real.p12")
    demo.seed(users, municipality)
    assert not (tmp_path / "real.p12").exists()
