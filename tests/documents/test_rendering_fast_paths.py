"""The renderer's shortcuts around python-docx's slow setters write the same XML as the
setters themselves, so a document renders to the same bytes either way."""

import io

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from lxml import etree

from documents import rendering


def xml(element) -> bytes:
    return etree.tostring(element)


@pytest.mark.parametrize("text", ["Texto simple", "  con espacios  ", "con\ttab", "línea\rretorno", ""])
def test_a_run_written_directly_equals_python_docx_add_run(text):
    ours, theirs = Document().add_paragraph(), Document().add_paragraph()
    rendering._add_run(ours, text)
    theirs.add_run(text)
    assert xml(ours._p) == xml(theirs._p)


@pytest.mark.parametrize(("bold", "italic", "size"), [(False, False, None), (True, True, None), (True, False, 20)])
def test_free_text_paragraphs_equal_python_docx_setters(bold, italic, size):
    text = "Primera línea\n\n  Segunda\tlínea  \n"
    ours = rendering.blank_document()
    rendering._text(ours, text, bold=bold, italic=italic, size=size, align=WD_ALIGN_PARAGRAPH.CENTER)
    theirs = rendering.blank_document()
    for line in text.splitlines():
        if line.strip():
            paragraph = theirs.add_paragraph()
            run = paragraph.add_run(line.strip())
            run.bold, run.italic = bold, italic
            if size:
                run.font.size = Pt(size)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    assert xml(ours.element.body) == xml(theirs.element.body)


@pytest.mark.parametrize(("level", "style"), [(0, "Title"), (1, "Heading 1"), (2, "Heading 2")])
def test_headings_and_bullets_carry_the_style_python_docx_would_set(level, style):
    ours, theirs = rendering.blank_document(), rendering.blank_document()
    rendering._heading(ours, "Título", level)
    rendering._bullets(ours, ["uno"])
    theirs.add_heading("Título", level=level)
    theirs.add_paragraph("uno", style="List Bullet")
    assert xml(ours.element.body) == xml(theirs.element.body)
    assert ours.paragraphs[0].style.name == style


def test_copies_of_the_blank_document_do_not_share_their_body():
    first, second = rendering.blank_document(), rendering.blank_document()
    first.add_paragraph("solo en el primero")
    assert "solo en el primero" not in [p.text for p in second.paragraphs]
    assert "solo en el primero" not in [p.text for p in rendering.blank_document().paragraphs]


def test_the_single_pass_zip_equals_python_docx_save_normalized():
    document = rendering.blank_document(reading_layout=True)
    rendering._text(document, "Un párrafo")
    buffer = io.BytesIO()
    document.save(buffer)
    assert rendering.save_deterministic(document) == rendering.normalize_zip(buffer.getvalue())
