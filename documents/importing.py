"""Safe import of a .docx as the body of a draft.

A .docx is a zip of XML parts, and python-docx opens it without any cap on how much it
decompresses. So `inspect_docx` looks at the zip's central directory first (size, entry
count, declared sizes, compression ratios, entry names, macros) and then reads every
entry through zipfile in bounded chunks, never more than the declared size and never
more than the overall limit, looking for DOCTYPE and ENTITY declarations. Only a file
that passes reaches python-docx (`extract_docx`), and only then does
`import_docx_into_draft` change anything, in one transaction.
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

from workflows import policies, services
from workflows.exceptions import InvalidInput, StaleRequest
from workflows.models import BODY_MAX, MaterialRequest, State

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB  # the upload itself; settings.DOCX_IMPORT_MAX_BYTES overrides it
MAX_ENTRIES = 1_000
MAX_TOTAL_UNCOMPRESSED = 50 * MB  # declared, and also a hard cap on bytes actually read
MAX_RATIO = 100  # uncompressed : compressed, per entry and overall
RATIO_MIN_SIZE = 256 * 1024  # smaller entries cannot hurt whatever their ratio
MAX_IMAGES = 50
MAX_IMAGE_BYTES = 5 * MB
READ_CHUNK = 64 * 1024

DOCUMENT_PART = "word/document.xml"
CONTENT_TYPES_PART = "[Content_Types].xml"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
IMAGE_MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}
MACRO_NAMES = ("vbaproject.bin", "vbadata.xml")
FORBIDDEN_MARKERS = (b"<!doctype", b"<!entity")
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
HEADING_STYLE = re.compile(r"^(?:heading|título|titulo)\s+(\d)$", re.IGNORECASE)
TITLE_STYLES = {"title", "título", "titulo"}
LIST_STYLE_PREFIXES = ("list", "lista")


@dataclass
class ImportedDocument:
    body_text: str
    images: list[tuple[str, bytes, str]] = field(default_factory=list)


def max_upload_bytes() -> int:
    return getattr(settings, "DOCX_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _human(size: int) -> str:
    if size >= MB:
        text = f"{size / MB:.1f}".removesuffix(".0")
        return f"{text} MB"
    return f"{max(1, round(size / 1024))} KB"


def _damaged() -> InvalidInput:
    return InvalidInput(
        _(
            "El documento de Word está dañado o incompleto; ábralo en su procesador de textos, "
            "guárdelo de nuevo como .docx y vuelva a intentarlo."
        )
    )


def _macros() -> InvalidInput:
    return InvalidInput(
        _(
            "El documento contiene macros y por seguridad no se puede importar. "
            "Guárdelo como «Documento de Word (.docx)» sin macros y vuelva a intentarlo."
        )
    )


# --- inspection (before any parsing) ------------------------------------------------------


def _check_name(uploaded_file) -> None:
    ext = os.path.splitext((uploaded_file.name or "").strip())[1].lower()
    if ext == ".docm":
        raise _macros()
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
            % {"size": _human(size), "max": _human(limit)}
        )


def _unsafe_entry_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or bool(DRIVE_LETTER.match(name))
        or any(part in ("..", ".") for part in parts)
    )


def _check_central_directory(archive: zipfile.ZipFile, file_size: int) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise InvalidInput(
            _("El documento contiene demasiados archivos internos (%(count)d; el máximo es %(max)d).")
            % {"count": len(infos), "max": MAX_ENTRIES}
        )
    names = set()
    total_uncompressed = total_compressed = 0
    entry_ratio_exceeded = False
    for info in infos:
        name = info.filename
        if _unsafe_entry_name(name) or _unsafe_entry_name(info.orig_filename):
            raise InvalidInput(
                _("El documento contiene rutas internas no permitidas («%(name)s»); no se puede importar.")
                % {"name": info.orig_filename[:80]}
            )
        if name in names:
            raise InvalidInput(_("El documento contiene archivos internos repetidos; no se puede importar."))
        names.add(name)
        if info.flag_bits & 0x1:
            raise InvalidInput(_("El documento está cifrado o protegido con contraseña; no se puede importar."))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InvalidInput(_("El documento usa un método de compresión no admitido; guárdelo de nuevo como .docx."))
        if info.header_offset + info.compress_size > file_size:
            raise _damaged()
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            entry_ratio_exceeded = True
        total_uncompressed += info.file_size
        total_compressed += info.compress_size
        if os.path.basename(name).lower() in MACRO_NAMES:
            raise _macros()
    if total_uncompressed > MAX_TOTAL_UNCOMPRESSED:
        raise InvalidInput(
            _("El documento ocupa demasiado al descomprimirse (%(size)s; el máximo es %(max)s).")
            % {"size": _human(total_uncompressed), "max": _human(MAX_TOTAL_UNCOMPRESSED)}
        )
    if entry_ratio_exceeded or (
        total_uncompressed > RATIO_MIN_SIZE and total_uncompressed > MAX_RATIO * max(total_compressed, 1)
    ):
        raise InvalidInput(
            _("El documento tiene una compresión anómala (posible «bomba zip»); por seguridad no se puede importar.")
        )
    for required in (CONTENT_TYPES_PART, DOCUMENT_PART):
        if required not in names:
            raise InvalidInput(
                _("El archivo no es un documento de Word válido: le falta la parte «%(part)s».") % {"part": required}
            )


class _Budget:
    """Bytes that may still be decompressed in this inspection, whatever the headers say."""

    def __init__(self, limit: int):
        self.left = limit

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise InvalidInput(
                _("El documento ocupa demasiado al descomprimirse (el máximo es %(max)s).")
                % {"max": _human(MAX_TOTAL_UNCOMPRESSED)}
            )


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, chunk_size: int = 0):
    """Yield an entry's bytes in chunks: never more than its declared size, never past the budget."""
    chunk_size = chunk_size or READ_CHUNK
    read = 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(min(chunk_size, info.file_size - read + 1))
                if not chunk:
                    break
                read += len(chunk)
                if read > info.file_size:
                    raise _damaged()
                budget.spend(len(chunk))
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as error:
        raise _damaged() from error


def _scan_entry(archive, info, budget, chunk_size: int = 0) -> None:
    """Refuse DOCTYPE / ENTITY declarations anywhere in the entry, also across chunk
    boundaries and in UTF-16/32 text (NUL bytes are dropped before comparing), and a
    content-types part that declares macro-enabled content."""
    keep = max(len(marker) for marker in (*FORBIDDEN_MARKERS, b"macroenabled")) - 1
    tail = b""
    for chunk in _read_bounded(archive, info, budget, chunk_size):
        window = tail + chunk.replace(b"\x00", b"").lower()
        if any(marker in window for marker in FORBIDDEN_MARKERS):
            raise InvalidInput(
                _(
                    "El documento contiene declaraciones DOCTYPE o ENTITY (parte «%(part)s»), "
                    "que no se admiten por seguridad; no se puede importar."
                )
                % {"part": info.filename[:80]}
            )
        if info.filename == CONTENT_TYPES_PART and b"macroenabled" in window:
            raise _macros()
        tail = window[-keep:]


def inspect_docx(uploaded_file) -> None:
    """Raise InvalidInput (Spanish, specific) unless the upload is a plain, harmless .docx.

    Runs before any parsing; memory stays within a few chunks whatever the file claims."""
    _check_name(uploaded_file)
    _check_size(uploaded_file)
    size = uploaded_file.size
    uploaded_file.seek(0)
    try:
        if not zipfile.is_zipfile(uploaded_file):
            raise InvalidInput(_("El archivo no es un documento de Word (.docx) válido."))
        uploaded_file.seek(0)
        with zipfile.ZipFile(uploaded_file) as archive:
            _check_central_directory(archive, size)
            budget = _Budget(MAX_TOTAL_UNCOMPRESSED)
            for info in archive.infolist():
                if info.is_dir():
                    continue
                _scan_entry(archive, info, budget)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise _damaged() from error
    finally:
        uploaded_file.seek(0)


# --- extraction (after inspection) -----------------------------------------------------


def _style_name(paragraph) -> str:
    try:
        return (paragraph.style.name or "").strip() if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):
        return ""


def _is_list_item(paragraph, style: str) -> bool:
    if style.lower().startswith(LIST_STYLE_PREFIXES):
        return True
    p_pr = paragraph._p.pPr
    return p_pr is not None and p_pr.numPr is not None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats across the span
                continue
            seen.add(id(cell._tc))
            cells.append(_clean(cell.text))
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def _body_blocks(document) -> list[str]:
    from docx.table import Table

    blocks: list[str] = []
    list_items: list[str] = []

    def flush_list():
        if list_items:
            blocks.append("\n".join(list_items))
            list_items.clear()

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            flush_list()
            lines = _table_lines(item)
            if lines:
                blocks.append("\n".join(lines))
            continue
        text = _clean(item.text)
        if not text:
            continue
        style = _style_name(item)
        heading = HEADING_STYLE.match(style)
        if heading:
            flush_list()
            blocks.append(f"{'#' * min(int(heading.group(1)), 6)} {text}")
        elif style.lower() in TITLE_STYLES:
            flush_list()
            blocks.append(f"# {text}")
        elif _is_list_item(item, style):
            list_items.append(f"- {text}")
        else:
            flush_list()
            blocks.append(text)
    flush_list()
    return blocks


def _images(uploaded_file) -> list[tuple[str, bytes, str]]:
    limit = min(MAX_IMAGE_BYTES, getattr(settings, "ATTACHMENT_MAX_BYTES", MAX_IMAGE_BYTES))
    images = []
    uploaded_file.seek(0)
    with zipfile.ZipFile(uploaded_file) as archive:
        budget = _Budget(MAX_TOTAL_UNCOMPRESSED)
        for info in archive.infolist():
            directory, base = os.path.split(info.filename)
            ext = os.path.splitext(base)[1].lower()
            if directory != "word/media" or ext not in IMAGE_TYPES:
                continue
            if info.file_size > limit:
                raise InvalidInput(
                    _("La imagen «%(name)s» del documento pesa demasiado (el máximo es %(max)s).")
                    % {"name": base, "max": _human(limit)}
                )
            data = b"".join(_read_bounded(archive, info, budget))
            if not data.startswith(IMAGE_MAGIC[ext]):
                raise InvalidInput(
                    _("La imagen «%(name)s» del documento no corresponde a su extensión.") % {"name": base}
                )
            images.append((base, data, IMAGE_TYPES[ext]))
            if len(images) > MAX_IMAGES:
                raise InvalidInput(_("El documento tiene demasiadas imágenes (máximo %(max)d).") % {"max": MAX_IMAGES})
    uploaded_file.seek(0)
    return images


def extract_docx(uploaded_file) -> ImportedDocument:
    """The body as text (headings, paragraphs, lists and tables, in order) and the images."""
    inspect_docx(uploaded_file)
    import docx

    uploaded_file.seek(0)
    try:
        document = docx.Document(uploaded_file)
        blocks = _body_blocks(document)
    except InvalidInput:
        raise
    except Exception as error:  # python-docx and lxml raise many kinds of errors on odd files
        raise InvalidInput(
            _("No se pudo leer el documento de Word; ábralo, guárdelo de nuevo como .docx y vuelva a intentarlo.")
        ) from error
    finally:
        uploaded_file.seek(0)
    body = "\n\n".join(blocks)
    if not body.strip():
        raise InvalidInput(_("El documento no contiene texto para importar."))
    if len(body) > BODY_MAX:
        raise InvalidInput(
            _("El texto del documento es demasiado largo (%(length)d caracteres; el máximo es %(max)d).")
            % {"length": len(body), "max": BODY_MAX}
        )
    return ImportedDocument(body_text=body, images=_images(uploaded_file))


# --- the service -------------------------------------------------------------------------


def _check_draft(material_request: MaterialRequest) -> None:
    if material_request.state != State.DRAFT:
        raise InvalidInput(
            _("Solo se puede importar un documento en un borrador; esta solicitud está «%(state)s».")
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
