"""The dossier and the transparency answer carry the signed PDFs and a plain Spanish sheet
on how anyone can verify them; a redacted copy carries only the signed PDFs already public
(a signed PDF cannot be redacted without breaking its signature)."""

import hashlib

import pytest
from django.urls import reverse

from documents import official
from documents.models import Reason
from tests.audit.test_dossier import job_zip, make_dossier
from tests.documents.conftest import fake_libreoffice, signing_certificate, signing_configured  # noqa: F401
from tests.factories import request_in_state
from workflows.models import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_configured", "fake_libreoffice")]


@pytest.fixture
def signed(users, units):
    material_request = request_in_state(users, units, State.PUBLISHED)
    records = {}
    for version in material_request.document_versions.filter(reason__in=[Reason.APPROVE, Reason.PUBLISH]):
        records[version.reason] = (version, official.produce(version.pk))
    return material_request, records


def test_the_dossier_holds_the_signed_pdfs_and_how_to_verify_them(
    client_for, django_capture_on_commit_callbacks, signed
):
    material_request, records = signed
    job, _client = make_dossier(client_for, django_capture_on_commit_callbacks, material_request)
    archive = job_zip(job)
    names = archive.namelist()
    ref = material_request.reference
    for reason, (version, record) in records.items():
        name = f"{ref}/versiones/{ref}-v{version.number}-{reason}-firmado.pdf"
        assert name in names
        assert hashlib.sha256(archive.read(name)).hexdigest() == record.sha256
    sheet = archive.read("COMO-VERIFICAR.txt").decode("utf-8")
    assert "CÓMO VERIFICAR" in sheet
    for _version, record in records.values():
        assert record.code in sheet and record.sha256 in sheet
        assert f"/publico/verificar/{record.code}/" in sheet
    for words in ("código de verificación", "QR", "SHA-256", "firma"):
        assert words.lower() in sheet.lower()
    from tests.audit.test_dossier import docx_text

    summary = docx_text(archive.read("resumen.docx"))
    assert "Documentos oficiales firmados (PDF)" in summary
    assert records[Reason.PUBLISH][1].code in summary


def test_a_redacted_copy_carries_only_the_published_signed_pdf(client_for, django_capture_on_commit_callbacks, signed):
    material_request, records = signed
    job, _client = make_dossier(client_for, django_capture_on_commit_callbacks, material_request, redact="on")
    names = job_zip(job).namelist()
    signed_names = [name for name in names if name.endswith("-firmado.pdf")]
    assert signed_names == [
        f"{material_request.reference}/versiones/{material_request.reference}-v{records[Reason.PUBLISH][0].number}"
        "-publish-firmado.pdf"
    ]
    assert "COMO-VERIFICAR.txt" in names
    assert reverse("dossier:request", args=[material_request.pk])
