"""The report's DOCX: its content read back with python-docx, its charts, and determinism
(the same data gives the same bytes; changed data, a new version with another hash)."""

import io
import json
import zipfile
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from documents.rendering import PNG_MAGIC
from reports import charts
from reports.figures import compute
from reports.periods import Period
from reports.rendering import render_report
from reports.services import generate_report
from tests.docx_widths import narrow_columns, total_widths
from tests.factories import advance, create_request
from workflows import services
from workflows.models import Kind

pytestmark = pytest.mark.django_db

MARCH = Period.month(2026, 3)
TODAY = date(2026, 4, 20)


@pytest.fixture
def march(clock, users, units):
    """Three requests sent and moved in March 2026: a published press release (Rentas), an
    approved campaign and a speech still in review (Desarrollo Social)."""
    clock.at(2026, 3, 2, 9)
    press = advance(
        create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION, title="Nota"), "publicado", users
    )
    clock.at(2026, 3, 3, 9)
    campaign = advance(create_request(users["social1"], units["social"], Kind.CAMPAIGN), "aprobado", users)
    clock.at(2026, 3, 4, 9)
    speech = advance(create_request(users["social1"], units["social"], Kind.SPEECH), "en_revision", users)
    clock.at(2026, 4, 20, 9)
    return {"press": press, "campaign": campaign, "speech": speech}


def text_of(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def table_after(document, heading: str):
    """The first table after the paragraph that reads `heading`."""
    seen, tables = False, -1
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}tbl"):
            tables += 1
            if seen:
                return document.tables[tables]
        elif child.tag.endswith("}p") and "".join(t.text or "" for t in child.iter(qn("w:t"))) == heading:
            seen = True
    raise AssertionError(f"no table after {heading!r}")


def rows_of(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_document_reads_its_figures_back(march):
    figures = compute(MARCH, today=TODAY)
    document = Document(io.BytesIO(render_report(figures)))
    text = text_of(document)

    assert document.paragraphs[0].text == "Informe mensual de la Oficina de Imagen Institucional — marzo de 2026"
    assert "Periodo: del 1 de marzo de 2026 al 31 de marzo de 2026." in text
    header = "\n".join(paragraph.text for paragraph in document.sections[0].header.paragraphs)
    assert "Municipalidad Distrital de Prueba" in header

    summary = dict(rows_of(table_after(document, "1. Resumen del periodo")))
    assert summary["Solicitudes recibidas"] == "3"
    assert summary["Solicitudes aprobadas"] == "2"
    assert summary["Solicitudes publicadas"] == "1"
    assert summary["Días del envío a la aprobación"] == "0,0 días (mediana de 2 solicitudes)"

    received = rows_of(table_after(document, "2. Solicitudes recibidas por unidad y tipo"))
    assert received[0] == [
        "Unidad orgánica",
        "Publicación",
        "Campaña",
        "Discurso del Alcalde",
        "Señalización de locales",
        "Total",
    ]
    assert received[1:] == [
        ["Desarrollo Social", "0", "1", "1", "0", "2"],
        ["Obras", "0", "0", "0", "0", "0"],
        ["Rentas", "1", "0", "0", "0", "1"],
        ["Total", "1", "1", "1", "0", "3"],
    ]
    published = rows_of(table_after(document, "7. Material publicado"))
    assert published[1] == [
        march["press"].reference,
        "Nota",
        "Rentas",
        "Publicación",
        "2 de marzo de 2026",
        "Portal web",
    ]
    assert "No hubo publicaciones urgentes en el periodo." in text
    assert "No se recibieron solicitudes de acceso a la información en el periodo." in text
    assert "desde el primer envío a revisión" in text  # how the days are counted
    assert document.core_properties.title == figures["period"]["title"]
    assert document.core_properties.created.date() == date(2026, 3, 1)
    assert document.core_properties.language == "es-PE"


def test_the_memoria_anual(march):
    document = Document(io.BytesIO(render_report(compute(Period.year(2026), today=TODAY))))
    assert document.paragraphs[0].text == "Memoria anual 2026"
    assert "Periodo: del 1 de enero de 2026 al 31 de diciembre de 2026." in text_of(document)


def test_the_charts_are_pngs_inside_the_document(march):
    data = render_report(compute(MARCH, today=TODAY))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        images = sorted(name for name in package.namelist() if name.startswith("word/media/"))
        assert len(images) == 2
        for name in images:
            png = package.read(name)
            assert name.endswith(".png") and png.startswith(PNG_MAGIC)
            assert b"matplotlib" not in png.lower()  # no software name nor timestamp in the metadata
            assert Image.open(io.BytesIO(png)).size == (756, 408)
    assert len(Document(io.BytesIO(data)).inline_shapes) == 2


def test_empty_charts_still_render():
    figures = {
        "total": 0,
        "kinds": [["publication", "Publicación"]],
        "by_kind": {"publication": 0},
        "by_unit": [],
    }
    assert charts.requests_by_unit_chart(figures).startswith(PNG_MAGIC)
    tones = {"total": 0, "by_tone": {"positive": 0}, "tones": [["positive", "Positivo"]]}
    assert charts.coverage_by_tone_chart(tones).startswith(PNG_MAGIC)


def test_the_same_figures_give_the_same_bytes_also_read_back_from_their_json(march):
    figures = compute(MARCH, today=TODAY)
    first = render_report(figures)
    assert render_report(figures) == first
    # What a download re-renders from: the frozen canonical JSON.
    assert render_report(json.loads(json.dumps(figures, sort_keys=True))) == first
    assert compute(MARCH, today=TODAY) == figures


def test_a_new_version_has_the_same_hash_until_the_data_changes(clock, users, units, march):
    first = generate_report(users["gerente"], MARCH, today=TODAY)
    again = generate_report(users["gerente"], MARCH, today=TODAY)
    assert (first.version, again.version) == (1, 2)
    assert again.sha256 == first.sha256
    assert again.figures_json == first.figures_json

    # The campaign is published (in March): new figures, a new file.
    clock.at(2026, 3, 25, 12)
    services.publish_request(users["publicador"], march["campaign"], channel="Radio", date=date(2026, 3, 25))
    clock.at(2026, 4, 20, 9)
    changed = generate_report(users["gerente"], MARCH, today=TODAY)
    assert changed.version == 3
    assert changed.sha256 != first.sha256
    assert changed.figures["published"] == 2
    assert first.figures["published"] == 1  # the earlier versions keep what they said


def test_the_day_of_generation_does_not_change_a_closed_period(users, march):
    assert generate_report(users["gerente"], MARCH, today=TODAY).sha256 == (
        generate_report(users["gerente"], MARCH, today=date(2026, 10, 1)).sha256
    )


@pytest.mark.parametrize("period", [MARCH, Period.year(2026)], ids=["month", "year"])
def test_no_table_of_the_report_breaks_a_word(march, period):
    figures = compute(period, today=TODAY)
    assert figures["schema"] == 2
    document = Document(io.BytesIO(render_report(figures)))
    assert len(document.tables) >= 5
    assert narrow_columns(document) == []
    assert all(width <= 16.0 + 0.01 for width in total_widths(document))


def test_figures_of_the_first_schema_keep_their_fixed_widths(march):
    figures = {**compute(MARCH, today=TODAY), "schema": 1}
    document = Document(io.BytesIO(render_report(figures)))
    published = table_after(document, "7. Material publicado")
    assert [round(column.width.cm, 1) for column in published.columns] == [3.3, 3.7, 2.7, 2.1, 2.6, 1.6]
    assert render_report(figures) != render_report({**figures, "schema": 2})
