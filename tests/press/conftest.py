"""Shared pieces of the press tests: published requests built through the services, real
clipping files, and coverage recorded through the service."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from press import services
from press.demo import tiny_png
from press.models import MediumType, Tone
from tests.factories import request_in_state
from workflows.models import Kind, State

PNG = tiny_png()


def small_pdf() -> bytes:
    """A minimal one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


PDF = small_pdf()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def upload(name="recorte.png", content=PNG, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def coverage_data(**overrides):
    data = {
        "medium": "Diario La Voz de Lima",
        "medium_type": MediumType.PRESS,
        "published_on": timezone.localdate(),
        "headline": "Municipio lanza campaña",
        "url": "https://lavozdelima.example/nota/1",
        "tone": Tone.POSITIVE,
        "request": None,
        "notes": "",
    }
    data.update(overrides)
    return data


def record(user, clipping=None, **overrides):
    return services.record_coverage(user, data=coverage_data(**overrides), clipping=clipping)


@pytest.fixture
def published(users, units):
    """A press release of Rentas, published."""
    return request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)


@pytest.fixture
def stored_files(settings):
    """The clippings on disk under the test media root."""
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT) / "press"

    def files():
        return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())

    return files


def form_data_for(coverage, **overrides):
    """What the coverage form posts: the item's current values (or the defaults), changed by `overrides`."""
    data = coverage_data() if coverage is None else {name: getattr(coverage, name) for name in coverage_data()}
    data.update(overrides)
    posted = {}
    for name, value in data.items():
        if value is None:
            value = ""
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = value.pk
        posted[name] = value
    return posted
