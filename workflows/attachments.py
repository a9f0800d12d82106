"""What an uploaded attachment may be: checked by content, not by the name it came with."""

import hashlib
import os

from django.conf import settings
from django.utils.translation import gettext as _

from workflows import inspection

from .exceptions import InvalidInput

# Extension -> (content type, magic bytes the file must start with).
ALLOWED_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
}
# Zip-based formats: opened by Office or LibreOffice on the office's computers, so they get
# the import's structural inspection (workflows.inspection), with the attachment limits.
PACKAGE_KINDS = {".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx", ".odt": "odt", ".ods": "ods"}
# Macro-enabled Office formats: refused as such, not as an unknown type.
MACRO_EXTENSIONS = {".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".xlsb", ".pptm", ".potm", ".ppsm", ".ppam"}
MAX_NAME_LENGTH = 120


def safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip()
    stem, ext = os.path.splitext(base)
    cleaned = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in stem).strip(" .") or "archivo"
    return f"{cleaned[: MAX_NAME_LENGTH - len(ext)]}{ext.lower()}"


def inspect_upload(uploaded_file) -> tuple[str, str, str]:
    """Return (safe name, content type, sha256) or raise InvalidInput with a Spanish message."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if uploaded_file.size == 0:
        raise InvalidInput(_("El archivo está vacío."))
    if uploaded_file.size > limit:
        raise InvalidInput(
            _("El archivo pesa %(size)s MB; el máximo es %(max)s MB.")
            % {"size": f"{uploaded_file.size / 1_048_576:.1f}", "max": f"{limit / 1_048_576:.0f}"}
        )
    name = safe_name(uploaded_file.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext in MACRO_EXTENSIONS:
        raise inspection.macros()
    if ext not in ALLOWED_TYPES:
        raise InvalidInput(
            _("Tipo de archivo no permitido. Se aceptan: %(types)s.") % {"types": ", ".join(sorted(ALLOWED_TYPES))}
        )
    content_type, magics = ALLOWED_TYPES[ext]
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    if not any(head.startswith(magic) for magic in magics):
        raise InvalidInput(_("El contenido del archivo no corresponde a su extensión %(ext)s.") % {"ext": ext})
    if ext in PACKAGE_KINDS:
        inspection.inspect_package(uploaded_file, PACKAGE_KINDS[ext], inspection.ATTACHMENT_LIMITS)
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return name, content_type, digest.hexdigest()
