"""The dossier export: what the ZIP holds, personal data hidden on request, who may ask
for one and download it, progress, failures, and the background path."""

import csv
import io
import time
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from audit.exports import headers
from audit.models import AuditEvent, ExportJob
from audit.redaction import Redactor
from audit.services import chain_for
from documents.models import DocumentVersion
from records import jobs
from tests.audit.helpers import raw
from tests.conftest import sqlite_only_because
from tests.docx_widths import narrow_columns
from tests.factories import create_request, request_in_state
from transparency import services as register
from workflows import services as workflow
from workflows.models import State

pytestmark = pytest.mark.django_db

PHONE, EMAIL, CITIZEN = "987 654 321", "vecina.privada@example.com", "Rosa Elvira Mamani Quispe"


@pytest.fixture
def published(users, units):
    return request_in_state(users, units, State.PUBLISHED)


@pytest.fixture
def personal(users, units):
    """A published campaign whose text and history carry a citizen's personal data."""
    draft = create_request(
        users["rentas1"],
        units["rentas"],
        body=f"Testimonio de la señora {CITIZEN}, vecina del sector 3 (celular {PHONE}, correo {EMAIL}).",
    )
    workflow.submit_request(users["rentas1"], draft)
    workflow.observe_request(users["revisor1"], draft, comment=f"Confirmar autorización de {CITIZEN} al {PHONE}.")
    return draft


def ask(client, url, **data):
    return client.post(url, data)


def job_zip(job) -> zipfile.ZipFile:
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return zipfile.ZipFile(io.BytesIO(job.file.read()))


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def make_dossier(client_for, django_capture_on_commit_callbacks, material_request, username="transparencia", **data):
    client = client_for(username)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dossier:request", args=[material_request.pk]), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    return ExportJob.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1]), client


def test_the_zip_holds_every_version_the_trail_and_a_summary(client_for, django_capture_on_commit_callbacks, published):
    job, _client = make_dossier(client_for, django_capture_on_commit_callbacks, published)
    archive = job_zip(job)
    versions = list(DocumentVersion.objects.filter(request=published).order_by("number"))
    folder = published.reference
    names = set(archive.namelist())
    assert {f"{folder}/versiones/{folder}-v{v.number}-{v.reason}.docx" for v in versions} <= names
    assert {f"{folder}/auditoria.csv", "resumen.docx"} <= names
    # The DOCX files are the originals: the same bytes as a download of each version.
    from documents.services import rendered_docx

    for version in versions:
        data = archive.read(f"{folder}/versiones/{folder}-v{version.number}-{version.reason}.docx")
        assert data == rendered_docx(version)[0]
    rows = list(csv.reader(io.StringIO(archive.read(f"{folder}/auditoria.csv").decode("utf-8-sig"))))
    events = list(AuditEvent.objects.filter(chain=chain_for(published)).order_by("sequence"))
    # The audit log's own export format: same Spanish header as /auditoria/exportar.csv.
    assert rows[0] == [str(header) for header in headers()]
    # The whole trail, the request for this very dossier included.
    assert [row[-1] for row in rows[1:]] == [e.hash for e in events]
    assert events[-1].action == "export"
    summary = docx_text(archive.read("resumen.docx"))
    assert "Cadena de auditoría verificada: íntegra." in summary
    for version in versions:
        assert version.snapshot_sha256 in summary
    # Labels and people, never the stored codes.
    assert "Registro de la publicación" in summary and "Pendiente de aprobación → Aprobada" in summary
    for code in ("publish", "approve", "pendiente_aprobacion", "aprobado", "[approve]"):
        assert code not in summary.split(), code
    assert "Aprobada → Publicada" in summary
    document = Document(io.BytesIO(archive.read("resumen.docx")))
    assert narrow_columns(document) == []
    assert job.sha256 and job.size == job.file.size


def test_the_request_is_audited_and_so_is_the_download(client_for, django_capture_on_commit_callbacks, published):
    job, client = make_dossier(client_for, django_capture_on_commit_callbacks, published)
    export = AuditEvent.objects.get(chain=chain_for(published), action="export")
    assert export.data["job"] == str(job.pk) and export.actor_username == "transparencia"
    response = client.get(reverse("dossier:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="expediente-')
    assert b"".join(response.streaming_content)[:2] == b"PK"
    download = AuditEvent.objects.get(action="export_download")
    job.refresh_from_db()
    assert download.data["file_sha256"] == job.sha256


def test_personal_data_is_hidden_when_asked(client_for, django_capture_on_commit_callbacks, personal, settings):
    # The verification sheet names the site's address; the test's default one is 127.0.0.1,
    # which must not be confused with a client address leaking from the trail.
    settings.NOTIFICATIONS_SITE_URL = "https://comunicaciones.example.gob.pe"
    job, _client = make_dossier(
        client_for,
        django_capture_on_commit_callbacks,
        personal,
        username="auditor",
        redact="on",
        private_names="Rosa Elvira Mamani Quispe",
    )
    archive = job_zip(job)
    everything = ""
    for name in archive.namelist():
        data = archive.read(name)
        everything += docx_text(data) if name.endswith(".docx") else data.decode("utf-8-sig")
    for secret in (PHONE, "987654321", EMAIL, CITIZEN, "Mamani Quispe", "Rosa Elvira"):
        assert secret not in everything
    assert "[teléfono reservado]" in everything and "[correo reservado]" in everything
    assert "[nombre reservado]" in everything
    assert "127.0.0.1" not in everything  # the IP addresses of the trail are personal data too
    # Officials stay named: their acts are public.
    assert "revisor1" in everything


def test_without_redaction_the_internal_copy_keeps_everything(client_for, django_capture_on_commit_callbacks, personal):
    job, _client = make_dossier(client_for, django_capture_on_commit_callbacks, personal, username="auditor")
    archive = job_zip(job)
    trail = archive.read(f"{personal.reference}/auditoria.csv").decode("utf-8-sig")
    assert CITIZEN in trail and PHONE in trail


@sqlite_only_because("PostgreSQL's append-only triggers refuse the tampering itself")
def test_a_broken_chain_is_reported_in_the_summary(client_for, django_capture_on_commit_callbacks, published):
    event = AuditEvent.objects.get(chain=chain_for(published), sequence=2)
    raw("UPDATE audit_auditevent SET comment = 'alterado' WHERE id = %s", [event.pk])
    job, _client = make_dossier(client_for, django_capture_on_commit_callbacks, published, username="auditor")
    summary = docx_text(job_zip(job).read("resumen.docx"))
    assert "Cadena de auditoría ROTA" in summary
    moment = timezone.localtime(event.occurred_at).strftime("%d/%m/%Y %H:%M:%S")
    assert f"posición 2 del registro (evento del {moment}: Envío a revisión, por rentas1)" in summary
    assert "materialrequest:" not in summary and "evento id" not in summary


@pytest.mark.parametrize(("username", "expected"), [("rentas1", 403), ("gerente", 403), ("publicador", 403)])
def test_people_outside_transparency_and_control_cannot_ask(client_for, published, username, expected):
    client = client_for(username)
    assert client.get(reverse("dossier:request", args=[published.pk])).status_code == expected
    assert client.post(reverse("dossier:request", args=[published.pk]), {}).status_code == expected
    assert not ExportJob.objects.exists()


def test_the_auditor_examines_any_request_and_transparency_what_it_may_see(client_for, users, units):
    draft = request_in_state(users, units, State.DRAFT)
    assert client_for("auditor").get(reverse("dossier:request", args=[draft.pk])).status_code == 200
    assert client_for("transparencia").get(reverse("dossier:request", args=[draft.pk])).status_code == 404
    assert client_for("transparencia").get(reverse("dossier:request", args=[999_999])).status_code == 404


def test_anonymous_visitors_go_to_the_login(client, published):
    response = client.get(reverse("dossier:request", args=[published.pk]))
    assert response.status_code == 302 and response.url.startswith("/ingresar/")


def test_only_its_requester_sees_a_job(client_for, django_capture_on_commit_callbacks, published):
    job, _client = make_dossier(client_for, django_capture_on_commit_callbacks, published)
    other = client_for("auditor")
    for name in ("dossier:job", "dossier:status", "dossier:download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="export_download").exists()


def test_progress_is_reported_and_a_download_before_it_is_ready_is_refused(client_for, published, users):
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.REQUEST_DOSSIER,
        requested_by=users["transparencia"],
        params={"request": published.pk},
        title="x",
        steps_done=3,
        steps_total=4,
        status=ExportJob.Status.RUNNING,
    )
    client = client_for("transparencia")
    state = client.get(reverse("dossier:status", args=[job.pk])).json()
    assert (state["status"], state["percent"], state["download_url"]) == ("running", 75, "")
    page = client.get(reverse("dossier:job", args=[job.pk]))
    assert 'value="75"' in page.content.decode()
    assert client.get(reverse("dossier:download", args=[job.pk])).status_code == 409


def test_a_failure_is_stored_in_spanish_and_leaves_no_file(monkeypatch, users, published):
    def explode(job, progress):
        raise RuntimeError("disk full")

    monkeypatch.setattr("records.dossier.build", explode)
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.REQUEST_DOSSIER, requested_by=users["auditor"], params={"request": published.pk}, title="x"
    )
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "No se pudo preparar el expediente" in job.error
    assert not job.file


def test_too_many_private_names_are_refused_and_nothing_is_queued(client_for, published):
    names = "\n".join(f"Persona {n}" for n in range(jobs.NAMES_MAX + 1))
    response = client_for("transparencia").post(
        reverse("dossier:request", args=[published.pk]), {"redact": "on", "private_names": names}
    )
    assert response.status_code == 400
    assert "como máximo" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_abandoned_jobs_are_picked_up_again(users, published):
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.REQUEST_DOSSIER,
        requested_by=users["auditor"],
        params={"request": published.pk},
        title="x",
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
    )
    recent = ExportJob.objects.create(
        kind=ExportJob.Kind.REQUEST_DOSSIER,
        requested_by=users["auditor"],
        params={"request": published.pk},
        title="y",
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now(),
    )
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    recent.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert recent.status == ExportJob.Status.RUNNING  # still being built by a live worker


def test_a_transparency_dossier_covers_the_linked_requests(
    client_for, django_capture_on_commit_callbacks, users, units, published
):
    other = request_in_state(users, units, State.PUBLISHED, author="social1", unit="social")
    entry = register.register_request(
        users["transparencia"],
        data={
            "requester_name": CITIZEN,
            "requester_document_type": "dni",
            "requester_document_number": "45678912",
            "requester_email": EMAIL,
            "requester_phone": "",
            "requester_address": "",
            "channel": "presencial",
            "received_at": timezone.now() - timedelta(hours=3),
            "requested_information": f"Quién aprobó la campaña {published.reference}.",
        },
    )
    register.link_material_request(users["transparencia"], entry, published)
    register.link_material_request(users["transparencia"], entry, other)
    client = client_for("transparencia")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dossier:transparency", args=[entry.pk]), {"redact": "on"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    archive = job_zip(job)
    assert {f"{published.reference}/auditoria.csv", f"{other.reference}/auditoria.csv"} <= set(archive.namelist())
    summary = docx_text(archive.read("resumen.docx"))
    assert entry.reference in summary
    assert CITIZEN not in summary  # the requester's own name is hidden in the public copy
    assert job.file.name.endswith(f"expediente-{entry.reference}-reservado.zip")
    assert AuditEvent.objects.filter(chain=chain_for(entry), action="export").exists()
    assert client_for("rentas1").get(reverse("dossier:transparency", args=[entry.pk])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_in_the_background_the_page_sees_it_finish(settings, client_for, published):
    settings.TASKS_BACKEND = "threads"
    client = client_for("transparencia")
    response = client.post(reverse("dossier:request", args=[published.pk]), {})
    job_id = response.url.rstrip("/").rsplit("/", 1)[-1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(reverse("dossier:status", args=[job_id])).json()
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert state["status"] == "done", state
    assert state["percent"] == 100 and state["download_url"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Llamar al 987654321 o al +51 987 654 321.", "Llamar al [teléfono reservado] o al [teléfono reservado]."),
        ("Fijo (01) 463-1234, Honduras 9876-5432.", "Fijo [teléfono reservado], Honduras [teléfono reservado]."),
        ("Escribir a ana.perez@correo.pe hoy.", "Escribir a [correo reservado] hoy."),
        ("Identificada con DNI N° 45678912.", "Identificada con [documento reservado]."),
        (
            "Del 2026-11-24 al 05/01/2027, presupuesto S/ 6800.00.",
            "Del 2026-11-24 al 05/01/2027, presupuesto S/ 6800.00.",
        ),
        ("Referencia COM-2026-00042, expediente 2026-001234.", "Referencia COM-2026-00042, expediente 2026-001234."),
        ("La señora Rosa Mamani y rosa elvira mamani quispe.", "La señora Rosa Mamani y [nombre reservado]."),
        ("Mamani Quispe firmó.", "[nombre reservado] firmó."),
        (
            "Aprobado 2026-11-22T02:42:48.163240+00:00 a las 10:45:30.",
            "Aprobado 2026-11-22T02:42:48.163240+00:00 a las 10:45:30.",
        ),
    ],
)
def test_redaction_rules(text, expected):
    assert Redactor(("Rosa Elvira Mamani Quispe",)).text(text) == expected
