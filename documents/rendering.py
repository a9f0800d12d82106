"""Deterministic DOCX rendering: one layout per request kind, from a version's frozen
fields only (its snapshot, number, state and creation time), never from the live request.

The same version always gives the same bytes: core-property dates come from the
version, and the zip is rewritten with fixed entry times, sorted names and one
compression method.
"""

import copy
import functools
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.files.storage import default_storage
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.run import Run

from organization.logos import JPEG_MAGIC, LOGO_MAX_BYTES, PNG_MAGIC
from workflows.models import Kind, State

from .snapshots import approval_lines, legacy_money, money, spanish_date, spanish_datetime, state_label
from .tables import available_width, fit_columns
from .verification import qr_png, verification_code, verification_url

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
IMAGE_MAX_BYTES = 10 * 1024 * 1024

DRAFT_MARK = "BORRADOR"
APPROVED_MARK = "APROBADO"
URGENT_MARK = "PUBLICACIÓN URGENTE"
DARK_RED = RGBColor(0xA0, 0x10, 0x10)
DARK_GREEN = RGBColor(0x10, 0x60, 0x30)


@dataclass(frozen=True)
class Frozen:
    """Everything a document may show: a version's frozen fields."""

    snapshot: dict
    number: int
    state: str
    created_at: datetime
    snapshot_sha256: str

    @classmethod
    def of(cls, version) -> "Frozen":
        return cls(version.snapshot, version.number, version.state, version.created_at, version.snapshot_sha256)

    @property
    def content(self) -> dict:
        return self.snapshot.get("content", {})

    @property
    def details(self) -> dict:
        return self.content.get("details", {})

    @property
    def approval(self) -> dict | None:
        return self.snapshot.get("approval")

    @property
    def schema(self) -> int:
        """The snapshot's edition (documents.snapshots.SCHEMA): what it was rendered as."""
        return self.snapshot.get("schema", 1)

    @property
    def state_label(self) -> str:
        return state_label(self.content.get("kind", ""), self.state, schema=self.schema)

    def money(self, value) -> str:
        if self.schema < 2:
            return legacy_money(value)
        return money(value, self.snapshot.get("country"))

    @property
    def marks(self) -> list[str]:
        if self.state not in (State.APPROVED, State.PUBLISHED):
            return [DRAFT_MARK]
        if not self.approval:
            return []
        return [APPROVED_MARK, URGENT_MARK] if self.approval.get("urgent") else [APPROVED_MARK]

    @property
    def verification(self) -> tuple[str, str] | None:
        """The code and the address its QR holds, for an approved or published version
        whose snapshot froze the site's address (drafts and older versions carry none)."""
        base = self.snapshot.get("verify_base")
        if base is None or not self.approval or self.state not in (State.APPROVED, State.PUBLISHED):
            return None
        code = verification_code(self.snapshot_sha256, self.number)
        return code, verification_url(code, base)


def render_docx(version) -> bytes:
    return render_frozen(Frozen.of(version))


def render_frozen(frozen: Frozen) -> bytes:
    document = blank_document(reading_layout=frozen.content.get("kind") == Kind.SPEECH)
    _header_footer(document, frozen)
    LAYOUTS[frozen.content.get("kind")](document, frozen)
    _attachments(document, frozen)
    if frozen.approval:
        _approval_block(document, frozen)
    _core_properties(document, frozen)
    return save_deterministic(document)


def blank_document(*, reading_layout: bool = False):
    """A new document with the page set up: a copy of one parsed once per process, since
    parsing python-docx's template costs more than copying it."""
    return copy.deepcopy(_parsed_blank(reading_layout))


@functools.cache
def _parsed_blank(reading_layout: bool):
    document = Document()
    _page_setup(document, reading_layout)
    return document


def save_deterministic(document) -> bytes:
    """The package written once with sorted names, fixed dates and attributes, one
    compression: the same bytes as `normalize_zip` over python-docx's own save, without
    compressing everything twice."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    members = _Members()
    # python-docx's own writer steps, into a dict instead of a zip with the time of day.
    PackageWriter._write_content_types_stream(members, package.parts)
    PackageWriter._write_pkg_rels(members, package.rels)
    PackageWriter._write_parts(members, package.parts)
    return _zip(members)


class _Members(dict):
    def write(self, pack_uri, blob: bytes) -> None:
        self[pack_uri.membername] = blob


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            target.writestr(info, members[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


def normalize_zip(data: bytes) -> bytes:
    """Rewrite the package: sorted names, fixed dates and attributes, one compression."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return _zip({name: source.read(name) for name in source.namelist()})


# --- common parts ---------------------------------------------------------------------------


def _page_setup(document, reading_layout: bool) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(11)
    # python-docx sets only the ASCII font; East Asian text must not fall back either.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "DejaVu Sans")
    normal.paragraph_format.space_after = Pt(6)
    if reading_layout:
        # A reading layout for the mayor: large type, wide spacing.
        normal.font.size = Pt(16)
        normal.paragraph_format.line_spacing = 1.5
        normal.paragraph_format.space_after = Pt(12)


def _field(paragraph, instruction: str) -> None:
    """A field LibreOffice and Word both update when laying the pages out."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text.startswith(" "):
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
            run._r.append(element)
        else:
            element = OxmlElement("w:t")
            element.text = text
            run._r.append(element)


def _logo_bytes(logo: dict | None) -> bytes | None:
    """The logo frozen in the snapshot, if its file still has the same hash: in storage
    (uploaded by the administrator, organization.logos) or, in versions made before
    uploads existed, at a path on disk."""
    if not logo:
        return None
    try:
        if logo.get("storage"):
            with default_storage.open(logo["storage"], "rb") as handle:
                data = handle.read(LOGO_MAX_BYTES + 1)
        else:
            with open(logo["path"], "rb") as handle:
                data = handle.read(LOGO_MAX_BYTES + 1)
    except (OSError, KeyError):
        return None
    if hashlib.sha256(data).hexdigest() != logo.get("sha256"):
        return None
    return data


def _header_footer(document, frozen: Frozen) -> None:
    content = frozen.content
    section = document.sections[0]
    header = section.header
    first = header.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    logo = _logo_bytes(frozen.snapshot.get("logo"))
    if logo:
        first.add_run().add_picture(io.BytesIO(logo), height=Cm(1.5))
        first = header.add_paragraph()
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = first.add_run(frozen.snapshot.get("municipality", ""))
    run.bold = True
    run.font.size = Pt(12)
    unit = header.add_paragraph(content.get("unit", ""))
    unit.alignment = WD_ALIGN_PARAGRAPH.CENTER
    unit.runs[0].font.size = Pt(9)
    if frozen.marks:
        mark = header.add_paragraph()
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        marked = mark.add_run(" · ".join(frozen.marks))
        marked.bold = True
        marked.font.size = Pt(14)
        marked.font.color.rgb = DARK_RED if DRAFT_MARK in frozen.marks else DARK_GREEN
    line = header.add_paragraph(f"{content.get('reference', '')} · v{frozen.number} · {frozen.state_label}")
    line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    line.runs[0].font.size = Pt(8)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{content.get('reference', '')} · versión {frozen.number} · Página ")
    _field(footer, "PAGE")
    footer.add_run(" de ")
    _field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)
    if frozen.verification:
        _verification_footer(section.footer, *frozen.verification)


QR_SIZE = Cm(2.0)


def _verification_footer(footer, code: str, url: str) -> None:
    """The QR on the left, the code and the address to type on the right, above the page
    numbers (so a text extractor reads the page line whole, whatever the layout's type size)."""
    table = footer.add_table(rows=1, cols=2, width=Cm(16))
    footer.paragraphs[0]._p.addprevious(table._tbl)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Cm(2.6), Cm(13.4))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    qr_cell, text_cell = table.rows[0].cells
    qr_cell.width, text_cell.width = widths
    qr_cell.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(url)), width=QR_SIZE, height=QR_SIZE)
    first = text_cell.paragraphs[0]
    label = first.add_run("Código de verificación: ")
    label.font.size = Pt(8)
    value = first.add_run(code)
    value.bold = True
    value.font.size = Pt(11)
    second = text_cell.add_paragraph()
    second.add_run("Verifique este documento en:").font.size = Pt(7)
    address = text_cell.add_paragraph()
    address.add_run(url).font.size = Pt(7)
    third = text_cell.add_paragraph()
    note = third.add_run(
        "Escanee el código QR o escriba el código en la página de verificación: verá quién lo aprobó, "
        "su hash y el PDF firmado publicado."
    )
    note.font.size = Pt(7)


def _core_properties(document, frozen: Frozen) -> None:
    content = frozen.content
    moment = frozen.created_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    properties = document.core_properties
    properties.title = content.get("title", "")
    properties.author = content.get("author", "")
    properties.subject = f"{content.get('kind_label', '')} · {content.get('unit', '')}"
    properties.keywords = content.get("reference", "")
    properties.category = content.get("kind_label", "")
    properties.comments = f"SHA-256 de la versión: {frozen.snapshot_sha256}"
    properties.last_modified_by = frozen.snapshot.get("municipality", "")
    properties.revision = frozen.number
    properties.version = f"v{frozen.number}"
    properties.identifier = frozen.snapshot_sha256
    properties.language = "es-PE"
    properties.content_status = frozen.state_label
    properties.created = moment
    properties.modified = moment
    properties.last_printed = moment


# python-docx's run.text and add_run(text) walk the text one character at a time (for tabs
# and line breaks); plain text goes straight into one <w:t>, the same XML.
NOT_PLAIN = re.compile(r"[\t\r\n]")


def _add_run(paragraph, text: str) -> Run:
    if not text or NOT_PLAIN.search(text):
        return paragraph.add_run(text)
    element = paragraph._p.add_r()
    element.add_t(text)
    return Run(element, paragraph)


@functools.cache
def _style_id(name: str, style_type=WD_STYLE_TYPE.PARAGRAPH) -> str | None:
    """A style's id, found by name once per process (python-docx searches for it every time)."""
    return _parsed_blank(False).part.get_style_id(name, style_type)


def _styled(document, text: str, style: str):
    """document.add_paragraph(text, style) with the style's id known beforehand."""
    paragraph = document.add_paragraph()
    if text:
        _add_run(paragraph, text)
    paragraph._p.style = _style_id(style)
    return paragraph


def _table_style(table, style: str) -> None:
    table._tbl.tblStyle_val = _style_id(style, WD_STYLE_TYPE.TABLE)


def _heading(document, text: str, level: int = 1):
    return _styled(document, text, "Title" if level == 0 else f"Heading {level}")


def _text(document, text: str, *, bold=False, italic=False, size=None, align=None):
    """Paragraphs of free text: one per line, blank lines dropped."""
    paragraphs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        paragraph = document.add_paragraph()
        run = _add_run(paragraph, line.strip())
        run._r.insert(0, copy.deepcopy(_run_properties(bold, italic, size)))
        if align is not None:
            paragraph.alignment = align
        paragraphs.append(paragraph)
    return paragraphs


@functools.cache
def _run_properties(bold: bool, italic: bool, size: int | None):
    """The <w:rPr> python-docx writes for these settings, made once and copied into each run
    (its property setters are the slow part of a long body)."""
    run = Run(OxmlElement("w:r"), None)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return run._r.rPr


def _bullets(document, items) -> None:
    for item in items:
        if str(item).strip():
            _styled(document, str(item).strip(), "List Bullet")


def _facts_table(document, rows):
    table = document.add_table(rows=0, cols=2)
    _table_style(table, "Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Cm(5), Cm(11))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = str(value)
        cells[0].width, cells[1].width = widths
    document.add_paragraph()
    return table


def _identification(document, frozen: Frozen) -> None:
    content = frozen.content
    _facts_table(
        document,
        [
            ("Unidad solicitante", content.get("unit", "")),
            ("Referencia", content.get("reference", "")),
            ("Título", content.get("title", "")),
            ("Versión", f"v{frozen.number} · {spanish_datetime(frozen.created_at)}"),
            ("Estado", frozen.state_label),
            ("Autor", content.get("author", "")),
            ("Fecha requerida", spanish_date(content.get("requested_by", ""))),
        ],
    )


def _summary_and_body(document, frozen: Frozen, *, body_heading="Contenido") -> None:
    content = frozen.content
    _heading(document, "Resumen", 2)
    _text(document, content.get("summary", ""))
    if (content.get("body") or "").strip():
        _heading(document, body_heading, 2)
        _text(document, content.get("body", ""))


def _attachments(document, frozen: Frozen) -> None:
    attachments = frozen.content.get("attachments", [])
    if not attachments:
        return
    _heading(document, "Adjuntos", 2)
    _bullets(document, [f"{item['name']} — SHA-256 {item['sha256'][:16]}…" for item in attachments])


def _approval_block(document, frozen: Frozen) -> None:
    approval = frozen.approval
    _heading(document, "Aprobación", 1)
    rows = []
    for line in approval_lines(approval):
        label, _sep, value = line.partition(": ")
        rows.append((label, value))
    rows.append(("SHA-256 de esta versión", frozen.snapshot_sha256))
    table = _facts_table(document, rows)
    for row, (label, _value) in zip(table.rows, rows, strict=True):
        if label.startswith("SHA-256"):
            # Small enough for the 64 hex digits to stay on one line, in any layout.
            for run in row.cells[1].paragraphs[0].runs:
                run.font.size = Pt(7)


def _fit(document, table, frozen: Frozen) -> None:
    """Column widths that break no word (documents.tables), from the second edition on:
    the first one's tables are left to the word processor, as they were rendered."""
    if frozen.schema >= 2:
        fit_columns(table, available_width(document), default_size=document.styles["Normal"].font.size)


# --- one layout per kind ---------------------------------------------------------------------


def _publication(document, frozen: Frozen) -> None:
    content, details = frozen.content, frozen.details
    fmt = details.get("format", "nota_prensa")
    label = "NOTA DE PRENSA" if fmt == "nota_prensa" else details.get("format_label", "Publicación").upper()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{label} N° {content.get('reference', '')}")
    run.bold = True
    run.font.size = Pt(16)
    dateline = document.add_paragraph(f"{frozen.snapshot.get('municipality', '')}, {spanish_date(frozen.created_at)}")
    dateline.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    headline = _heading(document, content.get("title", ""), 0)
    headline.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(document, details.get("lead", ""), bold=True, italic=True)
    _text(document, content.get("body", ""))
    document.add_paragraph()
    _heading(document, "Canales de difusión", 2)
    _bullets(document, details.get("channels_labels", []))
    _heading(document, "Contacto de prensa", 2)
    fallback_contact = f"{content.get('unit', '')} · {frozen.snapshot.get('municipality', '')}"
    _text(document, details.get("contact", "") or fallback_contact)
    document.add_paragraph().add_run().add_break(WD_BREAK.LINE)
    _heading(document, "Ficha de la solicitud", 2)
    _identification(document, frozen)
    _heading(document, "Resumen", 2)
    _text(document, content.get("summary", ""))


def _campaign(document, frozen: Frozen) -> None:
    content, details = frozen.content, frozen.details
    _heading(document, f"CAMPAÑA: {content.get('title', '')}", 0)
    _identification(document, frozen)
    _heading(document, "Tipo de campaña", 2)
    _text(document, details.get("campaign_type_label", ""))
    _heading(document, "Objetivo", 2)
    _text(document, details.get("objective", ""))
    _heading(document, "Público objetivo", 2)
    _text(document, details.get("audience", ""))
    _heading(document, "Canales", 2)
    _bullets(document, details.get("channels_labels", []))
    _heading(document, "Fechas", 2)
    _text(
        document,
        f"Del {spanish_date(details.get('start_date', ''))} al {spanish_date(details.get('end_date', ''))}",
    )
    _heading(document, "Presupuesto", 2)
    table = document.add_table(rows=1, cols=2)
    _table_style(table, "Table Grid")
    header = table.rows[0].cells
    header[0].paragraphs[0].add_run("Concepto").bold = True
    header[1].paragraphs[0].add_run("Monto").bold = True
    concept = f"Campaña {details.get('campaign_type_label', '').lower()}: {content.get('title', '')}"
    row = table.add_row().cells
    row[0].text, row[1].text = concept, frozen.money(details.get("budget", "0"))
    total = table.add_row().cells
    total[0].paragraphs[0].add_run("Total").bold = True
    total[1].paragraphs[0].add_run(frozen.money(details.get("budget", "0"))).bold = True
    for cells in (header, row, total):
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _fit(document, table, frozen)
    document.add_paragraph()
    _summary_and_body(document, frozen)


def _speech(document, frozen: Frozen) -> None:
    content, details = frozen.content, frozen.details
    _heading(document, "DISCURSO DEL ALCALDE", 0)
    _text(document, content.get("title", ""), bold=True, size=20, align=WD_ALIGN_PARAGRAPH.CENTER)
    _heading(document, "Evento", 1)
    duration = details.get("duration_minutes")
    _facts_table(
        document,
        [
            ("Evento", details.get("event_name", "")),
            ("Lugar", details.get("place", "")),
            ("Fecha y hora", spanish_datetime(details.get("event_at", ""))),
            ("Duración", f"{duration} minutos" if duration else ""),
            ("Orador", details.get("speaker", "")),
        ],
    )
    _heading(document, "Mensajes clave", 1)
    _bullets(document, (details.get("key_messages") or "").splitlines())
    _heading(document, "Texto del discurso", 1)
    _text(document, content.get("body", ""))
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _heading(document, "Ficha de la solicitud", 2)
    _identification(document, frozen)
    _heading(document, "Resumen", 2)
    _text(document, content.get("summary", ""))


def _image_bytes(attachment: dict) -> bytes | None:
    """The photo's bytes if it is a PNG or JPEG already in storage, unchanged since the
    snapshot (same SHA-256); None otherwise."""
    name = attachment.get("file") or ""
    if not name:
        return None
    try:
        if default_storage.size(name) > IMAGE_MAX_BYTES:
            return None
        with default_storage.open(name, "rb") as handle:
            data = handle.read(IMAGE_MAX_BYTES + 1)
    except OSError:
        return None
    if not (data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC)):
        return None
    if hashlib.sha256(data).hexdigest() != attachment.get("sha256"):
        return None
    return data


def _signage(document, frozen: Frozen) -> None:
    content, details = frozen.content, frozen.details
    _heading(document, "FICHA TÉCNICA DE SEÑALIZACIÓN", 0)
    _identification(document, frozen)
    _heading(document, "Local", 1)
    _facts_table(
        document,
        [
            ("Local", details.get("premises", "")),
            ("Dirección", details.get("address", "")),
            ("Ubicación en el local", details.get("location_detail", "") or "—"),
        ],
    )
    _heading(document, "Señales", 1)
    table = document.add_table(rows=1, cols=5)
    _table_style(table, "Table Grid")
    for cell, label in zip(table.rows[0].cells, ("Tipo", "Dimensiones", "Material", "Cantidad", "Texto"), strict=True):
        cell.paragraphs[0].add_run(label).bold = True
    cells = table.add_row().cells
    values = (
        details.get("sign_type_label", ""),
        details.get("dimensions", ""),
        details.get("material", ""),
        str(details.get("quantity", "")),
        details.get("sign_text", ""),
    )
    for cell, value in zip(cells, values, strict=True):
        cell.text = value
    _fit(document, table, frozen)
    document.add_paragraph()
    _heading(document, "Fotografías", 1)
    photos = 0
    for attachment in content.get("attachments", []):
        data = _image_bytes(attachment)
        if data is None:
            continue
        try:
            document.add_picture(io.BytesIO(data), width=Cm(12))
        except Exception:  # noqa: S112 - an unreadable image is left out, never fatal
            continue
        photos += 1
        caption = document.add_paragraph(f"Foto {photos}: {attachment['name']}")
        caption.runs[0].italic = True
    if not photos:
        _text(document, "Sin fotografías adjuntas.", italic=True)
    _summary_and_body(document, frozen, body_heading="Especificaciones adicionales")


LAYOUTS = {
    Kind.PUBLICATION: _publication,
    Kind.CAMPAIGN: _campaign,
    Kind.SPEECH: _speech,
    Kind.SIGNAGE: _signage,
}


# --- building blocks the other documents of the project reuse (reports/rendering.py) --------


def add_page_field(paragraph, instruction: str) -> None:
    """A PAGE or NUMPAGES field, as in the versions' footers."""
    _field(paragraph, instruction)


def logo_bytes(logo: dict | None) -> bytes | None:
    """The bytes of a frozen logo ({"storage", "sha256"}), checked against its hash."""
    return _logo_bytes(logo)


def facts_table(document, rows):
    """A two-column table of labels (bold) and values, as in the versions' identification."""
    return _facts_table(document, rows)
