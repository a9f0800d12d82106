"""Building document versions for the tests: requests through the services, versions
through documents.services.record_version, in the transaction of a change."""

import io
import os
import struct
import zlib

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from docx import Document

from audit.selectors import events_for
from documents.services import record_version
from tests.factories import request_in_state
from workflows import services
from workflows.models import Attachment, Kind, MaterialRequest, State

REASON_FOR_STATE = {
    State.DRAFT: "edit",
    State.IN_REVIEW: "submit",
    State.PENDING_APPROVAL: "edit",
    State.APPROVED: "approve",
    State.PUBLISHED: "publish",
}


def new_version(actor, material_request, reason):
    with transaction.atomic():
        fresh = MaterialRequest.objects.get(pk=material_request.pk)
        return record_version(actor=actor, material_request=fresh, reason=reason)


def version_in_state(users, units, state=State.APPROVED, kind=Kind.CAMPAIGN, **kwargs):
    material_request = request_in_state(users, units, state, kind=kind, **kwargs)
    actor = users["gerente"] if state in (State.APPROVED, State.PUBLISHED) else material_request.author
    return new_version(actor, material_request, REASON_FOR_STATE[State(state)])


def edit(actor, material_request, *, details=None, **fields):
    current = MaterialRequest.objects.get(pk=material_request.pk)
    return services.update_request(
        actor, current, fields=fields, details=details or {}, expected_revision=current.revision
    )


def png_bytes(width=4, height=3, color=(200, 30, 30)) -> bytes:
    """A real PNG made here: the signature, IHDR, one IDAT and IEND."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(color) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png_upload(name="foto.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def all_text(document) -> str:
    """Every paragraph and table cell of the body, in order, one per line."""
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def header_text(document) -> str:
    return "\n".join(paragraph.text for paragraph in document.sections[0].header.paragraphs)


def footer_xml(document) -> str:
    return document.sections[0].footer._element.xml


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def media_files():
    return sorted(os.path.join(root, name) for root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names)


def snapshot(material_request):
    """What a refused import or upload must leave as it was: the body, the revision, the
    attachments, the audit trail and the files in media storage."""
    material_request.refresh_from_db()
    return {
        "body": material_request.body,
        "revision": material_request.revision,
        "attachments": Attachment.objects.filter(request=material_request).count(),
        "events": events_for(material_request).count(),
        "media": media_files(),
    }
