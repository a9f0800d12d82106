"""Issue 13, point 3: every zip-based attachment (.docx, .xlsx, .pptx, .odt, .ods) gets the
import's structural inspection (workflows.inspection), through the real upload page: a
Spanish message naming what is wrong, 400, and nothing stored."""

import gc
import io
import os
import tracemalloc
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from tests.documents import hostile
from tests.factories import create_request
from workflows import inspection
from workflows.attachments import ALLOWED_TYPES, inspect_upload
from workflows.exceptions import InvalidInput
from workflows.models import Attachment

MB = 1024 * 1024


@pytest.fixture(scope="module")
def docx_file():
    return hostile.plain_docx()


@pytest.fixture(scope="module")
def xlsx_file():
    return hostile.xlsx_bytes()


def media_files():
    return sorted(os.path.join(root, name) for root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names)


def post(client, material_request, name, content):
    return client.post(
        reverse("workflows:attachment_upload", args=[material_request.pk]),
        {"file": SimpleUploadedFile(name, content), "description": "Anexo"},
    )


def ratio_bomb(base: bytes) -> bytes:
    """20 MB of zeros in one entry: a thousand to one."""
    return hostile.rezip(base, add={"docProps/relleno.bin": bytes(20 * MB)})


def relationship(base, rel_type, target, *, external, part):
    return hostile.add_relationship(base, "rId77", rel_type, target, external=external, part=part)


def with_content_type(base: bytes, old: str, new: str) -> bytes:
    types = hostile.text_of(base, "[Content_Types].xml").replace(old, new)
    return hostile.rezip(base, replace={"[Content_Types].xml": types})


ODT_EVENT = (
    '<office:event-listeners><script:event-listener script:language="ooo:script" '
    'xlink:href="vnd.sun.star.script:Standard.M.x?language=Basic&amp;location=document"/></office:event-listeners>'
)

# id -> (upload name, builder(docx, xlsx) -> bytes, what the Spanish message must name)
HOSTILE = {
    "docx-ratio-bomb": ("informe.docx", lambda d, x: ratio_bomb(d), "compresión anómala"),
    "docx-macros-renamed": (
        "informe.docx",
        lambda d, x: hostile.rezip(d, add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "contiene macros",
    ),
    "docx-macro-content-type": (
        "informe.docx",
        lambda d, x: with_content_type(
            d,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "application/vnd.ms-word.document.macroEnabled.main+xml",
        ),
        "contiene macros",
    ),
    "docx-traversal": ("informe.docx", lambda d, x: hostile.rezip(d, add={"../../config.py": b"x"}), "rutas internas"),
    "docx-external-template": (
        "informe.docx",
        lambda d, x: relationship(
            d, "attachedTemplate", "http://198.51.100.7/t.dotm", external=True, part="word/_rels/settings.xml.rels"
        ),
        "attachedTemplate",
    ),
    "docx-ddeauto": (
        "informe.docx",
        lambda d, x: hostile.with_body(d, '<w:p><w:fldSimple w:instr="DDEAUTO c:\\\\cmd.exe"/></w:p>'),
        "DDEAUTO",
    ),
    "docx-dtd": (
        "informe.docx",
        lambda d, x: hostile.rezip(
            d, replace={"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'}
        ),
        "DOCTYPE o ENTITY",
    ),
    "docm-extension": ("informe.docm", lambda d, x: d, "contiene macros"),
    "xlsm-extension": ("datos.xlsm", lambda d, x: x, "contiene macros"),
    "pptm-extension": ("charla.pptm", lambda d, x: hostile.pptx_bytes(), "contiene macros"),
    "xlsx-macros": ("datos.xlsx", lambda d, x: hostile.rezip(x, add={"xl/vbaProject.bin": b"\xd0\xcf"}), "macros"),
    "xlsx-external-link": (
        "datos.xlsx",
        lambda d, x: relationship(
            x, "externalLinkPath", "file:///C:/secreto.xlsx", external=True, part="xl/_rels/workbook.xml.rels"
        ),
        "vínculos a otros libros",
    ),
    "xlsx-external-links-part": (
        "datos.xlsx",
        lambda d, x: hostile.rezip(x, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        "vínculos a otros libros",
    ),
    "xlsx-encoding": (
        "datos.xlsx",
        lambda d, x: hostile.rezip(
            x, replace={"xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-7"?><workbook/>'}
        ),
        "no está codificada en UTF-8 ni UTF-16",
    ),
    "xlsx-no-workbook": ("datos.xlsx", lambda d, x: hostile.rezip(x, drop=("xl/workbook.xml",)), "xl/workbook.xml"),
    "pptx-ole": (
        "charla.pptx",
        lambda d, x: hostile.pptx_bytes(add={"ppt/embeddings/oleObject1.bin": b"\xd0\xcf"}),
        "OLE",
    ),
    "pptx-external-image": (
        "charla.pptx",
        lambda d, x: relationship(
            hostile.pptx_bytes(),
            "image",
            "\\\\198.51.100.7\\share\\a.png",
            external=True,
            part="ppt/_rels/presentation.xml.rels",
        ),
        "un vínculo externo",
    ),
    "odt-basic-macros": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes("odt", add={"Basic/Standard/Module1.xml": b"<x/>"}),
        "contiene macros",
    ),
    "odt-scripts": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes("odt", add={"Scripts/python/run.py": b"import os"}),
        "contiene macros",
    ),
    "odt-event-macro": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes("odt", content=hostile.odf_content("odt", ODT_EVENT)),
        "macros asociadas a eventos",
    ),
    "odt-linked-section": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes(
            "odt",
            content=hostile.odf_content(
                "odt",
                '<text:section text:name="s"><text:section-source xlink:href="file:///etc/passwd"/></text:section>',
            ),
        ),
        "secciones vinculadas",
    ),
    "odt-remote-image": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes(
            "odt",
            content=hostile.odf_content(
                "odt", '<text:p><draw:frame><draw:image xlink:href="http://198.51.100.7/a.png"/></draw:frame></text:p>'
            ),
        ),
        "un vínculo externo («http://198.51",
    ),
    "odt-mimetype-not-first": (
        "acta.odt",
        lambda d, x: hostile.make_zip(list(reversed(list(hostile.parts(hostile.odf_bytes("odt")).items())))),
        "«mimetype» debe ser su primera entrada",
    ),
    "odt-wrong-mimetype": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes("odt", mimetype="application/vnd.oasis.opendocument.spreadsheet"),
        "su tipo interno es",
    ),
    "odt-encrypted": (
        "acta.odt",
        lambda d, x: hostile.odf_bytes("odt", manifest=hostile.odf_manifest("odt", "<manifest:encryption-data/>")),
        "cifrado",
    ),
    "ods-dde": (
        "datos.ods",
        lambda d, x: hostile.odf_bytes(
            "ods", content=hostile.odf_content("ods", "<table:dde-links><table:dde-link/></table:dde-links>")
        ),
        "vínculos DDE",
    ),
    "ods-ole": (
        "datos.ods",
        lambda d, x: hostile.odf_bytes(
            "ods", content=hostile.odf_content("ods", "<draw:frame><draw:object-ole/></draw:frame>")
        ),
        "objetos OLE",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_attachment_is_refused_by_the_page_and_nothing_is_stored(
    case, docx_file, xlsx_file, client_for, users, units
):
    name, build, message = HOSTILE[case]
    material_request = create_request(users["rentas1"], units["rentas"])
    before = media_files()
    client = client_for("rentas1")
    response = post(client, material_request, name, build(docx_file, xlsx_file))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert Attachment.objects.count() == 0
    assert not AuditEvent.objects.filter(action="attach").exists()
    assert media_files() == before
    assert client.get(reverse("workflows:request_detail", args=[material_request.pk])).status_code == 200


ORDINARY = {
    "informe.docx": lambda d, x: d,
    "datos.xlsx": lambda d, x: x,
    "charla.pptx": lambda d, x: hostile.pptx_bytes(),
    "acta.odt": lambda d, x: hostile.odf_bytes("odt"),
    "datos.ods": lambda d, x: hostile.odf_bytes("ods"),
    "enlaces.docx": lambda d, x: hostile.add_relationship(
        d, "rId70", "hyperlink", "https://www.muni.gob.pe/", external=True
    ),
}


@pytest.mark.parametrize("name", list(ORDINARY))
def test_ordinary_office_files_are_attached_with_their_content_type(
    name, docx_file, xlsx_file, client_for, users, units
):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = post(client_for("rentas1"), material_request, name, ORDINARY[name](docx_file, xlsx_file))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == ALLOWED_TYPES[os.path.splitext(name)[1]][0]
    assert AuditEvent.objects.filter(action="attach").count() == 1


def test_pptx_and_ods_are_allowed_with_their_content_types():
    assert ALLOWED_TYPES[".pptx"][0] == "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    assert ALLOWED_TYPES[".ods"][0] == "application/vnd.oasis.opendocument.spreadsheet"


def test_attachments_and_the_import_share_one_inspection(docx_file, monkeypatch):
    seen = []
    real = inspection.inspect_package

    def spy(uploaded_file, kind, limits, observers=None):
        seen.append((kind, limits))
        return real(uploaded_file, kind, limits, observers)

    monkeypatch.setattr(inspection, "inspect_package", spy)
    inspect_upload(SimpleUploadedFile("a.docx", docx_file))
    assert seen == [("docx", inspection.ATTACHMENT_LIMITS)]


@pytest.fixture(scope="module")
def big_bomb(tmp_path_factory, docx_file):
    """A .docx attachment whose one entry holds 200 MB of zeros, 200 KB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "bomba.docx"
    path.write_bytes(docx_file)
    info = zipfile.ZipInfo("docProps/ceros.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "a") as archive, archive.open(info, "w") as entry:
        zeros = bytes(MB)
        for _ in range(200):
            entry.write(zeros)
    return path.read_bytes()


def test_an_attachment_bomb_is_refused_in_bounded_memory(big_bomb):
    assert len(big_bomb) < 1 * MB
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match="ocupa demasiado al descomprimirse"):
            inspect_upload(SimpleUploadedFile("bomba.docx", big_bomb))
        _current, peak = tracemalloc.get_traced_memory()
        gc.collect()
    finally:
        tracemalloc.stop()
    assert peak < 10 * MB, f"peak {peak / MB:.1f} MB"


def test_the_imports_verdict_is_reused_only_for_the_same_bytes(docx_file, monkeypatch):
    """The import's .docx is not inspected again when stored as an attachment, but a file
    whose bytes changed after its inspection is."""
    from documents.importing import extract_docx

    upload = SimpleUploadedFile("a.docx", docx_file)
    extract_docx(upload)
    calls = []
    real = inspection.check_central_directory
    monkeypatch.setattr(inspection, "check_central_directory", lambda *args: calls.append(1) or real(*args))
    inspect_upload(upload)
    assert calls == []
    hostile_bytes = hostile.rezip(docx_file, add={"word/vbaProject.bin": b"\xd0\xcf"})
    upload.file, upload.size = io.BytesIO(hostile_bytes), len(hostile_bytes)
    with pytest.raises(InvalidInput, match="contiene macros"):
        inspect_upload(upload)
    assert calls == [1]
