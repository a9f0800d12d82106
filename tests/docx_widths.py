"""Reading a DOCX back: is every table's column wide enough for its longest word?

An estimate independent of documents.tables: 0.55 em per character (0.6 in a monospaced
font) at the size each run is printed, plus Word's cell margins (0.19 cm a side). A column
narrower than that would break the word mid-word when the document is laid out."""

import re

from docx.shared import Emu, Pt

EM_PER_CHAR = 0.55
MONO_EM_PER_CHAR = 0.6
PADDING = Emu(int(2 * 0.19 * 360000))
WORD = re.compile(r"[^ \t\r\n]+")


def _style_size(document):
    return document.styles["Normal"].font.size or Pt(11)


def narrow_columns(document) -> list[str]:
    """One line per column of any table that is narrower than its longest word, or has no
    fixed width at all (left to the word processor); empty when every word fits."""
    problems = []
    default_size = _style_size(document)
    for number, table in enumerate(document.tables):
        if table.autofit:
            problems.append(f"table {number}: autofit is on, its widths are not fixed")
        for index, column in enumerate(table.columns):
            width = column.width
            if not width:
                problems.append(f"table {number}, column {index}: no width")
                continue
            for row in table.rows:
                cell = row.cells[index]
                if cell.width != width:
                    problems.append(f"table {number}, column {index}: a cell is {cell.width} wide, not {width}")
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        size = run.font.size or default_size
                        mono = "mono" in (run.font.name or "").lower()
                        for word in WORD.findall(run.text):
                            needed = int(len(word) * (MONO_EM_PER_CHAR if mono else EM_PER_CHAR) * size) + PADDING
                            if needed > width:
                                problems.append(
                                    f"table {number}, column {index}: «{word}» needs {Emu(needed).cm:.2f} cm, "
                                    f"the column is {Emu(width).cm:.2f} cm"
                                )
    return problems


def total_widths(document) -> list[float]:
    """Each table's width in cm (the sum of its columns)."""
    return [sum(column.width or 0 for column in table.columns) / 360000 for table in document.tables]
