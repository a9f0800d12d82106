"""Builders of Office and OpenDocument files, ordinary and hostile, made in the test run
(never committed): shared by the import tests, the attachment tests and the benchmark."""

import io
import random
import string
import zipfile

import docx
import openpyxl

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCUMENT_RELS = "word/_rels/document.xml.rels"


# --- zips ------------------------------------------------------------------------------------


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(source: bytes, *, replace=None, add=None, drop=(), stored=()) -> bytes:
    """The same zip, its entries in the same order, some replaced, added or dropped."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            method = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)), compress_type=method)
        for name, data in add.items():
            new.writestr(name, data)
    return out.getvalue()


def make_zip(entries: list[tuple[str, bytes]], *, stored=("mimetype",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


# --- Word -------------------------------------------------------------------------------------


def plain_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Aviso municipal", level=1)
    document.add_paragraph("La feria se realiza el sábado en la Plaza de Armas.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def text_of(data: bytes, name: str) -> str:
    return parts(data)[name].decode("utf-8")


def with_body(base: bytes, body_xml: str) -> bytes:
    """The document with its body's content replaced (the section properties kept)."""
    return rezip(base, replace={"word/document.xml": document_xml(base, body_xml)})


def add_relationship(base: bytes, rel_id: str, rel_type: str, target: str, *, external: bool, part=DOCUMENT_RELS):
    rels = parts(base).get(part)
    mode = ' TargetMode="External"' if external else ""
    entry = f'<Relationship Id="{rel_id}" Type="{REL_TYPES}/{rel_type}" Target="{target}"{mode}/>'
    if rels is None:
        xml = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{entry}</Relationships>'
        return rezip(base, add={part: xml})
    return rezip(base, replace={part: rels.decode().replace("</Relationships>", f"{entry}</Relationships>")})


def paragraph(text: str = "", *, style: str | None = None) -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{properties}{run}</w:p>"


def complex_field(*instructions: str, result: str = "resultado") -> str:
    """A field as Word writes it: begin, the instruction in one or more runs, separate, result, end."""
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{piece}</w:instrText></w:r>' for piece in instructions)
    return (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'{runs}<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t>{result}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


def document_xml(base: bytes, body_xml: str) -> str:
    xml = text_of(base, "word/document.xml")
    head, rest = xml.split("<w:body>", 1)
    section = rest[rest.index("<w:sectPr") : rest.index("</w:body>")]
    return f"{head}<w:body>{body_xml}{section}</w:body></w:document>"


def incompressible(length: int, seed: int = 13) -> str:
    """Letters that deflate about as badly as real text does (not the 1000:1 of one repeated
    byte, which the ratio limit refuses first)."""
    chooser = random.Random(seed)
    return "".join(chooser.choices(string.ascii_letters, k=length))


def sized_document(base: bytes, body_xml: str, size: int) -> bytes:
    """word/document.xml of exactly `size` bytes: the body, then a comment as padding."""
    xml = document_xml(base, body_xml).encode()
    padding = size - len(xml) - len("<!---->")
    assert padding >= 0, "the body alone is larger than the size asked for"
    padded = xml.replace(b"<w:body>", b"<w:body><!--" + incompressible(padding).encode() + b"-->", 1)
    assert len(padded) == size
    return rezip(base, replace={"word/document.xml": padded})


def empty_paragraphs_document(base: bytes, count: int, *, text: str = "Aviso.") -> bytes:
    """`count` paragraphs, all empty but the first: the shape of the issue's 1 MB document."""
    return with_body(base, paragraph(text) + "<w:p/>" * (count - 1))


def element_count_document(base: bytes, elements: int, *, text: str = "Aviso.") -> bytes:
    """One paragraph carrying `elements` elements in all (paragraph, run, text, empty runs).
    Each empty run carries two random letters, as Word's runs carry revision ids, so the part
    deflates like a real one."""
    letters = incompressible(2 * (elements - 3))
    runs = "".join(f'<w:r x="{letters[2 * i : 2 * i + 2]}"/>' for i in range(elements - 3))
    return with_body(base, f"<w:p><w:r><w:t>{text}</w:t></w:r>{runs}</w:p>")


# --- Excel, PowerPoint, OpenDocument ----------------------------------------------------------


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["A2"], sheet["B2"] = "Distrito", "Asistentes", "Centro", 120
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


PPTX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/ppt/presentation.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
    "</Types>"
)
PPTX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL_TYPES}/officeDocument" Target="ppt/presentation.xml"/>'
    "</Relationships>"
)
PPTX_PRESENTATION = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    f'xmlns:r="{R_NS}"><p:sldIdLst/></p:presentation>'
)


def pptx_bytes(*, add=None) -> bytes:
    entries = [
        ("[Content_Types].xml", PPTX_TYPES.encode()),
        ("_rels/.rels", PPTX_RELS.encode()),
        ("ppt/presentation.xml", PPTX_PRESENTATION.encode()),
    ]
    return make_zip(entries + list((add or {}).items()))


ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"'
)


def odf_content(kind: str, inner: str = "") -> str:
    if kind == "odt":
        body = f"<office:text><text:p>Acta de la sesión.</text:p>{inner}</office:text>"
    else:
        body = (
            '<office:spreadsheet><table:table table:name="Hoja1"><table:table-row>'
            f"<table:table-cell><text:p>Distrito</text:p></table:table-cell></table:table-row></table:table>{inner}"
            "</office:spreadsheet>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NAMESPACES}>'
        f"<office:scripts/><office:body>{body}</office:body></office:document-content>"
    )


def odf_manifest(kind: str, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODF_MIMETYPES[kind]}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        f"{extra}</manifest:manifest>"
    )


def odf_bytes(kind: str, *, content: str | None = None, manifest: str | None = None, add=None, mimetype=None):
    entries = [
        ("mimetype", (mimetype or ODF_MIMETYPES[kind]).encode()),
        ("content.xml", (content or odf_content(kind)).encode()),
        ("META-INF/manifest.xml", (manifest or odf_manifest(kind)).encode()),
    ]
    return make_zip(entries + list((add or {}).items()))


def issue_example(base: bytes, megabytes: int = 30) -> bytes:
    """The issue's file: small on disk, word/document.xml of tens of MB of empty paragraphs
    (streamed into the zip, never held whole)."""
    out = io.BytesIO(rezip(base, drop=("word/document.xml",)))
    head, tail = document_xml(base, "").encode().split(b"<w:body>")
    info = zipfile.ZipInfo("word/document.xml")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "a") as archive, archive.open(info, "w") as entry:
        entry.write(head + b"<w:body>")
        block = b"<w:p/>" * (1024 * 1024 // 6)
        for _ in range(megabytes):
            entry.write(block)
        entry.write(tail)
    return out.getvalue()


def lie_about_size(data: bytes, name: str, claimed: int) -> bytes:
    """The entry's local and central headers claim `claimed` bytes uncompressed."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(name)
    claim = claimed.to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = claim
    position = data.find(b"PK\x01\x02")
    while data[position + 46 : position + 46 + int.from_bytes(data[position + 28 : position + 30], "little")] != (
        name.encode()
    ):
        position = data.find(b"PK\x01\x02", position + 4)
    data[position + 24 : position + 28] = claim
    return bytes(data)
