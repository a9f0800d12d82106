"""DOCX import under hostile input (issue 13): the whole import service
(`documents.importing.import_docx_into_draft`: inspection, body, attachment with its own
inspection, one transaction) for the largest documents the limits accept and for the worst
ones they refuse, built in the run (tests/documents/hostile.py).

Each case reports its time (median and worst of the runs, without tracing), the peak of
Python allocations under tracemalloc (one more run), and the process's resident memory peak
(VmHWM, reset through /proc/self/clear_refs before the case: libxml2's own allocations are
not traced by tracemalloc). Budgets: 2 s and 50 MB per import."""

import contextlib
import gc
import time
import tracemalloc
from pathlib import Path

from .common import arguments, emit, log, setup_django

TIME_BUDGET_S = 2.0
MEMORY_BUDGET_MB = 50


def resident_kb(field: str) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def reset_resident_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cases():
    from tests.documents import hostile
    from workflows.inspection import IMPORT_LIMITS as limits

    base = hostile.plain_docx()
    offset = element_offset(base)
    realistic = "\n".join(  # about 58,000 characters of body in 400 paragraphs with headings and lists
        hostile.paragraph(f"Sección {index}", style="Heading2")
        + hostile.paragraph("La Municipalidad informa a los vecinos del distrito " * 2)
        + hostile.paragraph(f"Punto {index}: horario de atención de nueve a trece.", style="ListBullet")
        for index in range(1, 337)
    )
    accepted = {
        "at the element limit": hostile.element_count_document(base, limits.max_elements - offset),
        "at the paragraph limit": hostile.empty_paragraphs_document(base, limits.max_paragraphs),
        "at the part-size limit": hostile.sized_document(base, hostile.paragraph("Aviso."), limits.max_xml_part),
        "a 58,000-character body": hostile.with_body(base, realistic),
    }
    issue = hostile.issue_example(base, megabytes=30)
    refused = {
        "one element over": hostile.element_count_document(base, limits.max_elements - offset + 1),
        "one paragraph over": hostile.empty_paragraphs_document(base, limits.max_paragraphs + 1),
        "the issue's 30 MB of paragraphs": issue,
        "the same, headers lying (1 MB)": hostile.lie_about_size(issue, "word/document.xml", 1024 * 1024),
    }
    return accepted, refused


def element_offset(base: bytes) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.importing import inspect_docx
    from tests.documents import hostile

    return inspect_docx(SimpleUploadedFile("a.docx", hostile.element_count_document(base, 10))).elements - 10


def main():
    args = arguments(__doc__)
    setup_django()

    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.importing import import_docx_into_draft
    from tests.factories import build_organization, create_request
    from workflows.exceptions import InvalidInput

    runs = args.runs or (2 if args.quick else 5)
    units, users = build_organization()
    draft = create_request(users["rentas1"], units["rentas"])
    accepted, refused = cases()

    def run_once(data: bytes) -> str:
        try:
            import_docx_into_draft(users["rentas1"], draft, SimpleUploadedFile("documento.docx", data))
        except InvalidInput as error:
            return f"refused: {error.message[:90]}"
        return "imported"

    results = {}
    for group, documents in (("accepted", accepted), ("refused", refused)):
        for name, data in documents.items():
            run_once(data)  # warm-up
            times = []
            for _ in range(runs):
                gc.collect()
                start = time.perf_counter()
                outcome = run_once(data)
                times.append(time.perf_counter() - start)
            gc.collect()
            rss_before = resident_kb("VmRSS")
            tracked = reset_resident_peak()
            tracemalloc.start()
            run_once(data)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_peak = resident_kb("VmHWM") if tracked else None
            results[name] = {
                "group": group,
                "outcome": outcome,
                "zip_kb": round(len(data) / 1024),
                "median_s": sorted(times)[len(times) // 2],
                "max_s": max(times),
                "traced_peak_mb": peak / 1024 / 1024,
                "rss_growth_mb": (rss_peak - rss_before) / 1024 if rss_peak and rss_before else None,
            }
            log(f"{name}: {outcome}, {max(times):.2f} s, {peak / 1024 / 1024:.1f} MB traced")
    emit(
        {
            "scenario": "docx_import",
            "runs": runs,
            "cases": results,
            "budgets": {"seconds": TIME_BUDGET_S, "mb": MEMORY_BUDGET_MB},
        }
    )


if __name__ == "__main__":
    main()
