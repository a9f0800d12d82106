"""Safe DOCX import: a hostile corpus built here, refused politely, nothing stored."""

import hashlib
import io
import os
import struct
import tracemalloc
import zipfile
import zlib

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.selectors import events_for
from documents import importing
from documents.importing import extract_docx, import_docx_into_draft, inspect_docx
from tests.documents.helpers import snapshot
from tests.documents.hostile import rezip
from tests.factories import create_request, request_in_state
from workflows import inspection
from workflows.exceptions import InvalidInput, StaleRequest
from workflows.models import Attachment, State

MB = 1024 * 1024


# --- building the corpus ------------------------------------------------------------------


def make_png(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = make_png()


def make_docx(*, with_image=True, body_paragraphs=("Primer párrafo del aviso.", "Segundo párrafo.")) -> bytes:
    document = docx.Document()
    document.add_heading("Campaña de vacunación", level=1)
    for text in body_paragraphs:
        document.add_paragraph(text)
    document.add_heading("Lugares", level=2)
    document.add_paragraph("Plaza de Armas", style="List Bullet")
    document.add_paragraph("Mercado central", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, (("Día", "Hora"), ("Lunes", "9:00")), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Cierre del comunicado.")
    if with_image:
        document.add_picture(io.BytesIO(PNG))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_zeros_entry(path, name, size, *, base: bytes, zip64=False):
    """A docx plus one entry of `size` zero bytes, streamed: never `size` bytes in memory."""
    path.write_bytes(rezip(base))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=zip64) as entry:
            zeros = bytes(MB)
            for _ in range(size // MB):
                entry.write(zeros)
    return path.read_bytes()


@pytest.fixture(scope="session")
def plain_docx():
    return make_docx()


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory, plain_docx):
    """About 1 MB on disk, 1 GB declared once expanded."""
    path = tmp_path_factory.mktemp("bomb") / "bomba.docx"
    return write_zeros_entry(path, "word/media/zeros.bin", 1024 * MB, base=plain_docx)


def ratio_bomb(plain_docx, tmp_path):
    """Under the total-size limit, but one entry expands a thousand times."""
    return write_zeros_entry(tmp_path / "ratio.docx", "word/media/zeros.bin", 20 * MB, base=plain_docx)


def lying_header(plain_docx, tmp_path):
    """An entry whose headers claim 100 KB while its deflate stream holds 30 MB."""
    data = bytearray(write_zeros_entry(tmp_path / "liar.docx", "word/zeros.xml", 30 * MB, base=plain_docx))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/zeros.xml")
    lie = struct.pack("<I", 100 * 1024)
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    data[local + 22 : local + 26] = lie
    central = data.rfind(b"PK\x01\x02")  # the entry was appended last
    assert data[central + 46 : central + 46 + len(info.filename)] == info.filename.encode()
    data[central + 24 : central + 28] = lie
    return bytes(data)


def many_entries(plain_docx, tmp_path):
    return rezip(plain_docx, add={f"word/extra/{number}.txt": b"x" for number in range(5_000)})


def doctype_part(plain_docx, tmp_path, encoding="utf-8"):
    with zipfile.ZipFile(io.BytesIO(plain_docx)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    declaration, rest = xml.split("?>", 1)
    hostile = f'{declaration}?>\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest.replace(
        "Segundo párrafo.", "&xxe;"
    )
    if encoding != "utf-8":
        hostile = hostile.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return rezip(plain_docx, replace={"word/document.xml": hostile.encode(encoding)})


def macro_docm_renamed(plain_docx, tmp_path):
    with zipfile.ZipFile(io.BytesIO(plain_docx)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return rezip(plain_docx, replace={"[Content_Types].xml": types.encode()}, add={"word/vbaProject.bin": b"\xd0\xcf"})


def macro_content_type_only(plain_docx, tmp_path):
    with zipfile.ZipFile(io.BytesIO(plain_docx)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return rezip(plain_docx, replace={"[Content_Types].xml": types.encode()})


def traversal(name):
    def build(plain_docx, tmp_path):
        return rezip(plain_docx, add={name: b"owned"})

    return build


DAMAGED = "está dañado o incompleto"
NOT_DOCX = "no es un documento de Word (.docx) válido"

# id -> (upload name, builder(plain_docx, tmp_path) -> bytes, expected Spanish message)
HOSTILE = {
    "zip-bomb": ("bomba.docx", None, "ocupa demasiado al descomprimirse"),
    "ratio-bomb": ("ratio.docx", ratio_bomb, "compresión anómala"),
    "lying-header": ("mentira.docx", lying_header, DAMAGED),
    "many-entries": ("muchos.docx", many_entries, "demasiados archivos internos (5"),
    "xxe-doctype": ("xxe.docx", doctype_part, "declaraciones DOCTYPE o ENTITY"),
    "xxe-utf16": (
        "xxe16.docx",
        lambda docx_, tmp: doctype_part(docx_, tmp, "utf-16"),
        "declaraciones DOCTYPE o ENTITY",
    ),
    "macro-docm-renamed": ("macros.docx", macro_docm_renamed, "contiene macros"),
    "macro-content-type": ("macros2.docx", macro_content_type_only, "contiene macros"),
    "docm-extension": ("macros.docm", lambda docx_, tmp: docx_, "contiene macros"),
    "truncated-half": ("cortado.docx", lambda docx_, tmp: docx_[: len(docx_) // 2], NOT_DOCX),
    "truncated-data": ("cortado2.docx", None, DAMAGED),
    "empty": ("vacio.docx", lambda docx_, tmp: b"", "El archivo está vacío."),
    "eleven-mb": ("grande.docx", None, "el máximo para importar es 10 MB"),
    "png-renamed": ("imagen.docx", lambda docx_, tmp: PNG, NOT_DOCX),
    "traversal-dotdot": ("ruta1.docx", traversal("../../evil.txt"), "rutas internas no permitidas («../../evil.txt»)"),
    "traversal-absolute": ("ruta2.docx", traversal("/etc/passwd"), "rutas internas no permitidas («/etc/passwd»)"),
    "traversal-drive": ("ruta3.docx", traversal("C:\\x"), "rutas internas no permitidas"),
    "traversal-backslash": ("ruta4.docx", traversal("word\\..\\..\\x.xml"), "rutas internas no permitidas"),
    "no-document-part": (
        "sin_cuerpo.docx",
        lambda docx_, tmp: rezip(docx_, drop=("word/document.xml",)),
        "le falta la parte «word/document.xml»",
    ),
    "not-a-docx-name": ("documento.pdf", lambda docx_, tmp: docx_, "extensión .docx"),
}


def truncated_data(plain_docx):
    """The central directory survives, but the stored data of an entry is cut short."""
    with zipfile.ZipFile(io.BytesIO(plain_docx)) as archive:
        info = archive.getinfo("word/document.xml")
        central_start = min(i.header_offset for i in archive.infolist() if i.header_offset > info.header_offset)
    # Overwrite the tail of the document.xml data with garbage: the CRC (or inflate) fails.
    data = bytearray(plain_docx)
    for position in range(central_start - 200, central_start - 20):
        data[position] = 0x41
    return bytes(data)


@pytest.fixture
def hostile_upload(request, plain_docx, zip_bomb, tmp_path):
    def build(case):
        name, builder, message = HOSTILE[case]
        if case == "zip-bomb":
            content = zip_bomb
        elif case == "eleven-mb":
            content = rezip(plain_docx) + os.urandom(11 * MB)
        elif case == "truncated-data":
            content = truncated_data(plain_docx)
        else:
            content = builder(plain_docx, tmp_path)
        return SimpleUploadedFile(name, content), message

    return build


# --- the hostile corpus -----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_upload_is_refused_by_the_service_and_nothing_is_stored(case, hostile_upload, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    upload, message = hostile_upload(case)
    with pytest.raises(InvalidInput) as refused:
        import_docx_into_draft(users["rentas1"], material_request, upload, expected_revision=material_request.revision)
    assert message in refused.value.message
    assert snapshot(material_request) == before
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_upload_is_refused_by_the_page(case, hostile_upload, client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    upload, message = hostile_upload(case)
    response = client_for("rentas1").post(
        reverse("workflows:import_docx", args=[material_request.pk]),
        {"file": upload, "revision": material_request.revision},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert message.replace("'", "&#x27;") in page
    assert snapshot(material_request) == before


@pytest.mark.parametrize("case", ["zip-bomb", "ratio-bomb", "lying-header", "many-entries"])
def test_inspection_memory_stays_far_below_the_expanded_size(case, hostile_upload):
    upload, _message = hostile_upload(case)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput):
            inspect_docx(upload)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB"


def test_zip_bomb_is_small_on_disk_and_huge_when_expanded(zip_bomb):
    assert len(zip_bomb) < 2 * MB
    with zipfile.ZipFile(io.BytesIO(zip_bomb)) as archive:
        assert sum(info.file_size for info in archive.infolist()) >= 1024 * MB


def test_declarations_split_across_read_chunks_are_found(plain_docx, tmp_path, monkeypatch):
    monkeypatch.setattr(inspection, "READ_CHUNK", 5)
    upload = SimpleUploadedFile("xxe.docx", doctype_part(plain_docx, tmp_path))
    with pytest.raises(InvalidInput, match="DOCTYPE o ENTITY"):
        inspect_docx(upload)
    inspect_docx(SimpleUploadedFile("limpio.docx", plain_docx))  # and a clean file still passes


def test_upload_limit_follows_the_setting(plain_docx, settings):
    settings.DOCX_IMPORT_MAX_BYTES = 1024
    with pytest.raises(InvalidInput, match="el máximo para importar es 1 KB"):
        inspect_docx(SimpleUploadedFile("a.docx", plain_docx))


# --- a real document ---------------------------------------------------------------------------


def test_real_docx_is_imported_in_order_with_its_images(plain_docx, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    upload = SimpleUploadedFile("Comunicado vacunación.docx", plain_docx)
    updated = import_docx_into_draft(
        users["rentas1"], material_request, upload, expected_revision=material_request.revision
    )
    body = updated.body
    expected_order = [
        "# Campaña de vacunación",
        "Primer párrafo del aviso.",
        "Segundo párrafo.",
        "## Lugares",
        "- Plaza de Armas\n- Mercado central",
        "Día | Hora\nLunes | 9:00",
        "Cierre del comunicado.",
    ]
    positions = [body.index(piece) for piece in expected_order]
    assert positions == sorted(positions)
    attachments = list(Attachment.objects.filter(request=material_request).order_by("pk"))
    assert len(attachments) == 2
    document, image = attachments
    assert document.original_name == "Comunicado vacunación.docx"
    assert document.sha256 == hashlib.sha256(plain_docx).hexdigest()
    assert document.description == "Documento importado"
    assert document.file.read() == plain_docx
    assert image.content_type == "image/png"
    assert image.sha256 == hashlib.sha256(PNG).hexdigest()
    actions = [event.action for event in events_for(material_request)]
    assert actions.count("edit") == 1
    assert actions.count("attach") == 2


def test_extract_gives_text_and_images(plain_docx):
    imported = extract_docx(SimpleUploadedFile("a.docx", plain_docx))
    assert imported.body_text.startswith("# Campaña de vacunación")
    assert imported.images == [("image1.png", PNG, "image/png")]


def test_too_long_body_is_refused(users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    content = make_docx(with_image=False, body_paragraphs=["palabra " * 8_000])
    with pytest.raises(InvalidInput, match="demasiado largo"):
        import_docx_into_draft(users["rentas1"], material_request, SimpleUploadedFile("largo.docx", content))
    assert snapshot(material_request) == before


def test_a_late_failure_leaves_no_rows_and_no_files(plain_docx, users, units, monkeypatch):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    real_add = importing.services.add_attachment
    calls = []

    def add_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise InvalidInput("fallo simulado")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(importing.services, "add_attachment", add_then_fail)
    with pytest.raises(InvalidInput, match="fallo simulado"):
        import_docx_into_draft(users["rentas1"], material_request, SimpleUploadedFile("a.docx", plain_docx))
    assert len(calls) == 2
    assert snapshot(material_request) == before


def test_only_drafts_may_be_imported_into(plain_docx, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    before = snapshot(material_request)
    for actor in ("rentas1", "revisor1"):
        with pytest.raises(InvalidInput, match="Solo se puede importar un documento en un borrador"):
            import_docx_into_draft(users[actor], material_request, SimpleUploadedFile("a.docx", plain_docx))
    assert snapshot(material_request) == before


def test_other_units_may_not_import(plain_docx, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    with pytest.raises(PermissionDenied):
        import_docx_into_draft(users["social1"], material_request, SimpleUploadedFile("a.docx", plain_docx))
    assert Attachment.objects.count() == 0


def test_stale_revision_is_refused(plain_docx, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    stale = material_request.revision
    material_request = importing.services.update_request(
        users["rentas2"], material_request, fields={"title": "Otro título"}, details={}, expected_revision=stale
    )
    before = snapshot(material_request)
    with pytest.raises(StaleRequest):
        import_docx_into_draft(
            users["rentas1"], material_request, SimpleUploadedFile("a.docx", plain_docx), expected_revision=stale
        )
    assert snapshot(material_request) == before


# --- the page --------------------------------------------------------------------------------


def post_import(client, material_request, content, name="comunicado.docx", revision=None):
    data = {"file": SimpleUploadedFile(name, content)}
    if revision is not None:
        data["revision"] = revision
    return client.post(reverse("workflows:import_docx", args=[material_request.pk]), data)


def test_page_imports_and_redirects(plain_docx, client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    client = client_for("rentas1")
    response = post_import(client, material_request, plain_docx, revision=material_request.revision)
    assert response.status_code == 302
    assert response.url == reverse("workflows:request_detail", args=[material_request.pk])
    material_request.refresh_from_db()
    assert material_request.body.startswith("# Campaña de vacunación")
    assert "Documento importado" in client.get(response.url).content.decode()


def test_page_needs_a_file_and_post(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    client = client_for("rentas1")
    url = reverse("workflows:import_docx", args=[material_request.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Elija un documento de Word" in response.content.decode()


def test_page_hides_other_units_drafts(plain_docx, client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    assert post_import(client_for("social1"), material_request, plain_docx).status_code == 404
    assert snapshot(material_request) == before


def test_page_refuses_submitted_requests(plain_docx, client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    before = snapshot(material_request)
    assert post_import(client_for("rentas1"), material_request, plain_docx).status_code == 403
    response = post_import(client_for("revisor1"), material_request, plain_docx)
    assert response.status_code == 400
    assert "Solo se puede importar un documento en un borrador" in response.content.decode()
    assert snapshot(material_request) == before


def test_page_answers_409_on_a_stale_revision(plain_docx, client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    stale = material_request.revision
    importing.services.update_request(
        users["rentas2"], material_request, fields={"title": "Otro título"}, details={}, expected_revision=stale
    )
    before = snapshot(material_request)
    response = post_import(client_for("rentas1"), material_request, plain_docx, revision=stale)
    assert response.status_code == 409
    assert "La solicitud cambió desde que abrió esta página" in response.content.decode()
    assert snapshot(material_request) == before


def test_page_requires_login(client, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client.post(reverse("workflows:import_docx", args=[material_request.pk]), {})
    assert response.status_code == 302
    assert "ingresar" in response.url
