"""Each kind's DOCX reopened with python-docx and read section by section; the file is
the same bytes every time it is rendered, and is stored once and checked when read back."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from documents.models import RenderedDocument
from documents.rendering import ZIP_DATE_TIME, render_docx
from documents.services import rendered_docx
from documents.snapshots import spanish_date
from tests.factories import create_request
from workflows import services
from workflows.models import Kind, State

from .helpers import (
    all_text,
    footer_xml,
    header_text,
    new_version,
    open_docx,
    png_bytes,
    png_upload,
    table_rows,
    version_in_state,
)

pytestmark = pytest.mark.django_db


def rendered(version):
    return open_docx(render_docx(version))


def test_spanish_dates():
    assert spanish_date("2026-11-21") == "21 de noviembre de 2026"
    assert spanish_date("2026-01-01T12:00:00+00:00") == "1 de enero de 2026"


@pytest.mark.parametrize("kind", list(Kind))
def test_common_parts_of_every_kind(users, units, kind):
    version = version_in_state(users, units, State.IN_REVIEW, kind=kind)
    document = rendered(version)
    header = header_text(document)
    assert "Municipalidad Distrital de Prueba" in header
    assert "Rentas" in header
    assert "BORRADOR" in header
    assert "APROBADO" not in header
    assert f"{version.request.reference} · v{version.number} · En revisión" in header
    footer = footer_xml(document)
    assert "PAGE" in footer and "NUMPAGES" in footer
    text = all_text(document)
    for expected in (version.request.reference, "Campaña de vacunación canina", "Rentas", f"v{version.number}"):
        assert expected in text
    assert "Aprobación" not in [paragraph.text for paragraph in document.paragraphs]
    properties = document.core_properties
    assert properties.title == "Campaña de vacunación canina"
    assert properties.author == "rentas1"
    assert properties.keywords == version.request.reference
    assert properties.revision == version.number
    assert str(kind.label) in properties.subject
    assert properties.created == properties.modified == properties.last_printed
    assert properties.created == version.created_at.replace(microsecond=0)
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0


def test_publication_is_a_press_release(users, units):
    material_request = create_request(
        users["rentas1"], units["rentas"], kind=Kind.PUBLICATION, body="Primer párrafo.\n\nSegundo párrafo."
    )
    version = new_version(users["rentas1"], material_request, "edit")
    document = rendered(version)
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == f"NOTA DE PRENSA N° {material_request.reference}"
    assert paragraphs[1].endswith(spanish_date(version.created_at))
    assert paragraphs[2] == "Campaña de vacunación canina"  # the headline
    assert paragraphs[3] == "Entradilla"  # the lead
    assert paragraphs[3:6] == ["Entradilla", "Primer párrafo.", "Segundo párrafo."]
    assert document.paragraphs[3].runs[0].bold
    assert "Contacto de prensa" in paragraphs
    contact = paragraphs[paragraphs.index("Contacto de prensa") + 1]
    assert "Rentas" in contact
    channels = paragraphs.index("Canales de difusión")
    assert paragraphs[channels + 1 : channels + 3] == ["Portal web institucional", "Facebook"]


def test_campaign_has_its_sections_and_a_budget_table_with_a_total(users, units):
    version = version_in_state(users, units, State.PENDING_APPROVAL, kind=Kind.CAMPAIGN)
    document = rendered(version)
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "CAMPAÑA: Campaña de vacunación canina"
    for heading, body in (
        ("Tipo de campaña", "De prevención"),
        ("Objetivo", "Vacunar 5 000 perros."),
        ("Público objetivo", "Vecinos con mascotas"),
        ("Canales", "Radio"),
    ):
        assert paragraphs[paragraphs.index(heading) + 1] == body
    details = version.snapshot["content"]["details"]
    fechas = paragraphs[paragraphs.index("Fechas") + 1]
    assert fechas == f"Del {spanish_date(details['start_date'])} al {spanish_date(details['end_date'])}"
    budget = table_rows(document.tables[1])
    assert budget[0] == ["Concepto", "Monto"]
    assert budget[1][1] == "S/\u00a01\u00a0500,00"  # no-break spaces: the amount never wraps
    assert budget[-1] == ["Total", "S/\u00a01\u00a0500,00"]
    identification = dict(table_rows(document.tables[0]))
    assert identification["Estado"] == "Pendiente de aprobación"
    assert identification["Referencia"] == version.request.reference


def test_speech_is_a_reading_layout(users, units):
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.SPEECH)
    services.update_request(
        users["rentas1"],
        material_request,
        fields={},
        details={"key_messages": "Gracias a los vecinos.\nObras para todos."},
        expected_revision=material_request.revision,
    )
    version = new_version(users["rentas1"], material_request, "edit")
    document = rendered(version)
    normal = document.styles["Normal"]
    assert normal.font.size.pt >= 16
    assert normal.paragraph_format.line_spacing >= 1.5
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "DISCURSO DEL ALCALDE"
    event = dict(table_rows(document.tables[0]))
    assert event["Evento"] == "Aniversario del distrito"
    assert event["Lugar"] == "Plaza principal"
    assert event["Duración"] == "10 minutos"
    assert event["Fecha y hora"].startswith(spanish_date(version.snapshot["content"]["details"]["event_at"]))
    messages = paragraphs.index("Mensajes clave")
    assert paragraphs[messages + 1 : messages + 3] == ["Gracias a los vecinos.", "Obras para todos."]
    assert paragraphs[paragraphs.index("Texto del discurso") + 1] == "Texto de la nota."


def test_signage_is_a_technical_sheet_with_photos(users, units):
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.SIGNAGE)
    services.add_attachment(users["rentas1"], material_request, png_upload("fachada.png"))
    version = new_version(users["rentas1"], material_request, "edit")
    document = rendered(version)
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "FICHA TÉCNICA DE SEÑALIZACIÓN"
    premises = dict(table_rows(document.tables[1]))
    assert premises == {
        "Local": "Palacio municipal",
        "Dirección": "Av. Principal 100",
        "Ubicación en el local": "Primer piso",
    }
    signs = table_rows(document.tables[2])
    assert signs[0] == ["Tipo", "Dimensiones", "Material", "Cantidad", "Texto"]
    assert signs[1] == ["Seguridad y evacuación", "30 × 20 cm", "PVC", "4", "SALIDA"]
    assert len(document.inline_shapes) == 1
    assert "Foto 1: fachada.png" in paragraphs


def test_signage_without_a_usable_photo_says_so(users, units):
    version = version_in_state(users, units, State.DRAFT, kind=Kind.SIGNAGE)
    document = rendered(version)
    assert len(document.inline_shapes) == 0
    assert "Sin fotografías adjuntas." in [paragraph.text for paragraph in document.paragraphs]


@pytest.mark.parametrize("kind", list(Kind))
def test_approved_version_has_the_approval_block(users, units, kind):
    version = version_in_state(users, units, State.APPROVED, kind=kind)
    document = rendered(version)
    header = header_text(document)
    assert "APROBADO" in header and "BORRADOR" not in header
    assert "PUBLICACIÓN URGENTE" not in header
    approval = dict(table_rows(document.tables[-1]))
    assert approval["Aprobado por"] == "gerente"
    assert approval["Cargo"] == "Gerente de comunicaciones"
    assert "Por encargo de" not in approval
    assert approval["Versión aprobada"] == f"v{version.number}"
    assert approval["SHA-256 del contenido aprobado"] == version.snapshot["approval"]["content_sha256"]
    assert approval["SHA-256 de esta versión"] == version.snapshot_sha256
    assert approval["Fecha y hora de aprobación"].startswith(spanish_date(version.request.approved_at))


def test_urgent_version_is_marked(users, units):
    material_request = version_in_state(users, units, State.IN_REVIEW).request
    published = services.publish_urgently(
        users["gerente"], material_request, channel="Radio", date=timezone.localdate(), comment="Alerta por lluvias."
    )
    version = new_version(users["gerente"], published, "urgent_publish")
    document = rendered(version)
    assert "APROBADO · PUBLICACIÓN URGENTE" in header_text(document)
    approval = dict(table_rows(document.tables[-1]))
    assert approval["Publicación urgente"] == "Alerta por lluvias."


@pytest.mark.parametrize("kind", list(Kind))
def test_rendering_is_byte_identical(users, units, kind):
    version = version_in_state(users, units, State.APPROVED, kind=kind)
    first = render_docx(version)
    again = render_docx(type(version).objects.get(pk=version.pk))
    assert first == again
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        names = package.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in package.infolist()} == {ZIP_DATE_TIME}
        assert package.testzip() is None


def test_rendered_file_is_stored_once_and_verified(users, units):
    version = version_in_state(users, units, State.APPROVED)
    data, sha = rendered_docx(version)
    assert sha == hashlib.sha256(data).hexdigest()
    record = RenderedDocument.objects.get(version=version)
    assert record.sha256 == sha and record.size == len(data)
    assert record.file.name == f"documents/{version.request.reference}/v{version.number}-{sha[:12]}.docx"
    with default_storage.open(record.file.name, "rb") as handle:
        assert handle.read() == data
    assert rendered_docx(version) == (data, sha)
    assert RenderedDocument.objects.filter(version=version).count() == 1
    # A damaged stored copy is noticed and the original bytes rendered again.
    default_storage.delete(record.file.name)
    default_storage.save(record.file.name, io.BytesIO(b"damaged"))
    assert rendered_docx(version) == (data, sha)


def test_a_lost_race_reads_the_winners_file(users, units, monkeypatch):
    """Two first downloads: the second finds the record the first wrote."""
    from documents import services as document_services

    version = version_in_state(users, units, State.APPROVED)
    data, sha = rendered_docx(version)
    real_filter = RenderedDocument.objects.filter
    calls = {"n": 0}

    def racing_filter(*args, **kwargs):
        calls["n"] += 1
        return real_filter(pk=-1) if calls["n"] == 1 else real_filter(*args, **kwargs)

    monkeypatch.setattr(document_services.RenderedDocument.objects, "filter", racing_filter)
    assert rendered_docx(version) == (data, sha)
    assert RenderedDocument.objects.count() == 1


def test_a_ten_page_document_renders(users, units):
    paragraph = (
        "La Municipalidad informa a los vecinos que la campaña continuará durante todo el mes, "
        "con puntos de atención en cada sector del distrito y personal capacitado para orientar. "
    ) * 4
    body = "\n\n".join(f"{number}. {paragraph}" for number in range(1, 81))
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.PUBLICATION, body=body)
    version = new_version(users["rentas1"], material_request, "edit")
    data = render_docx(version)
    document = open_docx(data)
    body_paragraphs = [p.text for p in document.paragraphs if p.text.startswith(("1. ", "80. "))]
    assert body_paragraphs[0].startswith("1. ") and body_paragraphs[-1].startswith("80. ")
    assert len(body) > 30_000  # well over ten A4 pages at 11 pt
    assert render_docx(version) == data


def test_uploaded_logo_goes_in_the_header(users, units):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from organization.services import remove_logo, set_logo

    municipality = units["rentas"].municipality
    image = png_bytes(8, 8, (20, 60, 160))
    set_logo(users["admin"], municipality, SimpleUploadedFile("escudo.png", image, content_type="image/png"))
    version = version_in_state(users, units, State.DRAFT)
    assert version.snapshot["logo"]["sha256"] == hashlib.sha256(image).hexdigest()
    data = render_docx(version)
    header = open_docx(data).sections[0].header
    assert len(header._element.xpath(".//pic:pic")) == 1
    assert render_docx(version) == data
    # Without a logo the header is text only; the version that froze one keeps it.
    remove_logo(users["admin"], municipality)
    plain = version_in_state(users, units, State.DRAFT)
    assert "logo" not in plain.snapshot
    assert not open_docx(render_docx(plain)).sections[0].header._element.xpath(".//pic:pic")
    assert render_docx(version) == data
