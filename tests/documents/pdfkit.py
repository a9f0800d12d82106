"""PDF helpers for the tests: a signing certificate of their own, a tiny PDF made by hand (to
sign without LibreOffice), real clients (pdftotext, pdfsig, pdfinfo, pdffonts, pdftoppm) and
the QR decoder (zxing-cpp, pinned in requirements-dev.txt)."""

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from documents import signing
from tests.conftest import skip_or_fail

PASSPHRASE = "clave-de-prueba-123"
MUNICIPALITY = "Municipalidad Distrital de Pueblo Libre"


def make_certificate(folder: Path) -> tuple[str, signing.Credentials]:
    path = str(folder / "firma-pruebas.p12")
    return path, signing.make_demo_certificate(path, PASSPHRASE, MUNICIPALITY)


def tiny_pdf(text: str = "Documento de prueba") -> bytes:
    """A one-page PDF with one line of text, offsets and all, written here."""
    content = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypted_pdf() -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(tiny_pdf())))
    writer.encrypt("propietario", "usuario")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        skip_or_fail(f"{name} no está instalado: apt-get install poppler-utils")
    return path


def run(*command, data: bytes | None = None, suffix=".pdf") -> str:
    """Run a poppler tool on `data` (written to a temporary file) and return its output."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data or b"")
        handle.flush()
        result = subprocess.run(  # noqa: S603
            [tool(command[0]), *command[1:], handle.name], capture_output=True, timeout=120
        )
        return (result.stdout + result.stderr).decode("utf-8", "replace")


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(  # noqa: S603
            [tool("pdftotext"), "-layout", handle.name, "-"], capture_output=True, timeout=120, check=True
        ).stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def pdfsig(data: bytes) -> str:
    return run("pdfsig", data=data)


def qr_texts(data: bytes, page: int = 1) -> list[str]:
    """Every QR code zxing-cpp finds on one page rendered at 200 dpi by pdftoppm."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "doc.pdf"
        source.write_bytes(data)
        subprocess.run(  # noqa: S603
            [tool("pdftoppm"), "-r", "200", "-f", str(page), "-l", str(page), "-png", str(source), f"{work}/page"],
            check=True,
            timeout=120,
        )
        images = sorted(Path(work).glob("page*.png"))
        with Image.open(images[0]) as image:
            return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def flip_one_byte(data: bytes, position: int | None = None) -> bytes:
    """The same file with one byte changed, inside the signed range (before the signature)."""
    changed = bytearray(data)
    index = position if position is not None else len(changed) // 3
    changed[index] ^= 0x01
    return bytes(changed)
