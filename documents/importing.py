"""Safe import of a .docx as the body of a draft.

A .docx is a zip of XML parts. `inspect_docx` checks it with `workflows.inspection` (the
same checks attachments get, with the tighter import limits derived from BODY_MAX): the
zip's central directory, then every part streamed in bounded chunks, refused at the first
limit passed, DTD, foreign encoding, macro, embedded object or anything that would reach
out. `extract_docx` then reads word/document.xml with a tree-less lxml parse (a parser
target; python-docx would build the whole tree and looks a paragraph's style up by scanning
every style, 3 ms a paragraph), and only then does `import_docx_into_draft` change
anything, in one transaction.
"""

import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from workflows import inspection, policies, services
from workflows.exceptions import InvalidInput, StaleRequest
from workflows.inspection import IMPORT_LIMITS, W
from workflows.models import BODY_MAX, MaterialRequest, State

from .rendering import JPEG_MAGIC, PNG_MAGIC

# The limits live in workflows.inspection (IMPORT_LIMITS).
DEFAULT_MAX_BYTES = inspection.DEFAULT_IMPORT_MAX_BYTES
MAX_IMAGE_BYTES = IMPORT_LIMITS.max_image_bytes

DOCUMENT_PART = inspection.OOXML_MAIN_PARTS["docx"]
STYLES_PART = "word/styles.xml"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
IMAGE_MAGIC = {".png": PNG_MAGIC, ".jpg": JPEG_MAGIC, ".jpeg": JPEG_MAGIC}
HEADING_STYLE = re.compile(r"^(?:heading|título|titulo)\s+(\d)$", re.IGNORECASE)
TITLE_STYLES = {"title", "título", "titulo"}
LIST_STYLE_PREFIXES = ("list", "lista")
ON_VALUES = {"1", "true", "on"}
# Qualified names, computed once: the body reader runs for every element of the document.
W_BODY = f"{W}body"
W_BR = f"{W}br"
W_CR = f"{W}cr"
W_GRIDBEFORE = f"{W}gridBefore"
W_GRIDSPAN = f"{W}gridSpan"
W_HYPERLINK = f"{W}hyperlink"
W_NOBREAKHYPHEN = f"{W}noBreakHyphen"
W_NUMPR = f"{W}numPr"
W_P = f"{W}p"
W_PPR = f"{W}pPr"
W_PSTYLE = f"{W}pStyle"
W_PTAB = f"{W}ptab"
W_R = f"{W}r"
W_T = f"{W}t"
W_TAB = f"{W}tab"
W_TBL = f"{W}tbl"
W_TC = f"{W}tc"
W_TCPR = f"{W}tcPr"
W_TR = f"{W}tr"
W_TRPR = f"{W}trPr"
W_TYPE = f"{W}type"
W_VAL = f"{W}val"
W_VMERGE = f"{W}vMerge"


@dataclass
class ImportedDocument:
    body_text: str
    images: list[tuple[str, bytes, str]] = field(default_factory=list)


def max_upload_bytes() -> int:
    return getattr(settings, "DOCX_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _unreadable() -> InvalidInput:
    return InvalidInput(
        _("No se pudo leer el documento de Word; ábralo, guárdelo de nuevo como .docx y vuelva a intentarlo.")
    )


# --- inspection (before any parsing) ------------------------------------------------------


def _check_name(uploaded_file) -> None:
    ext = os.path.splitext((uploaded_file.name or "").strip())[1].lower()
    if ext == ".docm":
        raise inspection.macros()
    if ext != ".docx":
        raise InvalidInput(_("Solo se pueden importar documentos de Word con extensión .docx."))


def _check_size(uploaded_file) -> None:
    limit = max_upload_bytes()
    size = uploaded_file.size or 0
    if size == 0:
        raise InvalidInput(_("El archivo está vacío."))
    if size > limit:
        raise InvalidInput(
            _("El documento pesa %(size)s; el máximo para importar es %(max)s.")
            % {"size": inspection.human(size), "max": inspection.human(limit)}
        )


def inspect_docx(uploaded_file) -> inspection.Counters:
    """Raise InvalidInput (Spanish, specific) unless the upload is a plain, harmless .docx
    within the import's limits. Runs before any parsing of the body; memory stays within a
    few chunks whatever the file claims."""
    _check_name(uploaded_file)
    _check_size(uploaded_file)
    return inspection.inspect_package(uploaded_file, "docx", IMPORT_LIMITS)


# --- extraction (after inspection) -----------------------------------------------------


class _Target:
    """A parser target that only reads: `inspection.inspect_package` counts and checks the
    events before handing them on (its `observers`)."""

    def start(self, tag, attrib):
        pass

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def close(self):
        return None


class _Styles(_Target):
    """word/styles.xml: the name of each paragraph style by its id, and the default one."""

    def __init__(self):
        self.names: dict[str, str] = {}
        self.default = ""
        self._current = None  # (style id, is default) of the paragraph style being read

    def start(self, tag, attrib):
        if tag == f"{W}style":
            if attrib.get(f"{W}type", "paragraph") == "paragraph":
                default = attrib.get(f"{W}default", "").lower() in ON_VALUES
                self._current = (attrib.get(f"{W}styleId", ""), default)
                self.names[self._current[0]] = ""
            else:
                self._current = None
        elif tag == f"{W}name" and self._current is not None:
            style_id, default = self._current
            self.names[style_id] = (attrib.get(f"{W}val") or "").strip()
            if default:
                self.default = self.names[style_id]  # the last default wins, as in python-docx

    def end(self, tag):
        if tag == f"{W}style":
            self._current = None

    def name(self, style_id: str | None) -> str:
        if style_id is None or style_id not in self.names:
            return self.default
        return self.names[style_id]


@dataclass
class _Paragraph:
    depth: int
    parts: list[str] = field(default_factory=list)
    style_id: str | None = None
    numbered: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _Cell:
    depth: int
    paragraphs: list[str] = field(default_factory=list)
    span: int = 1
    continues: bool = False  # the second or later row of a vertical merge


@dataclass
class _Table:
    depth: int
    rows: list[list[str]] = field(default_factory=list)  # the lines' cells, merged cells once
    grid: dict[int, list[str]] = field(default_factory=dict)  # the previous row: grid column -> its cell
    row: list[_Cell] | None = None
    grid_before: int = 0


class _Body(_Target):
    """word/document.xml as python-docx's `iter_inner_content` reads it: the body's own
    paragraphs and tables, in order; a paragraph's text from its runs and its hyperlinks'
    runs (w:t, tabs, line breaks, non-breaking hyphens); a table row by row, a merged cell
    once per row, a vertically merged cell repeated in each row it spans; nested tables and
    text boxes left out. Nothing is kept but that text."""

    def __init__(self):
        self.stack: list[str] = []
        self.items: list[tuple] = []  # ("p", _Paragraph) or ("table", rows)
        self.paragraph: _Paragraph | None = None
        self.run_depth: int | None = None
        self.in_text = False
        self.table: _Table | None = None
        self.cell: _Cell | None = None

    def start(self, tag, attrib):
        depth = len(self.stack)
        parent = self.stack[-1] if self.stack else None
        self.stack.append(tag)
        paragraph, table = self.paragraph, self.table
        if paragraph is not None:
            self._inside_paragraph(tag, attrib, depth, parent, paragraph)
        elif tag == W_P:
            in_cell = self.cell is not None and parent == W_TC and depth == self.cell.depth + 1
            if parent == W_BODY or in_cell:
                self.paragraph = _Paragraph(depth)
        elif table is None:
            if tag == W_TBL and parent == W_BODY:
                self.table = _Table(depth)
        elif tag == W_TR and depth == table.depth + 1:
            table.row, table.grid_before = [], 0
        elif tag == W_GRIDBEFORE and depth == table.depth + 3 and parent == W_TRPR:
            table.grid_before = _int(attrib.get(W_VAL), 0)
        elif tag == W_TC and depth == table.depth + 2 and table.row is not None:
            self.cell = _Cell(depth)
        elif self.cell is not None and depth == self.cell.depth + 2 and parent == W_TCPR:
            if tag == W_GRIDSPAN:
                self.cell.span = max(1, _int(attrib.get(W_VAL), 1))
            elif tag == W_VMERGE:
                self.cell.continues = attrib.get(W_VAL, "continue") == "continue"

    def _inside_paragraph(self, tag, attrib, depth, parent, paragraph):
        relative = depth - paragraph.depth
        if tag == W_R and (relative == 1 or (relative == 2 and parent == W_HYPERLINK)):
            self.run_depth = depth
        elif self.run_depth is not None and depth == self.run_depth + 1:
            if tag == W_T:
                self.in_text = True
            elif tag in (W_TAB, W_PTAB):
                paragraph.parts.append("\t")
            elif tag == W_NOBREAKHYPHEN:
                paragraph.parts.append("-")
            elif tag == W_CR or (tag == W_BR and attrib.get(W_TYPE, "textWrapping") == "textWrapping"):
                paragraph.parts.append("\n")
        elif relative == 2 and parent == W_PPR:
            if tag == W_PSTYLE:
                paragraph.style_id = attrib.get(W_VAL)
            elif tag == W_NUMPR:
                paragraph.numbered = True

    def data(self, data):
        if self.in_text:
            self.paragraph.parts.append(data)

    def end(self, tag):
        self.stack.pop()
        depth = len(self.stack)
        if tag == W_T:
            self.in_text = False
        elif tag == W_R and depth == self.run_depth:
            self.run_depth = None
        elif tag == W_P and self.paragraph is not None and depth == self.paragraph.depth:
            if self.cell is not None:
                self.cell.paragraphs.append(self.paragraph.text)
            else:
                self.items.append(("p", self.paragraph))
            self.paragraph = None
        elif tag == W_TC and self.cell is not None and depth == self.cell.depth:
            self.table.row.append(self.cell)
            self.cell = None
        elif tag == W_TR and self.table is not None and depth == self.table.depth + 1:
            self._end_row(self.table)
        elif tag == W_TBL and self.table is not None and depth == self.table.depth:
            self.items.append(("table", self.table.rows))
            self.table = None

    @staticmethod
    def _end_row(table: _Table) -> None:
        grid: dict[int, list[str]] = {}
        offset = table.grid_before
        cells: list[list[str]] = []  # one list object per distinct cell, so a span counts once
        for cell in table.row or ():
            if cell.continues and offset in table.grid:
                content = table.grid[offset]
            else:
                content = [_clean("\n".join(cell.paragraphs))]
            if all(content is not other for other in cells):
                cells.append(content)
            for column in range(offset, offset + cell.span):
                grid[column] = content
            offset += cell.span
        table.grid, table.row = grid, None
        texts = [content[0] for content in cells]
        if any(texts):
            table.rows.append(texts)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _clean(text: str) -> str:
    return " ".join(text.split())


def _body_blocks(body: _Body, styles: _Styles) -> list[str]:
    blocks: list[str] = []
    list_items: list[str] = []

    def flush_list():
        if list_items:
            blocks.append("\n".join(list_items))
            list_items.clear()

    for kind, item in body.items:
        if kind == "table":
            flush_list()
            if item:
                blocks.append("\n".join(" | ".join(cells) for cells in item))
            continue
        text = _clean(item.text)
        if not text:
            continue
        style = styles.name(item.style_id)
        heading = HEADING_STYLE.match(style)
        if heading:
            flush_list()
            blocks.append(f"{'#' * min(int(heading.group(1)), 6)} {text}")
        elif style.lower() in TITLE_STYLES:
            flush_list()
            blocks.append(f"# {text}")
        elif style.lower().startswith(LIST_STYLE_PREFIXES) or item.numbered:
            list_items.append(f"- {text}")
        else:
            flush_list()
            blocks.append(text)
    flush_list()
    return blocks


def _images(archive: zipfile.ZipFile) -> list[tuple[str, bytes, str]]:
    limit = min(IMPORT_LIMITS.max_image_bytes, getattr(settings, "ATTACHMENT_MAX_BYTES", MAX_IMAGE_BYTES))
    images = []
    budget = inspection.ByteBudget(IMPORT_LIMITS.max_images_total)
    for info in archive.infolist():
        directory, base = os.path.split(info.filename)
        ext = os.path.splitext(base)[1].lower()
        if directory != "word/media" or ext not in IMAGE_TYPES:
            continue
        if info.file_size > limit:
            raise InvalidInput(
                _("La imagen «%(name)s» del documento pesa demasiado (el máximo es %(max)s).")
                % {"name": base, "max": inspection.human(limit)}
            )
        if info.file_size > budget.left:
            raise InvalidInput(
                _("Las imágenes del documento ocupan demasiado en total (el máximo es %(max)s).")
                % {"max": inspection.human(IMPORT_LIMITS.max_images_total)}
            )
        data = b"".join(inspection.read_bounded(archive, info, budget))
        if not data.startswith(IMAGE_MAGIC[ext]):
            raise InvalidInput(_("La imagen «%(name)s» del documento no corresponde a su extensión.") % {"name": base})
        images.append((base, data, IMAGE_TYPES[ext]))
        if len(images) > IMPORT_LIMITS.max_images:
            raise InvalidInput(
                _("El documento tiene demasiadas imágenes (máximo %(max)d).") % {"max": IMPORT_LIMITS.max_images}
            )
    return images


def extract_docx(uploaded_file) -> ImportedDocument:
    """The body as text (headings, paragraphs, lists and tables, in order) and the images.

    The body and the styles are read during the inspection itself, one streaming pass."""
    _check_name(uploaded_file)
    _check_size(uploaded_file)
    body, styles = _Body(), _Styles()
    try:
        inspection.inspect_package(
            uploaded_file, "docx", IMPORT_LIMITS, observers={DOCUMENT_PART: body, STYLES_PART: styles}
        )
        blocks = _body_blocks(body, styles)
        if not "".join(blocks).strip():
            raise InvalidInput(_("El documento no contiene texto para importar."))
        text = "\n\n".join(blocks)
        if len(text) > BODY_MAX:
            raise InvalidInput(
                _("El texto del documento es demasiado largo (%(length)d caracteres; el máximo es %(max)d).")
                % {"length": len(text), "max": BODY_MAX}
            )
        with zipfile.ZipFile(uploaded_file) as archive:
            images = _images(archive)
    except InvalidInput:
        raise
    except (etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise _unreadable() from error
    finally:
        uploaded_file.seek(0)
    return ImportedDocument(body_text=text, images=images)


# --- the service -------------------------------------------------------------------------


def _check_draft(material_request: MaterialRequest) -> None:
    if material_request.state != State.DRAFT:
        raise InvalidInput(
            _("Solo se puede importar un documento en un borrador; el estado de esta solicitud es «%(state)s».")
            % {"state": material_request.state_label}
        )


def import_docx_into_draft(actor, material_request: MaterialRequest, uploaded_file, *, expected_revision=None):
    """Replace a draft's body with the text of a .docx and attach the file and its images.

    All or nothing: on any failure no body change, no attachment rows and no stored files
    remain. Returns the updated request."""
    _check_draft(material_request)
    policies.check_edit(actor, material_request)
    imported = extract_docx(uploaded_file)
    stem = os.path.splitext(os.path.basename((uploaded_file.name or "documento").replace("\\", "/")))[0]
    stored: list[str] = []
    try:
        with transaction.atomic():
            current = MaterialRequest.objects.select_for_update().get(pk=material_request.pk)
            _check_draft(current)
            if expected_revision is not None and current.revision != expected_revision:
                raise StaleRequest()
            current = services.update_request(
                actor, current, fields={"body": imported.body_text}, details={}, expected_revision=expected_revision
            )
            uploaded_file.seek(0)
            attachment = services.add_attachment(actor, current, uploaded_file, description=_("Documento importado"))
            stored.append(attachment.file.name)
            for name, data, content_type in imported.images:
                image = SimpleUploadedFile(f"{stem}-{name}", data, content_type=content_type)
                attachment = services.add_attachment(
                    actor, current, image, description=_("Imagen del documento importado")
                )
                stored.append(attachment.file.name)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    current.refresh_from_db()
    return current
