"""A PDF someone uploads to compare with an official document: checked by content, read
with pyHanko's parser, and compared (the file's hash, then its signature). Nothing is
stored; every refusal is an `UnreadablePdf` with a Spanish message, never a server error.
"""

import hashlib
import io
import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import signing

logger = logging.getLogger("documents.pdfcheck")

# The header may follow a little junk (PDF readers accept it within the first kilobyte).
HEADER_WINDOW = 1024


class UnreadablePdf(Exception):
    """Not a PDF, encrypted, or damaged: the message says which, in Spanish."""


@dataclass(frozen=True)
class Comparison:
    sha256: str
    size: int
    matches: bool  # byte for byte the official PDF
    signature: signing.SignatureCheck

    @property
    def differences(self) -> list[str]:
        """What differs from the official PDF, in plain Spanish."""
        if self.matches:
            return []
        found = [_("El contenido del archivo no es idéntico: su SHA-256 es distinto del publicado.")]
        check = self.signature
        if not check.present:
            found.append(_("El archivo no tiene firma electrónica."))
        elif not check.intact:
            found.append(_("La firma no es válida: el archivo fue modificado después de firmarse."))
        elif not check.trusted:
            found.append(_("El archivo está firmado, pero no con el certificado de la municipalidad."))
        elif not check.whole_file:
            found.append(_("La firma es válida, pero el archivo tiene cambios añadidos después de la firma."))
        else:
            found.append(
                _(
                    "El archivo está firmado por la municipalidad y no fue alterado, pero es otro documento "
                    "(otra versión u otra publicación)."
                )
            )
        return found


def read(data: bytes):
    """A pyHanko reader over the upload, or UnreadablePdf."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise UnreadablePdf(_("El archivo no es un PDF: elija el PDF del documento que recibió."))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise UnreadablePdf(
                _(
                    "El PDF está cifrado o protegido con contraseña: no se puede comparar. "
                    "Los documentos oficiales se publican sin cifrar."
                )
            )
        reader.root  # noqa: B018 - parses the catalogue now, so damage shows here
        reader.embedded_signatures  # noqa: B018
    except UnreadablePdf:
        raise
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as error:
        logger.info("uploaded PDF refused: %s", error)
        raise UnreadablePdf(_("El PDF está dañado o mal formado: no se pudo leer.")) from error
    return reader


def compare(data: bytes, official_sha256: str) -> Comparison:
    """Compare an upload with the official PDF whose hash is given. Raises UnreadablePdf."""
    sha = hashlib.sha256(data).hexdigest()
    reader = read(data)
    try:
        roots = signing.trust_roots(signing.load_credentials())
    except signing.SigningError:
        roots = []  # no certificate configured now: a signature cannot be confirmed as ours
    try:
        check = signing.check_signature(reader, roots)
    except Exception as error:  # a hostile file must not become a server error
        logger.info("uploaded PDF: signature unreadable: %s", error)
        check = signing.SignatureCheck(present=True, error=str(error)[:300])
    return Comparison(sha256=sha, size=len(data), matches=sha == official_sha256, signature=check)
