"""The sender chooses what a press release's emails carry: the signed PDF, the DOCX, or
both; each file is the one whose hash the distribution recorded. A PDF not made yet is
refused in Spanish, and nothing is sent."""

import hashlib

import pytest
from django.urls import reverse

from directory import distribution as sending
from directory.models import Distribution
from documents import official
from documents.models import Reason
from tests.documents.conftest import fake_libreoffice, signing_certificate, signing_configured  # noqa: F401

pytestmark = pytest.mark.django_db


def send(client, material_request, attachment_format, directory, capture):
    with capture(execute=True):
        return client.post(
            reverse("directory:distribute", args=[material_request.pk]),
            {
                "journalists": [directory["ana"].pk, directory["luis"].pk],
                "subject": "Nota de prensa",
                "attachment_format": attachment_format,
            },
        )


def test_a_pdf_not_made_yet_is_refused_and_nothing_is_sent(
    client_for, press_release, directory, outbox, django_capture_on_commit_callbacks
):
    client = client_for("publicador")
    page = client.get(reverse("directory:distributions", args=[press_release.pk])).content.decode()
    assert 'name="attachment_format"' in page and "PDF firmado y DOCX" in page
    response = send(client, press_release, "pdf", directory, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "El PDF firmado de la nota aún no está disponible" in response.content.decode()
    assert not Distribution.objects.exists()
    assert outbox == []


@pytest.mark.usefixtures("signing_configured", "fake_libreoffice")
@pytest.mark.parametrize(
    ("choice", "types"),
    [
        ("pdf", ["application/pdf"]),
        ("ambos", [sending.DOCX_TYPE, "application/pdf"]),
        ("docx", [sending.DOCX_TYPE]),
    ],
)
def test_the_emails_carry_what_the_sender_chose(
    client_for, press_release, directory, outbox, django_capture_on_commit_callbacks, choice, types
):
    version = press_release.document_versions.get(reason=Reason.PUBLISH)
    official.produce(version.pk)
    pdf, record = official.official_pdf(version)
    response = send(client_for("publicador"), press_release, choice, directory, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    distribution = Distribution.objects.get()
    assert distribution.attachment_format == choice
    assert len(outbox) == 2
    for message in outbox:
        assert [mimetype for _name, _content, mimetype in message.attachments] == types
        for name, content, mimetype in message.attachments:
            if mimetype == "application/pdf":
                assert content == pdf
                assert name == distribution.pdf_name == official.pdf_filename(version)
                assert hashlib.sha256(content).hexdigest() == distribution.pdf_sha256 == record.sha256
            else:
                assert hashlib.sha256(content).hexdigest() == distribution.attachment_sha256
    if choice == "pdf":
        assert distribution.attachment_sha256 == ""
    if choice == "docx":
        assert distribution.pdf_sha256 == ""
