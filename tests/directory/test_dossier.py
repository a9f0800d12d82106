"""A distributed press release's dossier carries who received what (difusion.csv) and a
line in its summary; the redacted copy hides the recipients' emails and what the mail
server said about them."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from docx import Document

from audit.models import ExportJob
from audit.redaction import EMAIL_MARK
from directory import distribution as sending
from tests.directory.conftest import REFUSED, make_journalist

pytestmark = pytest.mark.django_db

FAILING = "tests.directory.conftest.FailingBackend"


@pytest.fixture
def distributed(publicador, press_release, directory, settings):
    rebota = make_journalist(publicador, directory["ana"].outlet, full_name="Buzón Lleno", email=REFUSED[0])
    settings.EMAIL_BACKEND = FAILING
    distribution, _ = sending.distribute(
        publicador, press_release, lists=[directory["nacional"]], journalists=[rebota], enqueue=False
    )
    sending.deliver(distribution.pk)
    return press_release


def dossier(client_for, capture, material_request, **data):
    client = client_for("transparencia")
    with capture(execute=True):
        response = client.post(reverse("dossier:request", args=[material_request.pk]), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    job = ExportJob.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1])
    assert job.status == ExportJob.Status.DONE, job.error
    return zipfile.ZipFile(io.BytesIO(job.file.read()))


def rows(archive, reference):
    text = archive.read(f"{reference}/difusion.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def summary(archive) -> str:
    document = Document(io.BytesIO(archive.read("resumen.docx")))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_dossier_lists_who_received_the_press_release(client_for, distributed, django_capture_on_commit_callbacks):
    archive = dossier(client_for, django_capture_on_commit_callbacks, distributed)
    deliveries = rows(archive, distributed.reference)
    by_email = {row["Correo"]: row for row in deliveries}
    assert set(by_email) == {"ana.torres@example.pe", "luis.paredes@example.pe", REFUSED[0]}
    assert by_email["ana.torres@example.pe"]["Estado"] == "Enviado"
    assert by_email["ana.torres@example.pe"]["Medio o institución"] == "Radio Capital"
    assert by_email["ana.torres@example.pe"]["Enviado por"] == "publicador"
    assert by_email[REFUSED[0]]["Estado"] == "Fallido" and "User unknown" in by_email[REFUSED[0]]["Error"]
    assert all(row["SHA-256 del adjunto"] and row["Versión"] for row in deliveries)
    text = summary(archive)
    assert "Difusión a medios: 1 envío, 3 destinatarios: 2 entregados al servidor de correo, 1 fallido." in text
    # The trail holds the send and its outcome.
    trail = archive.read(f"{distributed.reference}/auditoria.csv").decode("utf-8-sig")
    assert "distribution_send" in trail and "distribution_result" in trail


def test_the_redacted_dossier_hides_the_recipients_emails(client_for, distributed, django_capture_on_commit_callbacks):
    archive = dossier(client_for, django_capture_on_commit_callbacks, distributed, redact="on")
    deliveries = rows(archive, distributed.reference)
    assert len(deliveries) == 3
    assert {row["Correo"] for row in deliveries} == {EMAIL_MARK}
    everything = b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".csv")).decode()
    for address in ("ana.torres@example.pe", "luis.paredes@example.pe", REFUSED[0]):
        assert address not in everything
    assert "Radio Capital" in everything  # outlets are no personal data


def test_a_request_never_distributed_has_no_distribution_file(
    client_for, press_release, django_capture_on_commit_callbacks
):
    archive = dossier(client_for, django_capture_on_commit_callbacks, press_release)
    assert f"{press_release.reference}/difusion.csv" not in archive.namelist()
    assert "Difusión a medios" not in summary(archive)
