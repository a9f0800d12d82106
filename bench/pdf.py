"""Official PDFs: for the approved version of each kind, the three steps of
documents.official.produce timed apart: the DOCX with its code and QR
(documents.rendering), LibreOffice's PDF/A-2b conversion (documents.pdf, a fresh profile
each time, as in production), and the PAdES signature (documents.signing, pyHanko, a 2048-bit
RSA key). Few runs: a conversion takes seconds."""

import itertools
import tempfile
from pathlib import Path

from .common import arguments, emit, log, setup_django, stopwatch, summary

WARMUP = 1


def main():
    args = arguments(__doc__)
    setup_django()

    from documents import official, signing
    from documents.models import DocumentVersion, Reason
    from documents.pdf import docx_to_pdf, soffice_path
    from documents.rendering import render_frozen
    from tests.factories import build_organization, request_in_state
    from workflows.models import Kind, State

    if not soffice_path():
        emit({"scenario": "pdf", "skipped": "LibreOffice no está instalado (apt-get install libreoffice-writer-nogui)"})
        return
    runs = args.runs or (2 if args.quick else 5)
    warmup = 0 if args.quick else WARMUP  # a smoke run: every conversion counts
    folder = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    credentials = signing.make_demo_certificate(str(folder / "firma.p12"), "bench", "Municipalidad de Prueba")
    units, users = build_organization()
    versions = {}
    for kind in Kind.values:
        request = request_in_state(users, units, State.APPROVED, kind=kind)
        versions[kind] = DocumentVersion.objects.get(request=request, reason=Reason.APPROVE)

    steps = ("docx", "convert", "sign", "total")
    samples = {kind: {step: [] for step in steps} for kind in versions}
    sizes = {}
    for index, kind in itertools.product(range(runs + warmup), versions):
        version = versions[kind]
        timed = samples[kind]
        total: list[float] = []
        with stopwatch(total):
            with stopwatch(timed["docx"]):
                docx = render_frozen(official.frozen_for_pdf(version))
            with stopwatch(timed["convert"]):
                pdf = docx_to_pdf(docx)
            with stopwatch(timed["sign"]):
                signed = signing.sign_pdf(
                    pdf,
                    reason=official.signing_reason(version),
                    location=official.signing_location(version),
                    name=version.snapshot.get("municipality", ""),
                    credentials=credentials,
                )
        timed["total"].append(total[0])
        sizes[kind] = len(signed)
        if index < warmup:
            for step in steps:
                timed[step].clear()
    log(f"{runs} runs per kind after {warmup} warm-up")
    emit(
        {
            "scenario": "pdf",
            "timings": {
                kind: {step: summary(values) for step, values in rows.items()} for kind, rows in samples.items()
            },
            "bytes": sizes,
        }
    )


if __name__ == "__main__":
    main()
