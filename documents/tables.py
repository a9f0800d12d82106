"""Column widths for DOCX tables, so that no word is ever broken across lines.

Word and LibreOffice break a word that does not fit its column anywhere, mid-word
("Aprobaci-ón", half a hash on each line). Here each column gets at least the width of its
longest word at the size it is printed (a "word" runs between spaces: a reference such as
COM-2026-00042 and an amount such as «S/ 8 500,50», whose spaces do not break, count whole),
and the width left over goes to the columns with the most text. The table is then fixed
(`autofit` off, the width on every cell), so no program lays it out otherwise.

Words are measured in the documents' own font, DejaVu Sans (regular, bold, mono), whose
files come with matplotlib (a dependency of the reports' charts), plus 3 % and the cell's
margins; never less than 0.55 em a character. Without those files the width is estimated
from the characters. When the longest words cannot fit side by side at the table's size,
the text is made smaller, down to MIN_SIZE; past that the widths follow the words' shares.
"""

import functools
import math
import re
from pathlib import Path

from docx.shared import Emu, Pt

# Word's default cell margins, 0.19 cm on each side (108 twips), and the grid's borders,
# 0.5 pt on each side, which LibreOffice takes from the text's width too.
CELL_PADDING = Emu(int(2 * 0.19 * 360000) + Pt(1))
MIN_EM_PER_CHAR = 0.55
MONO_EM_PER_CHAR = 0.6
BOLD_FACTOR = 1.15  # for the estimate only: bold DejaVu Sans is about that much wider
# A little room besides the measure (hinting, kerning), so a word stays whole.
SAFETY = 1.03
FONT_FILES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSansMono.ttf",
    (True, True): "DejaVuSansMono-Bold.ttf",
}
UNITS_PER_EM = 1000
MIN_SIZE = Pt(7)
SIZE_STEP = Pt(0.5)

NARROW = set("iljtfrI.,:;'|!()[]/ ")
WIDE = set("mwMW@%&")
WORD = re.compile(r"[^ \t\r\n\u200b]+")  # no-break spaces (U+00A0, U+202F) stay inside a word


def char_em(char: str) -> float:
    """A character's estimated width in em (DejaVu Sans), when the font cannot be read."""
    if char in NARROW:
        return 0.35
    if char in WIDE:
        return 0.95
    if char.isupper() or char.isdigit():
        return 0.7
    return 0.6


@functools.cache
def _font(bold: bool, mono: bool):
    """The DejaVu face matplotlib ships, at 1000 units per em; None if it cannot be read."""
    try:
        from matplotlib import get_data_path
        from PIL import ImageFont

        path = Path(get_data_path()) / "fonts" / "ttf" / FONT_FILES[(bold, mono)]
        return ImageFont.truetype(str(path), UNITS_PER_EM)
    except (ImportError, OSError):  # pragma: no cover - matplotlib is a pinned dependency
        return None


def text_em(text: str, *, bold: bool = False, mono: bool = False) -> float:
    """The width of `text` in em: measured in DejaVu Sans, never under 0.55 em a character."""
    font = _font(bold, mono)
    if font is not None:
        measured = font.getlength(text) / UNITS_PER_EM
    elif mono:
        measured = MONO_EM_PER_CHAR * len(text)
    else:
        measured = sum(char_em(char) for char in text) * (BOLD_FACTOR if bold else 1)
    return max(measured, (MONO_EM_PER_CHAR if mono else MIN_EM_PER_CHAR) * len(text))


def _is_mono(font_name: str | None) -> bool:
    return bool(font_name) and ("mono" in font_name.lower() or "courier" in font_name.lower())


def _runs(cell, default_size: Pt):
    """(text, size, bold, mono) of each run in the cell; the cell's text in the default
    size when it has no runs."""
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            if run.text:
                yield run.text, run.font.size or default_size, bool(run.bold), _is_mono(run.font.name)


def _widths(text: str, size: int, bold: bool, mono: bool) -> tuple[int, int]:
    """(longest word, whole line) of a run's text, in EMU."""
    factor = size * SAFETY
    words = WORD.findall(text)
    longest = max((text_em(word, bold=bold, mono=mono) for word in words), default=0)
    lines = max((text_em(line, bold=bold, mono=mono) for line in text.splitlines()), default=0)
    return int(longest * factor), int(lines * factor)


def _needs(table, default_size: Pt, scale: float) -> tuple[list[int], list[int]]:
    """Per column: the widest word of any of its cells, and its longest line."""
    columns = len(table.columns)
    least, natural = [0] * columns, [0] * columns
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            for text, size, bold, mono in _runs(cell, default_size):
                word, line = _widths(text, int(size * scale), bold, mono)
                least[index] = max(least[index], word)
                natural[index] = max(natural[index], line)
    return [width + CELL_PADDING for width in least], [width + CELL_PADDING for width in natural]


def available_width(document) -> int:
    section = document.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def _shrink(table, scale: float, default_size: Pt) -> None:
    """Every run `scale` times its size, down to a half point (never up: the widths were
    computed for the exact sizes)."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(math.floor((run.font.size or default_size).pt * scale * 2) / 2)


def fit_columns(table, total_width: int, *, default_size: Pt) -> list[int]:
    """Set the table's column widths (EMU) so that every word fits its column; returns them.
    `default_size`: the size of text whose runs set none (the Normal style's)."""
    scale = 1.0
    least, natural = _needs(table, default_size, scale)
    largest = max((run[1] for row in table.rows for cell in row.cells for run in _runs(cell, default_size)), default=0)
    while sum(least) > total_width and largest and largest * scale - SIZE_STEP >= MIN_SIZE:
        scale = (largest * scale - SIZE_STEP) / largest
        least, natural = _needs(table, default_size, scale)
    if scale != 1.0:
        _shrink(table, scale, default_size)
    if sum(least) >= total_width:
        widths = [int(total_width * width / sum(least)) for width in least]
    else:
        widths = list(least)
        spare = total_width - sum(least)
        wants = [max(line - word, 0) for word, line in zip(least, natural, strict=True)]
        if sum(wants):
            given = [min(want, spare * want // sum(wants)) for want in wants]
            widths = [width + extra for width, extra in zip(widths, given, strict=True)]
            spare -= sum(given)
        # What is left (every line already fits) is shared by the columns' needs.
        widths = [width + spare * need // sum(natural) for width, need in zip(widths, natural, strict=True)]
    _apply(table, widths)
    return widths


def _apply(table, widths: list[int]) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Emu(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Emu(width)
