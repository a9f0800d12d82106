"""Issue 13, points 1 and 2: a .docx import cannot exhaust the server, and no imported
document reaches out. The corpus is built here (tests/documents/hostile.py), each limit
tried just under (accepted) and just over (refused)."""

import gc
import io
import tracemalloc

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.importing import extract_docx, import_docx_into_draft, inspect_docx
from tests.documents import hostile
from tests.documents.helpers import snapshot
from tests.factories import create_request
from workflows import inspection
from workflows.exceptions import InvalidInput
from workflows.inspection import IMPORT_LIMITS
from workflows.models import BODY_MAX

MB = 1024 * 1024
LIMITS = IMPORT_LIMITS
MEMORY_BUDGET = 50 * MB


@pytest.fixture(scope="module")
def base():
    return hostile.plain_docx()


def upload(data: bytes, name="comunicado.docx"):
    return SimpleUploadedFile(name, data)


def traced(function):
    """Run `function`; return (its result or the exception it raised, peak, growth) in bytes."""
    tracemalloc.start()
    try:
        before, _peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        try:
            outcome = function()
        except InvalidInput as refused:
            outcome = refused
        _current, peak = tracemalloc.get_traced_memory()
        gc.collect()  # what only waits for the cycle collector is not held
        after, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak - before, after - before


# --- point 2: nothing that reaches out ---------------------------------------------------------


def external(rel_type, target):
    return lambda base: hostile.add_relationship(base, "rId90", rel_type, target, external=True)


def in_body(xml):
    return lambda base: hostile.with_body(base, hostile.paragraph("Aviso.") + xml)


def settings_with(xml):
    def build(base):
        settings_xml = hostile.text_of(base, "word/settings.xml")
        head, rest = settings_xml.split(">", 2)[0:2], settings_xml.split(">", 2)[2]
        return hostile.rezip(base, replace={"word/settings.xml": ">".join(head) + ">" + xml + rest})

    return build


def re_encoded(codec, declaration, bom=b""):
    def build(base):
        xml = hostile.text_of(base, "word/document.xml")
        xml = xml.replace("encoding='UTF-8'", f"encoding='{declaration}'").replace(
            'encoding="UTF-8"', f'encoding="{declaration}"'
        )
        return hostile.rezip(base, replace={"word/document.xml": bom + xml.encode(codec)})

    return build


def doctype_in(part, *, after_comment=0):
    def build(base):
        xml = hostile.text_of(base, part)
        declaration, rest = xml.split("?>", 1)
        padding = f"<!--{' ' * after_comment}-->" if after_comment else ""
        hostile_xml = f'{declaration}?>{padding}<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>{rest}'
        return hostile.rezip(base, replace={part: hostile_xml})

    return build


NESTED_QUOTE = (
    '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> QUOTE "x" </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>INCLUDEPICTURE</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    '<w:r><w:instrText> "http://198.51.100.7/p.png" \\d </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
)

# id -> (builder(base) -> bytes, what the Spanish message must name)
REACHING_OUT = {
    "external-image": (external("image", "http://198.51.100.7/pixel.png"), "un vínculo externo («http://198.51"),
    "hyperlink-to-file": (external("hyperlink", "file:///etc/passwd"), "un vínculo externo («file:///etc/passwd»)"),
    "hyperlink-to-unc": (external("hyperlink", "\\\\servidor\\compartido\\a.docx"), "vínculo externo («\\\\servidor"),
    "hyperlink-to-mhtml": (external("hyperlink", "mhtml:http://x.example/a.mht!b"), "vínculo externo («mhtml:"),
    "hyperlink-without-scheme": (external("hyperlink", "otro.docx"), "vínculo externo («otro.docx»)"),
    "template-relationship": (
        lambda base: hostile.add_relationship(
            base,
            "rId1",
            "attachedTemplate",
            "file:///C:/plantillas/oficio.dotm",
            external=True,
            part="word/_rels/settings.xml.rels",
        ),
        "attachedTemplate",
    ),
    "template-element": (settings_with('<w:attachedTemplate r:id="rId1"/>'), "attachedTemplate"),
    "mail-merge": (settings_with("<w:mailMerge/>"), "combinación de correspondencia"),
    "altchunk-element": (in_body('<w:altChunk r:id="rId91"/>'), "altChunk"),
    "altchunk-relationship": (
        lambda base: hostile.add_relationship(base, "rId91", "aFChunk", "afchunk.mht", external=False),
        "altChunk",
    ),
    "embeddings-folder": (
        lambda base: hostile.rezip(base, add={"word/embeddings/oleObject1.bin": b"\xd0\xcf"}),
        "péguelo como imagen",
    ),
    "activex-folder": (lambda base: hostile.rezip(base, add={"word/activeX/activeX1.xml": b"<x/>"}), "OLE"),
    "ole-relationship": (
        lambda base: hostile.add_relationship(base, "rId92", "oleObject", "embeddings/o.bin", external=False),
        "objetos OLE incrustados",
    ),
    "object-element": (in_body("<w:p><w:r><w:object/></w:r></w:p>"), "w:object"),
    "subdoc": (in_body('<w:p><w:subDoc r:id="rId93"/></w:p>'), "subDoc"),
    "includepicture": (
        in_body(hostile.complex_field(' INCLUDEPICTURE "http://198.51.100.7/p.png" \\d ')),
        "INCLUDEPICTURE",
    ),
    "includepicture-split": (
        in_body(hostile.complex_field(" INCLUDE", 'PICTURE "http://x.example/p.png"')),
        "INCLUDEPICTURE",
    ),
    "includetext-simple": (
        in_body('<w:fldSimple w:instr=" INCLUDETEXT &quot;C:\\\\a.docx&quot; "><w:r><w:t>x</w:t></w:r></w:fldSimple>'),
        "INCLUDETEXT",
    ),
    "dde": (in_body(hostile.complex_field('DDE "excel" "hoja1" "R1C1"')), "un campo DDE"),
    "ddeauto-lowercase-simple": (
        in_body('<w:fldSimple w:instr="ddeauto c:\\\\windows\\\\cmd.exe &quot;/k calc&quot;"/>'),
        "un campo DDEAUTO",
    ),
    "field-name-from-nested-field": (in_body(NESTED_QUOTE), "INCLUDEPICTURE"),
    "encoding-latin1": (re_encoded("latin-1", "ISO-8859-1"), "no está codificada en UTF-8 ni UTF-16"),
    "encoding-utf32": (re_encoded("utf-32-le", "UTF-32", b"\xff\xfe\x00\x00"), "(«UTF-32»)"),
    "encoding-ebcdic": (re_encoded("cp500", "IBM500"), "(«EBCDIC»)"),
    "encoding-mismatch": (re_encoded("utf-16-le", "UTF-8", b"\xff\xfe"), "no coincide con su codificación («utf-8»)"),
    "dtd-in-styles": (doctype_in("word/styles.xml"), "DOCTYPE o ENTITY (parte «word/styles.xml»)"),
    "dtd-after-the-head": (doctype_in("word/document.xml", after_comment=5000), "DOCTYPE o ENTITY"),
    "macro-vbadata": (lambda base: hostile.rezip(base, add={"word/vbaData.xml": b"<x/>"}), "contiene macros"),
}


@pytest.mark.parametrize("case", list(REACHING_OUT))
def test_a_document_that_reaches_out_is_refused_and_nothing_is_stored(case, base, users, units):
    build, message = REACHING_OUT[case]
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    with pytest.raises(InvalidInput) as refused:
        import_docx_into_draft(users["rentas1"], material_request, upload(build(base)))
    assert message in refused.value.message
    assert snapshot(material_request) == before


@pytest.mark.parametrize("case", ["external-image", "template-relationship", "includepicture-split", "encoding-latin1"])
def test_the_page_answers_400_naming_what_is_wrong(case, base, client_for, users, units):
    build, message = REACHING_OUT[case]
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    client = client_for("rentas1")
    url = reverse("workflows:import_docx", args=[material_request.pk])
    response = client.post(url, {"file": upload(build(base)), "revision": material_request.revision})
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert snapshot(material_request) == before
    assert client.get(reverse("workflows:request_detail", args=[material_request.pk])).status_code == 200


def test_a_dtd_split_across_read_chunks_after_the_head_is_found(base, monkeypatch):
    monkeypatch.setattr(inspection, "READ_CHUNK", 7)
    with pytest.raises(InvalidInput, match="DOCTYPE o ENTITY"):
        inspect_docx(upload(doctype_in("word/document.xml", after_comment=3000)(base)))


def hyperlink(rel_id, text):
    return f'<w:p><w:hyperlink r:id="{rel_id}"><w:r><w:t>{text}</w:t></w:r></w:hyperlink></w:p>'


def test_web_and_mail_links_stay_as_text(base):
    data = hostile.add_relationship(base, "rId80", "hyperlink", "https://www.muni.gob.pe/feria", external=True)
    data = hostile.add_relationship(data, "rId81", "hyperlink", "mailto:prensa@muni.gob.pe", external=True)
    body = hostile.paragraph("Más información:") + hyperlink("rId80", "portal municipal") + hyperlink("rId81", "prensa")
    body += hostile.complex_field(" PAGE ", result="1")
    imported = extract_docx(upload(hostile.with_body(data, body)))
    assert imported.body_text == "Más información:\n\nportal municipal\n\nprensa\n\n1"


@pytest.mark.parametrize(
    ("codec", "bom", "declaration"),
    [("utf-8", b"\xef\xbb\xbf", "UTF-8"), ("utf-16-le", b"\xff\xfe", "UTF-16"), ("utf-16-be", b"\xfe\xff", "UTF-16")],
)
def test_utf8_and_utf16_parts_are_read(base, codec, bom, declaration):
    imported = extract_docx(upload(re_encoded(codec, declaration, bom)(base)))
    assert imported.body_text == "# Aviso municipal\n\nLa feria se realiza el sábado en la Plaza de Armas."


# --- point 1: limits, just under and just over ----------------------------------------------------


def test_the_limits_are_derived_from_the_body_limit():
    assert LIMITS.max_xml_part == 64 * BODY_MAX
    assert LIMITS.max_paragraphs == BODY_MAX // 2
    assert LIMITS.max_elements == 4 * BODY_MAX
    assert LIMITS.max_text_chars == 2 * BODY_MAX


def test_a_part_right_at_the_size_limit_is_imported_one_byte_more_is_refused(base):
    at_limit = hostile.sized_document(base, hostile.paragraph("Aviso."), LIMITS.max_xml_part)
    assert extract_docx(upload(at_limit)).body_text == "Aviso."
    over = hostile.sized_document(base, hostile.paragraph("Aviso."), LIMITS.max_xml_part + 1)
    with pytest.raises(InvalidInput, match=r"«word/document\.xml» del documento ocupa demasiado.*por parte es 3\.7 MB"):
        inspect_docx(upload(over))


def test_xml_behind_another_name_is_measured_as_it_streams(base):
    filler = hostile.incompressible(LIMITS.max_xml_part).encode()
    disguised = b"<?xml version='1.0' encoding='UTF-8'?><x>" + filler + b"</x>"
    with pytest.raises(InvalidInput, match=r"«word/media/relleno\.bin» del documento ocupa demasiado"):
        inspect_docx(upload(hostile.rezip(base, add={"word/media/relleno.bin": disguised})))


def test_paragraphs_right_at_the_limit_are_imported_one_more_is_refused(base):
    at_limit = hostile.empty_paragraphs_document(base, LIMITS.max_paragraphs)
    assert extract_docx(upload(at_limit)).body_text == "Aviso."
    over = hostile.empty_paragraphs_document(base, LIMITS.max_paragraphs + 1)
    with pytest.raises(InvalidInput, match=r"más de 30\.000 párrafos"):
        inspect_docx(upload(over))


@pytest.fixture(scope="module")
def element_offset(base):
    """Elements the inspection counts besides the body's: relationships, styles, settings…"""
    return inspect_docx(upload(hostile.element_count_document(base, 10))).elements - 10


def test_elements_right_at_the_limit_are_imported_one_more_is_refused(base, element_offset):
    at_limit = hostile.element_count_document(base, LIMITS.max_elements - element_offset)
    assert inspect_docx(upload(at_limit)).elements == LIMITS.max_elements
    assert extract_docx(upload(at_limit)).body_text == "Aviso."
    over = hostile.element_count_document(base, LIMITS.max_elements - element_offset + 1)
    with pytest.raises(InvalidInput, match=r"más de 240\.000 elementos XML"):
        inspect_docx(upload(over))


def test_text_right_at_the_limit_passes_inspection_one_character_more_is_refused(base):
    chunk = "a" * 10_000
    at_limit = hostile.with_body(base, hostile.paragraph(chunk) * (LIMITS.max_text_chars // len(chunk)))
    assert inspect_docx(upload(at_limit)).text_chars == LIMITS.max_text_chars
    with pytest.raises(InvalidInput, match="demasiado largo"):  # and the body limit still applies
        extract_docx(upload(at_limit))
    over = hostile.with_body(
        base, hostile.paragraph(chunk) * (LIMITS.max_text_chars // len(chunk)) + hostile.paragraph("b")
    )
    with pytest.raises(InvalidInput, match=r"más de 120\.000 caracteres de texto"):
        inspect_docx(upload(over))


@pytest.fixture(scope="module")
def issue_example(base):
    return hostile.issue_example(base, megabytes=30)


def test_the_issues_document_is_refused_before_reading_it(issue_example):
    assert len(issue_example) < 1 * MB
    outcome, peak, _growth = traced(lambda: inspect_docx(upload(issue_example)))
    assert isinstance(outcome, InvalidInput)
    assert "«word/document.xml» del documento ocupa demasiado" in outcome.message
    assert peak < 5 * MB, f"peak {peak / MB:.1f} MB"


def test_the_issues_document_with_lying_headers_stops_at_the_first_limit(issue_example):
    liar = hostile.lie_about_size(issue_example, "word/document.xml", 1 * MB)
    outcome, peak, _growth = traced(lambda: inspect_docx(upload(liar)))
    assert isinstance(outcome, InvalidInput)
    assert "más de 30.000 párrafos" in outcome.message
    assert peak < 5 * MB, f"peak {peak / MB:.1f} MB"


@pytest.mark.parametrize("shape", ["elements", "paragraphs", "size"])
def test_the_largest_accepted_import_stays_within_the_memory_budget(shape, base, element_offset):
    data = {
        "elements": lambda: hostile.element_count_document(base, LIMITS.max_elements - element_offset),
        "paragraphs": lambda: hostile.empty_paragraphs_document(base, LIMITS.max_paragraphs),
        "size": lambda: hostile.sized_document(base, hostile.paragraph("Aviso."), LIMITS.max_xml_part),
    }[shape]()
    outcome, peak, growth = traced(lambda: extract_docx(upload(data)).body_text)
    assert outcome == "Aviso."
    assert peak < MEMORY_BUDGET, f"peak {peak / MB:.1f} MB"
    assert growth < 1 * MB, f"{growth / MB:.1f} MB still held afterwards"


def test_a_refused_import_through_the_page_leaves_memory_and_the_server_as_they_were(
    issue_example, base, element_offset, client_for, users, units
):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = snapshot(material_request)
    client = client_for("rentas1")
    url = reverse("workflows:import_docx", args=[material_request.pk])
    over = hostile.element_count_document(base, LIMITS.max_elements - element_offset + 1)
    # Warm the page up (templates, translations, regexes are cached once per process), refused and not.
    client.post(url, {"file": upload(base)})
    client.post(url, {"file": upload(REACHING_OUT["external-image"][0](base))})
    client.post(url, {"file": upload(hostile.empty_paragraphs_document(base, LIMITS.max_paragraphs + 1))})
    material_request.refresh_from_db()
    before = snapshot(material_request)
    for data in (issue_example, over):
        response, peak, growth = traced(lambda data=data: client.post(url, {"file": upload(data)}))
        assert response.status_code == 400
        assert peak < MEMORY_BUDGET
        assert growth < 1 * MB, f"{growth / MB:.1f} MB still held afterwards"
    assert snapshot(material_request) == before
    assert client.get(reverse("workflows:request_detail", args=[material_request.pk])).status_code == 200


# --- the text is the one python-docx gave ----------------------------------------------------------


def python_docx_blocks(data: bytes) -> str:
    """The extraction as it was with python-docx (the reference for the streaming one)."""
    import re

    from docx.table import Table

    heading_style = re.compile(r"^(?:heading|título|titulo)\s+(\d)$", re.IGNORECASE)

    def clean(text):
        return " ".join(text.split())

    def style_name(paragraph):
        return (paragraph.style.name or "").strip() if paragraph.style is not None else ""

    document = docx.Document(io.BytesIO(data))
    blocks, items = [], []

    def flush():
        if items:
            blocks.append("\n".join(items))
            items.clear()

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            flush()
            lines = []
            for row in item.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(clean(cell.text))
                if any(cells):
                    lines.append(" | ".join(cells))
            if lines:
                blocks.append("\n".join(lines))
            continue
        text = clean(item.text)
        if not text:
            continue
        style = style_name(item)
        heading = heading_style.match(style)
        p_pr = item._p.pPr
        if heading:
            flush()
            blocks.append(f"{'#' * min(int(heading.group(1)), 6)} {text}")
        elif style.lower() in {"title", "título", "titulo"}:
            flush()
            blocks.append(f"# {text}")
        elif style.lower().startswith(("list", "lista")) or (p_pr is not None and p_pr.numPr is not None):
            items.append(f"- {text}")
        else:
            flush()
            blocks.append(text)
    flush()
    return "\n\n".join(blocks)


def rich_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Informe de la feria", level=0)
    document.add_heading("Resumen", level=1)
    paragraph = document.add_paragraph("Texto con ")
    paragraph.add_run("negrita").bold = True
    run = paragraph.add_run("\tuna tabulación")
    run.add_break()
    paragraph.add_run("y un salto")
    document.add_paragraph("Primero", style="List Bullet")
    document.add_paragraph("Segundo", style="List Number")
    document.add_heading("Detalle", level=3)
    table = document.add_table(rows=4, cols=3)
    for row_index, row in enumerate(table.rows):
        for column, cell in enumerate(row.cells):
            cell.text = f"c{row_index}{column}"
    table.cell(0, 0).merge(table.cell(0, 1))  # a horizontal span
    table.cell(1, 2).merge(table.cell(3, 2))  # a vertical span
    table.cell(2, 0).add_table(rows=1, cols=1).cell(0, 0).text = "anidada"
    for row in table.rows[3:]:
        for cell in row.cells[:2]:
            cell.text = ""
    document.add_paragraph("")
    document.add_paragraph("   ")
    document.add_paragraph("Cierre.")
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    # A paragraph numbered directly (numPr), a hyperlink's runs, a style id that does not exist.
    extra = (
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        "<w:r><w:t>Numerado</w:t></w:r></w:p>"
        '<w:p><w:r><w:t xml:space="preserve">Vea </w:t></w:r><w:hyperlink w:anchor="x"><w:r><w:t>el anexo</w:t></w:r>'
        "</w:hyperlink><w:r><w:noBreakHyphen/><w:t>1</w:t></w:r></w:p>"
        '<w:p><w:pPr><w:pStyle w:val="NoExiste"/></w:pPr><w:r><w:t>Estilo perdido</w:t></w:r></w:p>'
    )
    xml = hostile.text_of(data, "word/document.xml").replace("<w:sectPr", extra + "<w:sectPr", 1)
    return hostile.rezip(data, replace={"word/document.xml": xml})


def test_the_streaming_extraction_gives_python_docx_text():
    data = rich_docx()
    expected = python_docx_blocks(data)
    assert "# Informe de la feria" in expected and "c10 | c11 | c12" in expected  # the reference is meaningful
    assert extract_docx(upload(data)).body_text == expected
