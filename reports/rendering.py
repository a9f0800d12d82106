"""The report's DOCX, from its frozen figures only: the same figures give the same bytes.

Built on documents.rendering's building blocks: the page set-up (`blank_document`), the
page-number field and the facts table, and the package written with fixed entry times
(`save_deterministic`). The core properties' dates are the period's first day, never the
time of generation, and the version number is not printed: a report generated again
from unchanged data is the same file, with the same SHA-256.
"""

import io
from datetime import UTC, datetime

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from documents.rendering import add_page_field, blank_document, facts_table, logo_bytes, save_deterministic
from documents.snapshots import sha256_of, spanish_date, spanish_datetime
from documents.tables import available_width, fit_columns

from .charts import coverage_by_tone_chart, requests_by_unit_chart

OFFICE = "Gerencia de Comunicaciones e Imagen Institucional · Oficina de Imagen Institucional"
CHART_WIDTH = Cm(16)
TOP_ROWS = 10
TABLE_TEXT = Pt(9)


def number(value: float | None) -> str:
    """«2,5» (Spanish decimal comma); «—» for no value."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def days(value: float | None, count: int) -> str:
    if value is None:
        return "Sin datos en el periodo"
    unit = "solicitud" if count == 1 else "solicitudes"
    return f"{number(value)} días (mediana de {count} {unit})"


def render_report(figures: dict) -> bytes:
    document = blank_document()
    _header_footer(document, figures)
    _title(document, figures)
    _summary(document, figures)
    _received(document, figures)
    _approval_and_publication(document, figures)
    _urgent(document, figures)
    _transparency(document, figures)
    _coverage(document, figures)
    _published(document, figures)
    _method(document, figures)
    _core_properties(document, figures)
    return save_deterministic(document)


# --- common parts ---------------------------------------------------------------------------


def _header_footer(document, figures: dict) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    logo = logo_bytes(figures.get("logo"))
    if logo:
        header.add_run().add_picture(io.BytesIO(logo), height=Cm(1.5))
        header = section.header.add_paragraph()
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    name = header.add_run(figures.get("municipality", ""))
    name.bold = True
    name.font.size = Pt(12)
    office = section.header.add_paragraph(OFFICE)
    office.alignment = WD_ALIGN_PARAGRAPH.CENTER
    office.runs[0].font.size = Pt(9)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{figures['period']['title']} · Página ")
    add_page_field(footer, "PAGE")
    footer.add_run(" de ")
    add_page_field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)


def _core_properties(document, figures: dict) -> None:
    period = figures["period"]
    moment = datetime.fromisoformat(period["start"]).replace(tzinfo=UTC).replace(tzinfo=None)
    properties = document.core_properties
    properties.title = period["title"]
    properties.author = figures.get("municipality", "")
    properties.subject = OFFICE
    properties.keywords = f"informe {period['kind']} {period['start'][:7]}"
    properties.category = "Informe mensual" if period["kind"] == "month" else "Memoria anual"
    properties.comments = f"SHA-256 de las cifras: {sha256_of(figures)}"
    properties.last_modified_by = figures.get("municipality", "")
    properties.revision = 1
    properties.version = ""
    properties.identifier = sha256_of(figures)
    properties.language = "es-PE"
    properties.content_status = "Final"
    properties.created = moment
    properties.modified = moment
    properties.last_printed = moment


def _table(
    document,
    figures: dict,
    headers: list[str],
    rows: list[list],
    *,
    numeric: tuple = (),
    total: list | None = None,
    widths=None,
):
    """A grid table with a bold heading row (and a bold total row); `numeric` columns
    are right-aligned. Its columns fit their longest words (documents.tables); figures of
    the first schema keep the fixed `widths` (in cm) they were rendered with."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for index, (cell, label) in enumerate(zip(table.rows[0].cells, headers, strict=True)):
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        run.font.size = TABLE_TEXT
        if index in numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in [*rows, *([total] if total else [])]:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(str(value))
            run.bold = values is total
            run.font.size = TABLE_TEXT
            if index in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if figures.get("schema", 1) >= 2:
        fit_columns(table, available_width(document), default_size=TABLE_TEXT)
    elif widths:
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
            for cell in column.cells:
                cell.width = Cm(width)
    document.add_paragraph()
    return table


def _note(document, text: str):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.italic = True
    run.font.size = Pt(9)
    return paragraph


def _chart(document, png: bytes, caption: str) -> None:
    document.add_picture(io.BytesIO(png), width=CHART_WIDTH)
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _note(document, caption).alignment = WD_ALIGN_PARAGRAPH.CENTER


# --- the sections -----------------------------------------------------------------------------


def _title(document, figures: dict) -> None:
    period = figures["period"]
    document.add_heading(period["title"], level=0)
    document.add_paragraph(f"Periodo: del {spanish_date(period['start'])} al {spanish_date(period['end'])}.")
    document.add_paragraph(
        f"{figures.get('municipality', '')}. Informe de la Oficina de Imagen Institucional "
        + ("al despacho de Alcaldía." if period["kind"] == "month" else "sobre el año.")
    )


def _summary(document, figures: dict) -> None:
    median = figures["median_days"]
    urgent = figures["urgent"]
    pending_review = sum(1 for row in urgent if not row["reviewed"])
    transparency = figures["transparency"]
    missed = transparency["by_status"]["late"] + transparency["by_status"]["open_overdue"]
    coverage = figures["coverage"]
    tones = " · ".join(f"{label.lower()}: {coverage['by_tone'][tone]}" for tone, label in coverage["tones"])
    document.add_heading("1. Resumen del periodo", level=1)
    facts_table(
        document,
        [
            ("Solicitudes recibidas", figures["received"]["total"]),
            ("Solicitudes aprobadas", figures["approved"]),
            ("Solicitudes publicadas", figures["published"]),
            ("Días del envío a la aprobación", days(median["to_approval"], median["to_approval_count"])),
            ("Días del envío a la publicación", days(median["to_publication"], median["to_publication_count"])),
            ("Publicaciones urgentes", f"{len(urgent)} (sin revisión posterior: {pending_review})"),
            (
                "Solicitudes de acceso a la información",
                f"{transparency['total']} (plazo incumplido o vencido: {missed})",
            ),
            ("Cobertura en medios", f"{coverage['total']} ({tones})"),
        ],
    )


def _received(document, figures: dict) -> None:
    received = figures["received"]
    kinds = [kind for kind, _label in received["kinds"]]
    document.add_heading("2. Solicitudes recibidas por unidad y tipo", level=1)
    rows = [[row["unit"], *(row["counts"][kind] for kind in kinds), row["total"]] for row in received["by_unit"]]
    total = ["Total", *(received["by_kind"][kind] for kind in kinds), received["total"]]
    _table(
        document,
        figures,
        ["Unidad orgánica", *(label for _kind, label in received["kinds"]), "Total"],
        rows,
        numeric=tuple(range(1, len(kinds) + 2)),
        total=total,
        widths=(4.4, *([2.5] * len(kinds)), 1.6),
    )
    _chart(document, requests_by_unit_chart(received), "Gráfico 1. Solicitudes recibidas por unidad y tipo.")


def _approval_and_publication(document, figures: dict) -> None:
    median = figures["median_days"]
    document.add_heading("3. Aprobación y publicación", level=1)
    _table(
        document,
        figures,
        ["Indicador", "Valor", "Solicitudes consideradas"],
        [
            ["Solicitudes aprobadas en el periodo", figures["approved"], figures["approved"]],
            ["Solicitudes publicadas en el periodo", figures["published"], figures["published"]],
            [
                "Mediana de días del envío a la aprobación",
                number(median["to_approval"]),
                median["to_approval_count"],
            ],
            [
                "Mediana de días del envío a la publicación",
                number(median["to_publication"]),
                median["to_publication_count"],
            ],
        ],
        numeric=(1, 2),
    )
    _note(
        document,
        "Días calendario (tiempo transcurrido entre 24 horas), con un decimal, tomados del registro de "
        "auditoría: desde el primer envío a revisión de cada solicitud hasta su última aprobación en el "
        "periodo (o su publicación urgente) y hasta el registro de su publicación.",
    )


def _urgent(document, figures: dict) -> None:
    urgent = figures["urgent"]
    document.add_heading("4. Publicaciones urgentes y su revisión posterior", level=1)
    if not urgent:
        document.add_paragraph("No hubo publicaciones urgentes en el periodo.")
        return
    rows = []
    for row in urgent:
        review = (
            f"Revisada por {row['reviewed_by']} el {spanish_datetime(row['reviewed_at'])}"
            if row["reviewed"]
            else "Pendiente de revisión posterior"
        )
        rows.append(
            [
                row["reference"],
                row["title"],
                f"{spanish_datetime(row['published_at'])}, por {row['published_by']}",
                row["reason"],
                review,
            ]
        )
    _table(
        document, figures, ["Referencia", "Título", "Publicada", "Motivo de la urgencia", "Revisión posterior"], rows
    )


def _transparency(document, figures: dict) -> None:
    transparency = figures["transparency"]
    document.add_heading("5. Solicitudes de acceso a la información pública", level=1)
    document.add_paragraph(
        "Pedidos recibidos en el periodo (TUO de la Ley 27806): respuesta en 10 días hábiles, o en la nueva "
        "fecha de una prórroga comunicada a tiempo."
    )
    if not transparency["total"]:
        document.add_paragraph("No se recibieron solicitudes de acceso a la información en el periodo.")
        return
    _table(
        document,
        figures,
        ["Cumplimiento del plazo", "Solicitudes"],
        [
            [label, transparency["by_status"][status]]
            for status, label in transparency["statuses"]
            if transparency["by_status"][status]
        ],
        numeric=(1,),
        total=["Total", transparency["total"]],
    )
    rows = [
        [
            entry["reference"],
            spanish_date(entry["received_on"]),
            spanish_date(entry["due_on"]) + (" (prórroga)" if entry["extended"] else ""),
            entry["state"],
            entry["status_label"]
            + (f" (respondida el {spanish_date(entry['answered_on'])})" if entry["answered_on"] else ""),
        ]
        for entry in transparency["entries"]
    ]
    _table(
        document,
        figures,
        ["Referencia", "Recibida", "Plazo", "Estado", "Cumplimiento"],
        rows,
        widths=(3.3, 2.7, 2.7, 2.5, 4.8),
    )
    if transparency["as_of"]:
        _note(document, f"Situación de las solicitudes en trámite al {spanish_date(transparency['as_of'])}.")


def _coverage(document, figures: dict) -> None:
    coverage = figures["coverage"]
    document.add_heading("6. Cobertura en medios", level=1)
    _table(
        document,
        figures,
        ["Tono", "Notas y menciones"],
        [[label, coverage["by_tone"][tone]] for tone, label in coverage["tones"]],
        numeric=(1,),
        total=["Total", coverage["total"]],
    )
    _chart(document, coverage_by_tone_chart(coverage), "Gráfico 2. Cobertura en medios por tono.")
    if coverage["by_medium"]:
        document.add_heading("Medios con más cobertura", level=2)
        _table(document, figures, ["Medio", "Notas y menciones"], coverage["by_medium"][:TOP_ROWS], numeric=(1,))
    if coverage["by_request"]:
        document.add_heading("Material con más cobertura", level=2)
        _table(
            document,
            figures,
            ["Referencia", "Título", "Notas y menciones"],
            coverage["by_request"][:TOP_ROWS],
            numeric=(2,),
        )


def _published(document, figures: dict) -> None:
    published = figures["published_list"]
    document.add_heading("7. Material publicado", level=1)
    if not published:
        document.add_paragraph("No se publicó material en el periodo.")
        return
    rows = []
    for row in published:
        marks = [mark for flag, mark in ((row["urgent"], "urgente"), (row["withdrawn"], "retirado después")) if flag]
        title = row["title"] + (f" ({', '.join(marks)})" if marks else "")
        rows.append(
            [
                row["reference"],
                title,
                row["unit"],
                row["kind_label"],
                spanish_date(row["published_on"]) if row["published_on"] else "—",
                row["channel"],
            ]
        )
    _table(
        document,
        figures,
        ["Referencia", "Título", "Unidad", "Tipo", "Fecha de publicación", "Medio"],
        rows,
        widths=(3.3, 3.7, 2.7, 2.1, 2.6, 1.6),
    )


def _method(document, figures: dict) -> None:
    document.add_heading("Nota metodológica", level=2)
    for line in (
        "Recibidas: solicitudes cuyo primer envío a revisión ocurrió en el periodo. Aprobadas y publicadas: "
        "solicitudes con una aprobación (o publicación urgente) y un registro de publicación en el periodo, "
        "contadas una vez cada una.",
        "Todas las fechas y horas salen del registro de auditoría (encadenado por hashes), no de campos que "
        "cambian cuando la solicitud vuelve a revisión.",
        "La cobertura en medios se cuenta por la fecha en que el medio la publicó.",
        f"SHA-256 de las cifras de este informe: {sha256_of(figures)}.",
    ):
        _note(document, line)
