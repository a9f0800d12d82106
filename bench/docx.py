"""DOCX rendering: `documents.rendering.render_docx(version)` for the approved version of
each kind, and for a 10-page press release (a long body; the page count is checked once,
untimed, by converting it with LibreOffice when it is installed)."""

import itertools
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .common import arguments, emit, log, setup_django, stopwatch, summary

WARMUP = 3
PARAGRAPH = (
    "La Municipalidad informa a los vecinos que la campaña de vacunación antirrábica canina y felina "
    "se realizará en los parques del distrito, de ocho de la mañana a una de la tarde. Los propietarios "
    "deberán llevar a sus mascotas con collar y correa, y a los perros de razas potencialmente peligrosas "
    "con bozal. La vacuna es gratuita y se entregará un carné de vacunación. Se recomienda no bañar a la "
    "mascota durante los tres días siguientes y consultar al veterinario ante cualquier reacción."
)
# About 25,000 characters of body: with the header, the facts and the approval block, ten A4 pages.
LONG_BODY_PARAGRAPHS = 51


def page_count(data: bytes) -> int | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdfinfo = shutil.which("pdfinfo")
    if not soffice or not pdfinfo:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-docx-") as work:
        folder = Path(work)
        (folder / "long.docx").write_bytes(data)
        subprocess.run(  # noqa: S603 - fixed command line
            [
                soffice,
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(folder / "long.docx"),
            ],
            capture_output=True,
            timeout=180,
            env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
        )
        if not (folder / "long.pdf").exists():
            return None
        info = subprocess.run([pdfinfo, str(folder / "long.pdf")], capture_output=True, text=True)  # noqa: S603
        match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
        return int(match.group(1)) if match else None


def main():
    args = arguments(__doc__)
    setup_django()

    from documents.models import DocumentVersion
    from documents.rendering import render_docx
    from tests.factories import advance, build_organization, create_request, request_in_state
    from workflows.models import Kind, State

    runs = args.runs or (10 if args.quick else 100)
    units, users = build_organization()
    versions = {}
    for kind in Kind.values:
        request = request_in_state(users, units, State.APPROVED, kind=kind)
        versions[kind] = DocumentVersion.objects.filter(request=request).order_by("-number").first()
    body = "\n\n".join(f"{index}. {PARAGRAPH}" for index in range(1, LONG_BODY_PARAGRAPHS + 1))
    long_request = create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION, body=body)
    long_request = advance(long_request, State.APPROVED, users)
    versions["10 pages"] = DocumentVersion.objects.filter(request=long_request).order_by("-number").first()

    samples = {name: [] for name in versions}
    sizes = {}
    for index, name in itertools.product(range(runs + WARMUP), versions):
        if index < WARMUP:
            sizes[name] = len(render_docx(versions[name]))
            continue
        with stopwatch(samples[name]):
            render_docx(versions[name])
    pages = page_count(render_docx(versions["10 pages"]))
    log(f"the long document has {pages} pages" if pages else "LibreOffice not installed: page count not checked")
    emit(
        {
            "scenario": "docx",
            "timings": {name: summary(values) for name, values in samples.items()},
            "bytes": sizes,
            "long_pages": pages,
            "long_body_chars": len(body),
        }
    )


if __name__ == "__main__":
    main()
