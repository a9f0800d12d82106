"""`manage.py check` (and `check --deploy`) says what would keep official PDFs from being
made: the signing certificate (missing, unreadable, wrong passphrase, expired, the demo
one where it must not be) and LibreOffice. Warnings, not errors: the office keeps
approving, and the PDFs wait until it is fixed (documents/official.py)."""

from django.conf import settings
from django.core import checks

from . import signing
from .pdf import soffice_path


@checks.register("documents")
def signing_certificate_check(app_configs=None, **kwargs):
    try:
        credentials = signing.load_credentials()
    except signing.SigningError as error:
        return [
            checks.Warning(
                str(error),
                hint="Configure DOCUMENT_SIGNING_CERTIFICATE (archivo PKCS#12) y DOCUMENT_SIGNING_PASSPHRASE; "
                "vea docs/DEPLOY.md. Mientras tanto los PDF oficiales no se firman (el DOCX sigue disponible).",
                id="documents.W001",
            )
        ]
    if credentials.is_demo:
        return [
            checks.Warning(
                "El certificado de firma configurado es uno de demostración, sin valor legal.",
                hint="Instale el certificado digital de la municipalidad (README: «Certificado de firma»).",
                id="documents.W002",
            )
        ]
    return []


@checks.register("documents")
def libreoffice_check(app_configs=None, **kwargs):
    if not settings.DOCUMENT_PDF_AUTO or soffice_path():
        return []
    return [
        checks.Warning(
            "LibreOffice (soffice) no está instalado: los PDF oficiales no se generarán.",
            hint="apt-get install libreoffice-writer-nogui (make run lo instala: scripts/system-packages.sh).",
            id="documents.W003",
        )
    ]
