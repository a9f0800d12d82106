"""The municipality's coat of arms (escudo) or logo, as the administrator uploads it.

Checked by content before anything keeps it: its size first (before a byte is parsed),
then what its first bytes say (PNG or JPEG only; SVG is refused: it is a program as much
as a picture, and nothing here rasterises it safely), then Pillow reads its header
(format, dimensions within bounds, so no decompression bomb is ever decoded) and decodes
it whole. Stored under its SHA-256 (`logos/<sha256>.<ext>`), so a document that froze one
logo keeps finding those very bytes after another is uploaded.
"""

import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 4000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}


class InvalidLogo(ValueError):
    """Why an upload is no usable logo, in Spanish."""


@dataclass(frozen=True)
class CheckedLogo:
    data: bytes
    extension: str
    content_type: str
    sha256: str
    width: int
    height: int

    @property
    def storage_name(self) -> str:
        return f"logos/{self.sha256}.{self.extension}"


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text[:1024]


def check_logo(upload) -> CheckedLogo:
    """The upload's bytes if they are a PNG or JPEG of sensible size; InvalidLogo otherwise."""
    size = getattr(upload, "size", None)
    if size is not None and size > LOGO_MAX_BYTES:
        raise InvalidLogo(_("El escudo pesa más de %(mb)d MB.") % {"mb": LOGO_MAX_BYTES // (1024 * 1024)})
    upload.seek(0)
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidLogo(_("El escudo pesa más de %(mb)d MB.") % {"mb": LOGO_MAX_BYTES // (1024 * 1024)})
    if not data:
        raise InvalidLogo(_("El archivo está vacío."))
    if _looks_like_svg(data[:2048]):
        raise InvalidLogo(_("No se admiten imágenes SVG: suba el escudo en PNG o JPEG."))
    if not data.startswith((PNG_MAGIC, JPEG_MAGIC)):
        raise InvalidLogo(_("El archivo no es una imagen PNG ni JPEG."))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, width, height = image.format, image.width, image.height
            if kind not in FORMATS:
                raise InvalidLogo(_("El archivo no es una imagen PNG ni JPEG."))
            if width < 1 or height < 1 or width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise InvalidLogo(
                    _("El escudo mide %(w)d × %(h)d píxeles; el máximo es %(max)d por lado.")
                    % {"w": width, "h": height, "max": LOGO_MAX_SIDE}
                )
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except InvalidLogo:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise InvalidLogo(_("La imagen está dañada o no se puede leer.")) from error
    extension, content_type = FORMATS[kind]
    return CheckedLogo(data, extension, content_type, hashlib.sha256(data).hexdigest(), width, height)
