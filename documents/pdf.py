"""DOCX → PDF/A-2b with LibreOffice headless (Debian's libreoffice-writer-nogui).

Each conversion runs in a fresh temporary folder with its own LibreOffice profile and HOME
(two conversions at once never share a profile, which LibreOffice cannot do), in a process
group of its own that is killed whole on timeout (soffice starts soffice.bin under it), and
its output is refused past a size limit before it is read.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

# PDF/A-2b (LibreOffice's "SelectPdfVersion" 2), fonts embedded, tagged; the JSON form of
# the filter's options is understood from LibreOffice 7.4 on.
PDF_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
OUTPUT_TAIL_BYTES = 2000


class PdfConversionError(Exception):
    """LibreOffice is missing, failed, timed out or wrote something unusable; the message
    is Spanish, for the office."""


def soffice_path() -> str | None:
    configured = getattr(settings, "LIBREOFFICE_PATH", "")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def docx_to_pdf(data: bytes, *, name: str = "documento") -> bytes:
    """The PDF LibreOffice makes of this DOCX. Raises PdfConversionError."""
    soffice = soffice_path()
    if not soffice:
        raise PdfConversionError(
            _(
                "LibreOffice no está instalado en el servidor (paquete libreoffice-writer-nogui): "
                "el PDF no se pudo generar; el DOCX sigue disponible."
            )
        )
    timeout = settings.PDF_CONVERT_TIMEOUT
    limit = settings.PDF_MAX_BYTES
    with tempfile.TemporaryDirectory(prefix="pdf-") as work:
        workdir = Path(work)
        source = workdir / f"{name}.docx"
        source.write_bytes(data)
        outdir = workdir / "out"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir / "home"),
            "LANG": "C.UTF-8",
            "TMPDIR": str(workdir),
        }
        command = [
            soffice,
            f"-env:UserInstallation={(workdir / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            PDF_FILTER,
            "--outdir",
            str(outdir),
            str(source),
        ]
        process = subprocess.Popen(  # noqa: S603 - a fixed command, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=work,
            start_new_session=True,
        )
        try:
            output, _unused = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            _kill_group(process)
            raise PdfConversionError(
                _("LibreOffice no terminó la conversión en %(seconds)d segundos: se detuvo.") % {"seconds": timeout}
            ) from error
        finally:
            if process.poll() is None:
                _kill_group(process)
        # Whatever soffice.bin left behind in its group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        pdf = outdir / f"{name}.pdf"
        tail = (output or b"")[-OUTPUT_TAIL_BYTES:].decode("utf-8", "replace").strip()
        if process.returncode != 0 or not pdf.exists():
            raise PdfConversionError(
                (
                    _("LibreOffice no pudo convertir el documento (código %(code)s).") % {"code": process.returncode}
                    + f" {tail}"
                ).strip()
            )
        size = pdf.stat().st_size
        if size > limit:
            raise PdfConversionError(
                _("El PDF generado pesa %(size)d bytes, más que el máximo permitido (%(limit)d).")
                % {"size": size, "limit": limit}
            )
        result = pdf.read_bytes()
    if not result.startswith(b"%PDF-"):
        raise PdfConversionError(_("LibreOffice escribió un archivo que no es un PDF."))
    return result
