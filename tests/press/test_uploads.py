"""Clipping uploads: a PDF, PNG or JPEG by its content, never by its name; a refused
upload leaves no row, no file and no audit event behind."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from press import services
from press.clippings import inspect_clipping
from press.models import Coverage
from tests.press.conftest import JPEG, PDF, PNG, coverage_data, record, upload
from workflows.exceptions import InvalidInput

pytestmark = pytest.mark.django_db

CREATE = reverse("press:coverage_create")


def form_data(**overrides):
    data = {key: ("" if value is None else value) for key, value in coverage_data(**overrides).items()}
    data["published_on"] = data["published_on"].isoformat()
    return data


def nothing_written(stored_files, files_before):
    return (
        not Coverage.objects.exists()
        and not AuditEvent.objects.filter(action="coverage_record").exists()
        and stored_files() == files_before
    )


@pytest.mark.parametrize(
    ("name", "content", "stored_as", "content_type"),
    [
        ("recorte.png", PNG, ".png", "image/png"),
        ("recorte.pdf", PDF, ".pdf", "application/pdf"),
        ("foto.jpeg", JPEG, ".jpg", "image/jpeg"),
        # Recognised by its content: a PNG named .pdf is stored and served as the PNG it is.
        ("escaneo.pdf", PNG, ".png", "image/png"),
        ("sin-extension", PDF, ".pdf", "application/pdf"),
    ],
)
def test_accepted_clippings_are_typed_by_their_content(name, content, stored_as, content_type):
    stored_name, detected, _sha = inspect_clipping(upload(name, content, "application/octet-stream"))
    assert stored_name.endswith(stored_as)
    assert detected == content_type


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # A script or a web page renamed to look like an image or a PDF.
        ("recorte.png", b"<html><script>alert(1)</script></html>", "no es un PDF, PNG ni JPEG"),
        ("recorte.pdf", b"MZ\x90\x00\x03 renamed executable", "no es un PDF, PNG ni JPEG"),
        # A format attachments accept, but not a clipping.
        ("nota.png", b"PK\x03\x04 a docx renamed", "no es un PDF, PNG ni JPEG"),
        ("recorte.png", b"", "está vacío"),
    ],
)
def test_refused_uploads_through_the_page_leave_nothing(client_for, stored_files, name, content, message):
    before = stored_files()
    response = client_for("revisor1").post(CREATE, {**form_data(url=""), "clipping": upload(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_written(stored_files, before)


def test_an_oversize_clipping_is_refused_before_anything_is_stored(client_for, stored_files, settings):
    settings.PRESS_CLIPPING_MAX_BYTES = 1024
    big = PNG + b"\x00" * 2048
    before = stored_files()
    response = client_for("revisor1").post(CREATE, {**form_data(), "clipping": upload("grande.png", big)})
    assert response.status_code == 400
    assert "el máximo es" in response.content.decode()
    assert nothing_written(stored_files, before)


def test_a_failure_after_the_file_is_stored_removes_it(users, stored_files, monkeypatch):
    """The database write fails after the file is on disk: the file goes too."""
    before = stored_files()

    def broken(**kwargs):
        raise RuntimeError("disco lleno")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        record(users["revisor1"], clipping=upload())
    assert nothing_written(stored_files, before)


def test_a_refused_replacement_keeps_the_old_clipping(users, stored_files):
    coverage = record(users["revisor1"], clipping=upload())
    before = stored_files()
    with pytest.raises(InvalidInput):
        services.update_coverage(
            users["revisor1"], coverage, data=coverage_data(), clipping=upload("malo.png", b"GIF89a....")
        )
    coverage.refresh_from_db()
    assert coverage.clipping_content_type == "image/png"
    assert stored_files() == before
    assert AuditEvent.objects.filter(chain=f"coverage:{coverage.pk}").count() == 1


def test_a_valid_upload_through_the_page_is_stored_and_audited(client_for, stored_files):
    before = stored_files()
    response = client_for("publicador").post(CREATE, {**form_data(url=""), "clipping": upload("Recorte Día 1.png")})
    assert response.status_code == 302
    coverage = Coverage.objects.get()
    assert coverage.clipping_name == "Recorte Día 1.png"
    assert len(stored_files()) == len(before) + 1
    event = AuditEvent.objects.get(action="coverage_record")
    assert event.data["clipping_sha256"] == coverage.clipping_sha256
