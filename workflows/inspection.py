"""Structural inspection of Office Open XML and OpenDocument files (.docx, .xlsx, .pptx,
.odt, .ods), shared by the .docx import (`documents.importing`) and by attachments
(`workflows.attachments`).

Nothing here parses a whole document into memory. `inspect_package` reads the zip's central
directory first (entry count, declared sizes, ratios, names, macros, embedded objects),
then every entry through zipfile in bounded chunks. Each XML part is checked as it streams:
its encoding (UTF-8 or UTF-16 only, from the BOM and the XML declaration), the absence of any
DTD (a byte scan, before the parser sees the bytes), and, for the parts that can make Office
reach out or run something (relationships, content types, Word's parts, ODF's content), a
tree-less lxml parse (a parser *target*: callbacks, no tree) that counts elements,
paragraphs and text against the budgets below and stops at the first one passed.

The limits live in `Limits`; `IMPORT_LIMITS` and `ATTACHMENT_LIMITS` are the two profiles.
docs/ARCHITECTURE.md ("Uploaded documents") explains them.
"""

import hashlib
import os
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from workflows.exceptions import InvalidInput
from workflows.models import BODY_MAX

MB = 1024 * 1024
KB = 1024


@dataclass(frozen=True)
class Limits:
    max_entries: int  # files inside the zip
    max_total_uncompressed: int  # declared, and a hard cap on the bytes actually inflated
    max_ratio: int  # uncompressed : compressed, per entry and overall
    ratio_min_size: int  # smaller entries cannot hurt whatever their ratio
    max_xml_part: int  # each XML part, uncompressed
    max_elements: int  # elements parsed, over all the parts read element by element
    max_paragraphs: int  # w:p in the main document part (word/document.xml)
    max_text_chars: int  # characters inside w:t in the main document part
    # Images the import attaches (word/media/*.png|jpg), held in memory until stored.
    max_images: int = 0
    max_image_bytes: int = 0
    max_images_total: int = 0

    def within(self, other: "Limits") -> bool:
        """Whether a file that passed these limits passes `other` too (0: no limit)."""
        names = ("max_entries", "max_total_uncompressed", "max_ratio", "ratio_min_size", "max_xml_part")
        names += ("max_elements", "max_paragraphs", "max_text_chars")
        return all(getattr(other, name) == 0 or 0 < getattr(self, name) <= getattr(other, name) for name in names)


# The import turns word/document.xml into a body of at most BODY_MAX (60,000) characters, so
# a part much larger than that body cannot be a legitimate import:
# - each XML part: 64 bytes of markup per body character (3.84 MB). Word spends 20 to 40
#   bytes per character on heavily formatted text (a run and its properties per word, rsids,
#   proofing marks); 64 doubles that. styles.xml, numbering.xml, theme, headers: under 200 KB.
# - paragraphs: BODY_MAX / 2 (30,000). A paragraph with text costs the body at least three
#   characters (one and the blank line that separates it), so 60,000 characters hold at most
#   20,000 of them; the rest is room for empty spacing paragraphs and table cells.
# - elements: 4 per body character (240,000) over document, styles, numbering, settings,
#   headers and footers. Word writes about one element per character at worst (six per
#   formatted word); its default styles.xml holds about 2,500.
# - text: 2 * BODY_MAX characters in w:t (whitespace collapses, and text boxes or nested
#   tables are not imported, so the raw text may exceed the body a little, not twice).
# Measured at these limits (bench `docx_import`, docs/PERFORMANCE.md): well under 2 s and
# 50 MB per import.
IMPORT_LIMITS = Limits(
    max_entries=1_000,
    max_total_uncompressed=50 * MB,
    max_ratio=100,
    ratio_min_size=256 * KB,
    max_xml_part=64 * BODY_MAX,
    max_elements=4 * BODY_MAX,
    max_paragraphs=BODY_MAX // 2,
    max_text_chars=2 * BODY_MAX,
    # PNG and JPEG hardly compress, so their inflated total cannot legitimately pass the
    # upload limit (10 MB): that also keeps the import's memory under its 50 MB budget.
    max_images=50,
    max_image_bytes=5 * MB,
    max_images_total=10 * MB,
)
# Attachments are stored, not imported: a spreadsheet or a long report may be far larger than
# a body. Memory stays a few chunks whatever the file; time is bounded by the inflated bytes
# (100 MB, scanned in C) and the elements parsed in Python (Word's and ODF's text parts,
# relationships, content types: 2,000,000, about a second).
ATTACHMENT_LIMITS = Limits(
    max_entries=5_000,
    max_total_uncompressed=100 * MB,
    max_ratio=100,
    ratio_min_size=256 * KB,
    max_xml_part=100 * MB,
    max_elements=2_000_000,
    max_paragraphs=0,  # no limit
    max_text_chars=0,
)
DEFAULT_IMPORT_MAX_BYTES = 10 * MB  # the .docx upload itself; settings.DOCX_IMPORT_MAX_BYTES overrides it
READ_CHUNK = 64 * KB
XML_HEAD = 1024  # bytes examined for the BOM and the XML declaration

CONTENT_TYPES_PART = "[Content_Types].xml"
OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
KIND_LABELS = {
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "pptx": "PowerPoint (.pptx)",
    "odt": "OpenDocument (.odt)",
    "ods": "OpenDocument (.ods)",
}
MACRO_NAMES = ("vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin")
MACRO_FOLDERS = ("basic", "scripts")  # ODF: StarBasic libraries and scripts (Python, JavaScript)
EMBEDDING_FOLDERS = ("embeddings", "activex")  # OOXML: OLE objects, embedded packages, ActiveX
FORBIDDEN_MARKERS = (b"<!doctype", b"<!entity")
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
XML_NAME = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")
DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
UTF8_NAMES = {"utf-8", "utf8"}
UTF16_NAMES = {"utf-16", "utf16", "utf-16le", "utf-16be"}
WEB_SCHEMES = {"http", "https", "mailto"}

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
SCRIPT = "{urn:oasis:names:tc:opendocument:xmlns:script:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
PRESENTATION = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
VML_OFFICE = "{urn:schemas-microsoft-com:office:office}"

# Relationship types refused wherever they point: macros, OLE and embedded packages, ActiveX,
# another document pulled in when opened (altChunk, subdocuments, templates), links to other
# workbooks and data connections.
FORBIDDEN_RELATIONSHIPS = {
    "vbaProject": gettext_lazy("macros"),
    "vbaProjectSignature": gettext_lazy("macros"),
    "wordVbaData": gettext_lazy("macros"),
    "keyMapCustomizations": gettext_lazy("macros"),
    "oleObject": gettext_lazy("objetos OLE incrustados"),
    "package": gettext_lazy("objetos incrustados"),
    "control": gettext_lazy("controles ActiveX"),
    "activeXControlBinary": gettext_lazy("controles ActiveX"),
    "attachedTemplate": gettext_lazy("una plantilla vinculada (attachedTemplate)"),
    "aFChunk": gettext_lazy("contenido externo incrustado (altChunk)"),
    "subDocument": gettext_lazy("subdocumentos (subDoc)"),
    "externalLink": gettext_lazy("vínculos a otros libros"),
    "externalLinkPath": gettext_lazy("vínculos a otros libros"),
    "connections": gettext_lazy("conexiones a datos externos"),
    "frame": gettext_lazy("marcos con contenido externo"),
}
# Word elements refused in any of Word's parts.
FORBIDDEN_WORD_ELEMENTS = {
    f"{W}object": gettext_lazy("objetos OLE incrustados (w:object)"),
    f"{W}embedObject": gettext_lazy("objetos OLE incrustados"),
    f"{W}subDoc": gettext_lazy("subdocumentos (subDoc)"),
    f"{W}altChunk": gettext_lazy("contenido externo incrustado (altChunk)"),
    f"{W}attachedTemplate": gettext_lazy("una plantilla vinculada (attachedTemplate)"),
    f"{W}mailMerge": gettext_lazy("una combinación de correspondencia con origen de datos"),
    f"{W}control": gettext_lazy("controles ActiveX"),
    f"{VML_OFFICE}OLEObject": gettext_lazy("objetos OLE incrustados"),
}
# Field codes that fetch a file or talk to another program when the document opens or
# updates its fields.
FORBIDDEN_FIELDS = {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "IMPORT", "DDE", "DDEAUTO", "LINK"}
FORBIDDEN_ODF_ELEMENTS = {
    f"{SCRIPT}event-listener": gettext_lazy("macros asociadas a eventos"),
    f"{PRESENTATION}event-listener": gettext_lazy("macros asociadas a eventos"),
    f"{OFFICE}script": gettext_lazy("macros"),
    f"{OFFICE}dde-source": gettext_lazy("vínculos DDE"),
    f"{TEXT}dde-connection-decl": gettext_lazy("vínculos DDE"),
    f"{TABLE}dde-link": gettext_lazy("vínculos DDE"),
    f"{TABLE}dde-source": gettext_lazy("vínculos DDE"),
    f"{DRAW}object-ole": gettext_lazy("objetos OLE incrustados"),
    f"{DRAW}plugin": gettext_lazy("complementos (plugin)"),
    f"{DRAW}applet": gettext_lazy("applets"),
    f"{DRAW}floating-frame": gettext_lazy("marcos con contenido externo"),
    f"{TEXT}section-source": gettext_lazy("secciones vinculadas a otros archivos"),
    f"{TABLE}table-source": gettext_lazy("tablas vinculadas a otros archivos"),
}
ODF_LINKS = {f"{DRAW}image", f"{DRAW}object", f"{DRAW}fill-image", f"{TEXT}a", f"{DRAW}a"}


# --- messages ---------------------------------------------------------------------------------


def human(size: int) -> str:
    if size >= MB:
        text = f"{size / MB:.1f}".removesuffix(".0")
        return f"{text} MB"
    return f"{max(1, round(size / 1024))} KB"


def damaged(kind: str) -> InvalidInput:
    if kind == "docx":
        return InvalidInput(
            _(
                "El documento de Word está dañado o incompleto; ábralo en su procesador de textos, "
                "guárdelo de nuevo como .docx y vuelva a intentarlo."
            )
        )
    return InvalidInput(
        _("El archivo %(kind)s está dañado o incompleto; ábralo, guárdelo de nuevo y vuelva a intentarlo.")
        % {"kind": KIND_LABELS[kind]}
    )


def macros() -> InvalidInput:
    return InvalidInput(
        _(
            "El documento contiene macros y por seguridad no se puede aceptar. "
            "Guárdelo en un formato sin macros (.docx, .xlsx, .pptx, .odt, .ods) y vuelva a intentarlo."
        )
    )


def embedded_objects() -> str:
    # Charts pasted from Excel are the embedded objects people meet most: say what to do.
    return _("objetos incrustados u OLE (un gráfico de Excel, por ejemplo: péguelo como imagen)")


def reaches_out(what: str, part: str) -> InvalidInput:
    return InvalidInput(
        _(
            "El documento contiene %(what)s (parte «%(part)s»): al abrirse podría conectarse a otro equipo "
            "o ejecutar algo, así que por seguridad no se puede aceptar. Quite ese contenido y guárdelo de nuevo."
        )
        % {"what": what, "part": part[:80]}
    )


def too_complex(what: str, limit: int) -> InvalidInput:
    return InvalidInput(
        _(
            "El documento es demasiado extenso o complejo para procesarlo: tiene más de %(limit)s %(what)s. "
            "Divídalo o simplifíquelo y vuelva a intentarlo."
        )
        % {"limit": f"{limit:,}".replace(",", "."), "what": what}
    )


# --- the zip's central directory -----------------------------------------------------------


def unsafe_entry_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or bool(DRIVE_LETTER.match(name))
        or any(part in ("..", ".") for part in parts)
    )


def _check_entry_kind(name: str, kind: str) -> None:
    """Macros and embedded objects, by where they live, whatever the content types claim."""
    parts = name.lower().split("/")
    odf_macros = kind in ODF_MIMETYPES and len(parts) > 1 and parts[0] in MACRO_FOLDERS
    if parts[-1] in MACRO_NAMES or odf_macros:
        raise macros()
    if any(part in EMBEDDING_FOLDERS for part in parts[:-1]):
        raise reaches_out(embedded_objects(), name)
    if len(parts) > 2 and parts[0] == "xl" and parts[1] == "externallinks":
        raise reaches_out(_("vínculos a otros libros"), name)


def check_central_directory(archive: zipfile.ZipFile, file_size: int, kind: str, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise InvalidInput(
            _("El documento contiene demasiados archivos internos (%(count)d; el máximo es %(max)d).")
            % {"count": len(infos), "max": limits.max_entries}
        )
    names = set()
    total_uncompressed = total_compressed = 0
    entry_ratio_exceeded = False
    for info in infos:
        name = info.filename
        if unsafe_entry_name(name) or unsafe_entry_name(info.orig_filename):
            raise InvalidInput(
                _("El documento contiene rutas internas no permitidas («%(name)s»); no se puede aceptar.")
                % {"name": info.orig_filename[:80]}
            )
        if name in names:
            raise InvalidInput(_("El documento contiene archivos internos repetidos; no se puede aceptar."))
        names.add(name)
        if info.flag_bits & 0x1:
            raise InvalidInput(_("El documento está cifrado o protegido con contraseña; no se puede aceptar."))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InvalidInput(_("El documento usa un método de compresión no admitido; guárdelo de nuevo."))
        if info.header_offset + info.compress_size > file_size:
            raise damaged(kind)
        if info.file_size > limits.ratio_min_size and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            entry_ratio_exceeded = True
        total_uncompressed += info.file_size
        total_compressed += info.compress_size
        _check_entry_kind(name, kind)
        if XML_NAME.search(name) and info.file_size > limits.max_xml_part:
            raise part_too_large(name, limits)
    if total_uncompressed > limits.max_total_uncompressed:
        raise InvalidInput(
            _("El documento ocupa demasiado al descomprimirse (%(size)s; el máximo es %(max)s).")
            % {"size": human(total_uncompressed), "max": human(limits.max_total_uncompressed)}
        )
    if entry_ratio_exceeded or (
        total_uncompressed > limits.ratio_min_size and total_uncompressed > limits.max_ratio * max(total_compressed, 1)
    ):
        raise InvalidInput(
            _("El documento tiene una compresión anómala (posible «bomba zip»); por seguridad no se puede aceptar.")
        )
    _check_structure(infos, names, kind)


def part_too_large(name: str, limits: Limits) -> InvalidInput:
    return InvalidInput(
        _("La parte «%(part)s» del documento ocupa demasiado al descomprimirse (el máximo por parte es %(max)s).")
        % {"part": name[:80], "max": human(limits.max_xml_part)}
    )


def _check_structure(infos, names: set[str], kind: str) -> None:
    if kind in ODF_MIMETYPES:
        # ODF: `mimetype` first and stored, so that its bytes sit at a fixed offset; then the manifest.
        first = infos[0] if infos else None
        if first is None or first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
            raise InvalidInput(
                _("El archivo no es un documento OpenDocument válido: «mimetype» debe ser su primera entrada.")
            )
        required = ("META-INF/manifest.xml", "content.xml")
    else:
        required = (CONTENT_TYPES_PART, OOXML_MAIN_PARTS[kind])
    for part in required:
        if part not in names:
            if kind == "docx":
                message = _("El archivo no es un documento de Word válido: le falta la parte «%(part)s».")
            else:
                message = _("El archivo no es un documento %(kind)s válido: le falta la parte «%(part)s».")
            raise InvalidInput(message % {"part": part, "kind": KIND_LABELS[kind]})


# --- reading entries ------------------------------------------------------------------------


class ByteBudget:
    """Bytes that may still be inflated in this inspection, whatever the headers say."""

    def __init__(self, limit: int):
        self.limit = self.left = limit

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise InvalidInput(
                _("El documento ocupa demasiado al descomprimirse (el máximo es %(max)s).") % {"max": human(self.limit)}
            )


def read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: ByteBudget, kind: str = "docx"):
    """Yield an entry's bytes in chunks: never more than its declared size, never past the budget."""
    read = 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(min(READ_CHUNK, info.file_size - read + 1))
                if not chunk:
                    break
                read += len(chunk)
                if read > info.file_size:
                    raise damaged(kind)
                budget.spend(len(chunk))
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as error:
        raise damaged(kind) from error


def new_parser(target) -> etree.XMLParser:
    """A parser that never builds a tree, never resolves an entity and never reads a DTD or the network."""
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
    )


def check_encoding(head: bytes, part: str, kind: str) -> None:
    """UTF-8 or UTF-16 only, judged from the BOM or the first bytes, with a declaration that
    agrees. libxml2 would also read UTF-32, EBCDIC or whatever a declaration names."""
    other = None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")):
        family, text, other = "utf-32", "", "UTF-32"
    elif head.startswith(b"\x4c\x6f\xa7\x94"):  # "<?xm" in EBCDIC
        family, text, other = "ebcdic", "", "EBCDIC"
    elif head.startswith(b"\xef\xbb\xbf"):
        family, text = "utf-8", head[3:].decode("utf-8", "replace")
    elif head.startswith((b"\xff\xfe", b"<\x00")):
        family, text = "utf-16", head.removeprefix(b"\xff\xfe").decode("utf-16-le", "replace")
    elif head.startswith((b"\xfe\xff", b"\x00<")):
        family, text = "utf-16", head.removeprefix(b"\xfe\xff").decode("utf-16-be", "replace")
    else:
        family, text = "utf-8", head.decode("utf-8", "replace")
    text = text.lstrip(" \t\r\n")
    if other is None and text.startswith("<?xml"):
        end = text.find("?>")
        if end < 0:
            other = _("declaración ilegible")  # padded past what is examined: refuse, do not guess
        else:
            match = DECLARED_ENCODING.search(text[:end].encode("ascii", "replace"))
            declared = match.group(1).decode().lower() if match else None
            if declared is not None and declared not in (UTF8_NAMES if family == "utf-8" else UTF16_NAMES):
                other = declared
    if other is not None:
        raise InvalidInput(
            _(
                "La parte «%(part)s» del documento no está codificada en UTF-8 ni UTF-16, o su declaración "
                "no coincide con su codificación («%(encoding)s»); por seguridad no se puede aceptar. "
                "Guarde el documento de nuevo desde su programa."
            )
            % {"part": part[:80], "encoding": other[:40]}
        )
    if not text.startswith("<") or "\x00" in text[:64]:
        raise damaged(kind)  # not XML at all


class Counters:
    """Elements, paragraphs and text over one inspection; raises as soon as a budget is passed."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.elements = self.paragraphs = self.text_chars = 0

    def element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise too_complex(_("elementos XML"), self.limits.max_elements)

    def paragraph(self) -> None:
        self.paragraphs += 1
        if self.limits.max_paragraphs and self.paragraphs > self.limits.max_paragraphs:
            raise too_complex(_("párrafos"), self.limits.max_paragraphs)

    def text(self, count: int) -> None:
        self.text_chars += count
        if self.limits.max_text_chars and self.text_chars > self.limits.max_text_chars:
            raise too_complex(_("caracteres de texto"), self.limits.max_text_chars)


# --- what the element-by-element parse refuses ------------------------------------------------


def local_type(relationship_type: str) -> str:
    return relationship_type.rstrip("/").rsplit("/", 1)[-1]


def external_target_allowed(relationship_type: str, target: str) -> bool:
    """Only hyperlinks to the web or to an e-mail address may point outside the package:
    they are text the reader may click. Images, templates, frames and anything on `file:`,
    a UNC path (\\\\server\\share), `mhtml:` and the like are fetched by Office itself."""
    if local_type(relationship_type) != "hyperlink":
        return False
    match = SCHEME.match(target)
    return bool(match) and match.group(1).lower() in WEB_SCHEMES and "\\" not in target


class _PartTarget:
    """Base parser target: counts every element, keeps no tree."""

    def __init__(self, part: str, counters: Counters):
        self.part = part
        self.counters = counters

    def start(self, tag, attrib):
        self.counters.element()

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def comment(self, text):
        pass

    def pi(self, target, data):
        pass

    def close(self):
        return None


class _Relationships(_PartTarget):
    def start(self, tag, attrib):
        super().start(tag, attrib)
        if tag != f"{PKG_RELS}Relationship":
            return
        relationship_type = attrib.get("Type", "")
        target = attrib.get("Target", "")
        what = FORBIDDEN_RELATIONSHIPS.get(local_type(relationship_type))
        if what:
            raise reaches_out(what, self.part)
        if attrib.get("TargetMode", "").lower() == "external" and not external_target_allowed(
            relationship_type, target
        ):
            raise reaches_out(
                _("un vínculo externo («%(target)s»)") % {"target": target.strip()[:60]},
                self.part,
            )


class _ContentTypes(_PartTarget):
    def start(self, tag, attrib):
        super().start(tag, attrib)
        content_type = attrib.get("ContentType", "").lower()
        if "macroenabled" in content_type or "vbaproject" in content_type or "vbadata" in content_type:
            raise macros()
        if "oleobject" in content_type or "activex" in content_type:
            raise reaches_out(embedded_objects(), self.part)


class _Field:
    __slots__ = ("instruction", "separated")

    def __init__(self):
        self.instruction: list[str] = []
        self.separated = False


W_P, W_T, W_INSTR_TEXT = f"{W}p", f"{W}t", f"{W}instrText"
W_FLD_CHAR, W_FLD_SIMPLE, W_FLD_CHAR_TYPE, W_INSTR = f"{W}fldChar", f"{W}fldSimple", f"{W}fldCharType", f"{W}instr"


class _WordPart(_PartTarget):
    """Word's parts: forbidden elements, and the field codes of complex fields (w:fldChar
    begin / w:instrText / separate / end, nested) and simple ones (w:fldSimple/@w:instr).

    A field's instruction is the text of its w:instrText runs plus the results of fields
    nested inside the instruction (so `{ {QUOTE "INCLUDEPICTURE"} "http://…" }` is seen as
    the INCLUDEPICTURE it becomes).

    An `observer` (a parser target that neither counts nor checks) sees the same events: the
    import reads the body in this same pass, so the part is parsed once. Called for every
    element, hence the plain code."""

    def __init__(self, part: str, counters: Counters, *, main: bool, observer=None):
        super().__init__(part, counters)
        self.main = main
        self.fields: list[_Field] = []
        self.loose: list[str] = []
        self.capture = None  # "instr" or "text" while inside w:instrText or w:t
        self.observer = observer

    def start(self, tag, attrib):
        counters = self.counters
        counters.elements += 1
        if counters.elements > counters.limits.max_elements:
            counters.element()  # raises, with the message
        if tag in FORBIDDEN_WORD_ELEMENTS:
            raise reaches_out(FORBIDDEN_WORD_ELEMENTS[tag], self.part)
        if tag == W_P:
            if self.main:
                counters.paragraph()
        elif tag == W_T:
            self.capture = "text"
        elif tag == W_INSTR_TEXT:
            self.capture = "instr"
        elif tag == W_FLD_CHAR:
            kind = attrib.get(W_FLD_CHAR_TYPE)
            if kind == "begin":
                self.fields.append(_Field())
            elif kind in ("separate", "end") and self.fields:
                field = self.fields[-1]
                if not field.separated:
                    self._check("".join(field.instruction))
                    field.separated = True
                if kind == "end":
                    self.fields.pop()
        elif tag == W_FLD_SIMPLE:
            self._check(attrib.get(W_INSTR, ""))
        if self.observer is not None:
            self.observer.start(tag, attrib)

    def data(self, data):
        if self.capture == "text":
            if self.main:
                self.counters.text(len(data))
            # The result of a field nested in an instruction is part of that instruction.
            for field in reversed(self.fields):
                if not field.separated:
                    if field is not self.fields[-1]:
                        self._append(field.instruction, data)
                    break
        elif self.capture == "instr":
            self._append(self.fields[-1].instruction if self.fields else self.loose, data)
        if self.observer is not None:
            self.observer.data(data)

    def end(self, tag):
        if self.capture is not None:
            if tag == W_INSTR_TEXT and not self.fields:
                self._check("".join(self.loose))  # an instruction outside any field: judge it alone
                self.loose.clear()
            if tag in (W_T, W_INSTR_TEXT):
                self.capture = None
        if self.observer is not None:
            self.observer.end(tag)

    def close(self):
        for field in self.fields:
            if not field.separated:
                self._check("".join(field.instruction))
        return None

    @staticmethod
    def _append(buffer: list[str], data: str) -> None:
        if sum(map(len, buffer)) < 512:  # the field's name is at the start; a bounded prefix is enough
            buffer.append(data)

    def _check(self, instruction: str) -> None:
        words = instruction.replace('"', " ").replace("\\", " ").split()
        if words and words[0].upper() in FORBIDDEN_FIELDS:
            raise reaches_out(
                _("un campo %(field)s, que trae contenido de otro archivo o programa") % {"field": words[0].upper()},
                self.part,
            )


class _OdfPart(_PartTarget):
    def start(self, tag, attrib):
        super().start(tag, attrib)
        what = FORBIDDEN_ODF_ELEMENTS.get(tag)
        if what:
            raise reaches_out(what, self.part)
        if tag == f"{MANIFEST}encryption-data":
            raise InvalidInput(_("El documento está cifrado o protegido con contraseña; no se puede aceptar."))
        href = attrib.get(XLINK_HREF)
        if href is None or tag not in ODF_LINKS:
            return
        scheme = SCHEME.match(href)
        if tag in (f"{TEXT}a", f"{DRAW}a"):
            # A hyperlink is text: the web, an e-mail address or a place in the document.
            allowed = href.lstrip().startswith("#") or (
                scheme is not None and scheme.group(1).lower() in WEB_SCHEMES and "\\" not in href
            )
        else:
            # An image or object is read by the office suite itself: only from inside the package.
            stripped = href.strip()
            allowed = scheme is None and not stripped.startswith(("/", "\\", "..")) and "/../" not in stripped
        if not allowed:
            raise reaches_out(_("un vínculo externo («%(target)s»)") % {"target": href.strip()[:60]}, self.part)


def _target_for(name: str, kind: str, counters: Counters, observers: dict):
    """The element-by-element check a part needs, or None when the byte checks suffice."""
    if name == CONTENT_TYPES_PART:
        return _ContentTypes(name, counters)
    if name.endswith(".rels"):
        return _Relationships(name, counters)
    if kind == "docx" and name.startswith("word/") and XML_NAME.search(name):
        return _WordPart(name, counters, main=name == OOXML_MAIN_PARTS["docx"], observer=observers.get(name))
    if kind in ODF_MIMETYPES and os.path.basename(name) in ("content.xml", "styles.xml", "manifest.xml"):
        return _OdfPart(name, counters)
    return None


def _looks_like_xml(head: bytes) -> bool:
    stripped = head.removeprefix(b"\xef\xbb\xbf").removeprefix(b"\xff\xfe").removeprefix(b"\xfe\xff")
    return stripped.lstrip(b" \t\r\n").startswith((b"<", b"\x00<"))


def doctype_refused(part: str) -> InvalidInput:
    return InvalidInput(
        _(
            "El documento contiene declaraciones DOCTYPE o ENTITY (parte «%(part)s»), "
            "que no se admiten por seguridad; no se puede aceptar."
        )
        % {"part": part[:80]}
    )


class _EntryScan:
    """One entry, chunk by chunk. Its first bytes (or its name) say whether it is XML; an
    XML part is then checked for its encoding, for DTDs in the raw bytes (also across
    chunks and in UTF-16: NUL bytes are dropped before comparing) before the tree-less
    parser sees those bytes, and for its size."""

    KEEP = max(len(marker) for marker in (*FORBIDDEN_MARKERS, b"macroenabled")) - 1

    def __init__(self, name: str, kind: str, limits: Limits, counters: Counters, observers: dict):
        self.name, self.kind, self.limits, self.counters = name, kind, limits, counters
        self.observers = observers
        self.is_xml = bool(XML_NAME.search(name))
        self.pending = b""
        self.started = False
        self.parser = None
        self.size = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        if not self.started:
            self.pending += chunk
            if len(self.pending) < XML_HEAD:
                return  # not enough yet to judge the encoding
            chunk, self.pending = self.pending, b""
            self._begin(chunk)
        if self.is_xml:
            self._xml(chunk)

    def finish(self) -> None:
        if not self.started:
            chunk, self.pending = self.pending, b""
            self._begin(chunk)
            if self.is_xml:
                self._xml(chunk)
        if self.parser is not None:
            self.parser.close()

    def _begin(self, head: bytes) -> None:
        self.started = True
        self.is_xml = self.is_xml or _looks_like_xml(head)
        if self.is_xml:
            # A DTD is the more specific finding, whatever the encoding claims.
            if any(marker in head.replace(b"\x00", b"").lower() for marker in FORBIDDEN_MARKERS):
                raise doctype_refused(self.name)
            check_encoding(head[:XML_HEAD], self.name, self.kind)
            target = _target_for(self.name, self.kind, self.counters, self.observers)
            self.parser = new_parser(target) if target is not None else None

    def _xml(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limits.max_xml_part:
            raise part_too_large(self.name, self.limits)
        window = self.tail + chunk.replace(b"\x00", b"").lower()
        if any(marker in window for marker in FORBIDDEN_MARKERS):
            raise doctype_refused(self.name)
        if self.name == CONTENT_TYPES_PART and b"macroenabled" in window:
            raise macros()
        self.tail = window[-self.KEEP :]
        if self.parser is not None:
            self.parser.feed(chunk)


def _scan_entry(archive, info, kind, limits, budget, counters, observers) -> None:
    """Read one entry to its end (so zipfile checks its CRC), checking it as it streams."""
    scan = _EntryScan(info.filename, kind, limits, counters, observers)
    for chunk in read_bounded(archive, info, budget, kind):
        scan.feed(chunk)
    scan.finish()


def _check_odf_mimetype(archive: zipfile.ZipFile, kind: str, budget: ByteBudget) -> None:
    info = archive.getinfo("mimetype")
    if info.file_size > 200:
        raise damaged(kind)
    value = b"".join(read_bounded(archive, info, budget, kind)).decode("ascii", "replace").strip()
    if value != ODF_MIMETYPES[kind]:
        raise InvalidInput(
            _("El archivo no es un documento %(kind)s: su tipo interno es «%(value)s».")
            % {"kind": KIND_LABELS[kind], "value": value[:80]}
        )


@dataclass(frozen=True)
class _Verdict:
    kind: str
    limits: Limits
    sha256: str
    counters: Counters


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def inspect_package(uploaded_file, kind: str, limits: Limits, observers: dict | None = None) -> Counters:
    """Raise InvalidInput (Spanish, specific) unless the upload is a plain, harmless package
    of that kind ("docx", "xlsx", "pptx", "odt" or "ods"). Memory stays within a few chunks
    whatever the file claims; returns the counts.

    `observers` maps Word part names to parser targets that see those parts' events once
    they passed the checks (the import reads the body and the styles that way).

    A file that passed is marked with its verdict (kind, limits, SHA-256): the import's
    .docx, inspected under the import's limits, is then not inspected a second time when it
    is stored as an attachment (attachment limits are looser), as long as its bytes are the
    same."""
    verdict = getattr(uploaded_file, "_inspection_verdict", None)
    if (
        observers is None
        and verdict is not None
        and verdict.kind == kind
        and verdict.limits.within(limits)
        and verdict.sha256 == _sha256(uploaded_file)
    ):
        return verdict.counters
    size = uploaded_file.size
    uploaded_file.seek(0)
    counters = Counters(limits)
    try:
        if not zipfile.is_zipfile(uploaded_file):
            if kind == "docx":
                raise InvalidInput(_("El archivo no es un documento de Word (.docx) válido."))
            raise InvalidInput(_("El archivo no es un documento %(kind)s válido.") % {"kind": KIND_LABELS[kind]})
        uploaded_file.seek(0)
        with zipfile.ZipFile(uploaded_file) as archive:
            check_central_directory(archive, size, kind, limits)
            budget = ByteBudget(limits.max_total_uncompressed)
            if kind in ODF_MIMETYPES:
                _check_odf_mimetype(archive, kind, budget)
            # The content types first: a macro-enabled package is named as such before anything else.
            infos = sorted(archive.infolist(), key=lambda info: info.filename != CONTENT_TYPES_PART)
            for info in infos:
                if not info.is_dir():
                    _scan_entry(archive, info, kind, limits, budget, counters, observers or {})
    except etree.XMLSyntaxError as error:
        raise damaged(kind) from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise damaged(kind) from error
    finally:
        uploaded_file.seek(0)
    uploaded_file._inspection_verdict = _Verdict(kind, limits, _sha256(uploaded_file), counters)
    return counters
