"""DOCX tables whose columns never break a word, read back from the file; and documents of
the first edition (schema 1) still rendered byte for byte as they were."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from docx import Document
from docx.shared import Cm, Pt

from documents.rendering import Frozen, render_docx, render_frozen
from documents.tables import fit_columns
from tests.docx_widths import narrow_columns, total_widths
from workflows import services
from workflows.models import Kind, State

from .helpers import new_version, open_docx, table_rows, version_in_state

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("state", [State.IN_REVIEW, State.APPROVED])
def test_no_table_of_any_kind_breaks_a_word(users, units, kind, state):
    document = open_docx(render_docx(version_in_state(users, units, state, kind=kind)))
    assert document.tables
    assert narrow_columns(document) == []
    assert all(width <= 16.0 + 0.01 for width in total_widths(document))


def test_a_large_budget_and_long_words_still_fit(users, units):
    material_request = version_in_state(users, units, State.DRAFT, kind=Kind.CAMPAIGN).request
    services.update_request(
        users["rentas1"],
        material_request,
        fields={"title": "Campaña «Paga y gana» de regularización extraordinaria de arbitrios municipales"},
        details={"budget": Decimal("1234567890.12")},
        expected_revision=material_request.revision,
    )
    document = open_docx(render_docx(new_version(users["rentas1"], material_request, "edit")))
    budget = table_rows(document.tables[1])
    assert budget[1][1] == f"S/{NBSP}1{NBSP}234{NBSP}567{NBSP}890,12"
    assert budget[-1] == ["Total", budget[1][1]]
    assert narrow_columns(document) == []


def test_the_budget_is_written_in_the_country_the_version_was_frozen_in(users, units, settings):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "HN"
    version = version_in_state(users, units, State.DRAFT, kind=Kind.CAMPAIGN)
    assert version.snapshot["country"] == "HN" and version.snapshot["schema"] == 2
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "PE"  # a later change of the setting changes nothing
    budget = table_rows(open_docx(render_docx(version)).tables[1])
    assert budget[1][1] == f"L{NBSP}1,500.00"


def test_words_too_wide_for_the_page_make_the_text_smaller():
    document = Document()
    table = document.add_table(rows=1, cols=3)
    hexes = ["a1b2c3d4" * 8, "e5f6a7b8" * 8, "0123456789abcdef" * 4]
    for cell, text in zip(table.rows[0].cells, hexes, strict=True):
        cell.paragraphs[0].add_run(text).font.size = Pt(10)
    widths = fit_columns(table, Cm(16), default_size=Pt(10))
    assert sum(widths) <= Cm(16)
    sizes = {run.font.size for cell in table.rows[0].cells for run in cell.paragraphs[0].runs}
    assert sizes == {Pt(7)}  # made smaller, down to the floor
    assert not table.autofit


def test_spare_width_goes_to_the_column_with_the_most_text():
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["N°", "Fecha", "Motivo"], strict=True):
        cell.text = text
    long_reason = "La unidad pidió corregir el texto de la nota antes de publicarla en el portal " * 3
    for cell, text in zip(table.rows[1].cells, ["12", "05/01/2027", long_reason], strict=True):
        cell.text = text
    widths = fit_columns(table, Cm(16), default_size=Pt(10))
    assert widths[2] > widths[1] > widths[0]
    assert sum(widths) == pytest.approx(Cm(16), abs=Cm(0.01))
    assert narrow_columns(document) == []


# Documents rendered before schema 2 (no "country" in the snapshot): the SHA-256 of their
# DOCX as the first edition rendered them (main before issue 16), which a lost stored copy
# must be rebuilt to.
FIRST_EDITION = {
    ("campaign", "borrador"): "5d5c36a7d81f5ee381b0675eb480ef65c6e99bd40fba980ac3db091e4a2cf71a",
    ("campaign", "aprobado"): "d384b433a1502a8ff879a8afbfbb92a9ea7edcc20237d14c85db489749341567",
    ("signage", "publicado"): "88049f70f83b008a8b06f73d6764ba5ea24d27d3d8a61e3860d43cc1a31bd1a3",
    ("speech", "publicado"): "0f0e6ddadb388583f329c6e20045e46f736b8a3bfb0322bfc4b8600255ae3def",
    ("publication", "aprobado"): "1749ec47e36a6392836897233f0fd70ec24c15ff0a4af15d5a6c9451791322ed",
}
DETAILS = {
    "campaign": {
        "campaign_type": "tributaria",
        "campaign_type_label": "Tributaria",
        "objective": "Que paguen",
        "audience": "Vecinos",
        "channels": ["web"],
        "channels_labels": ["Web"],
        "start_date": "2026-11-24",
        "end_date": "2027-01-05",
        "budget": "12500.00",
    },
    "signage": {
        "premises": "Local",
        "address": "Av. 1",
        "location_detail": "",
        "sign_type": "informativa",
        "sign_type_label": "Informativa",
        "dimensions": "60 x 40 cm",
        "material": "Acrílico",
        "quantity": 3,
        "sign_text": "Salida",
    },
    "speech": {
        "event_name": "Aniversario",
        "place": "Plaza",
        "event_at": "2026-12-01T10:00:00-05:00",
        "speaker": "Alcalde",
        "duration_minutes": 10,
        "key_messages": "Uno\nDos",
    },
    "publication": {
        "format": "nota_prensa",
        "format_label": "Nota de prensa",
        "channels": ["web"],
        "channels_labels": ["Web"],
        "lead": "Entradilla",
        "contact": "",
    },
}


@pytest.mark.parametrize(("kind", "state"), list(FIRST_EDITION))
def test_first_edition_documents_render_byte_for_byte_as_before(kind, state):
    snapshot = {
        "schema": 1,
        "municipality": "Municipalidad X",
        "content": {
            "reference": "COM-2026-00001",
            "kind": kind,
            "kind_label": "K",
            "title": "Campaña «Paga y gana»",
            "unit": "Rentas",
            "author": "Ana",
            "requested_by": "2026-12-01",
            "summary": "Resumen",
            "body": "Cuerpo\nDos",
            "emergency": False,
            "details": DETAILS[kind],
            "attachments": [],
        },
    }
    if state != "borrador":
        snapshot["approval"] = {
            "approved_by": "Gerente",
            "role": "Gerente de comunicaciones",
            "on_behalf_of": "",
            "approved_at": "2026-11-20T15:00:00+00:00",
            "version": 2,
            "content_sha256": "a" * 64,
            "urgent": False,
        }
    frozen = Frozen(snapshot, 2, state, datetime(2026, 11, 20, 15, tzinfo=UTC), "b" * 64)
    assert hashlib.sha256(render_frozen(frozen)).hexdigest() == FIRST_EDITION[(kind, state)]
