"""What an uploaded press clipping may be: a PDF, PNG or JPEG, recognised by its content
(magic bytes), never by the name it came with. The stored name takes the extension of
what the content is, so a scan renamed `.pdf` is stored and served as the PNG it is."""

import hashlib
import os

from django.conf import settings
from django.utils.translation import gettext as _

from workflows.attachments import ALLOWED_TYPES, safe_name
from workflows.exceptions import InvalidInput

# Content type -> (magic bytes, extension), from the attachments' own table.
CLIPPING_TYPES = {ALLOWED_TYPES[ext][0]: (ALLOWED_TYPES[ext][1], ext) for ext in (".pdf", ".png", ".jpg")}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_bytes() -> int:
    return getattr(settings, "PRESS_CLIPPING_MAX_BYTES", DEFAULT_MAX_BYTES)


def inspect_clipping(uploaded_file) -> tuple[str, str, str]:
    """Return (safe name, content type, sha256) or raise InvalidInput with a Spanish
    message. Reads the file only; nothing is stored here."""
    limit = max_bytes()
    shown = os.path.basename((uploaded_file.name or "").replace("\\", "/")) or _("sin nombre")
    if not uploaded_file.size:
        raise InvalidInput(
            _("El recorte «%(name)s» está vacío.") % {"name": shown},
            field_errors={"clipping": [_("El archivo está vacío.")]},
        )
    if uploaded_file.size > limit:
        message = _("El recorte pesa %(size)s MB; el máximo es %(max)s MB.") % {
            "size": f"{uploaded_file.size / 1_048_576:.1f}",
            "max": f"{limit / 1_048_576:.0f}",
        }
        raise InvalidInput(message, field_errors={"clipping": [message]})
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    detected = next(
        (
            (content_type, ext)
            for content_type, (magics, ext) in CLIPPING_TYPES.items()
            if any(head.startswith(magic) for magic in magics)
        ),
        None,
    )
    if detected is None:
        message = _(
            "El contenido de «%(name)s» no es un PDF, PNG ni JPEG: el recorte debe ser uno de esos formatos "
            "(cambiarle el nombre a un archivo no cambia lo que es)."
        ) % {"name": shown}
        raise InvalidInput(message, field_errors={"clipping": [message]})
    content_type, ext = detected
    stem = os.path.splitext(safe_name(uploaded_file.name or ""))[0] or "recorte"
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return f"{stem}{ext}", content_type, digest.hexdigest()
