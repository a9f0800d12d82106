"""Two versions of a document compared field by field, word by word (as Wagtail's revision
comparison does): the snapshot's readable fields, each changed one with the words taken
out in <del> and the words put in in <ins>.

Every piece of user text is escaped by `format_html`; nothing here marks user text safe.
SequenceMatcher's cost grows with the product of the two texts' lengths, so a field longer
than COMPARE_MAX characters on either side is not compared word by word: it says so.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .snapshots import DETAIL_LINES, format_detail, spanish_date

# Characters per side beyond which a field is shown without the word comparison. The
# body may hold up to workflows.models.BODY_MAX (60,000) characters; the short texts
# (SHORT_TEXT_MAX, 2,000) and the summary (SUMMARY_MAX, 1,000) are always compared.
COMPARE_MAX = 20_000

# Words, single punctuation marks and runs of blank space: the units that are compared.
TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    return TOKENS.findall(text or "")


def _lines(html: str) -> SafeString:
    # The escaped text has no markup with a line break inside: each break can become <br>.
    return SafeString(html.replace("\n", "<br>\n"))


# Beyond this many (old × new) units compared at once, SequenceMatcher may treat frequent
# words as junk (its `autojunk`): coarser but quick. Under it every word counts, which is
# what a reader expects, and costs at most about a quarter of a second.
PAIR_MAX = 1_000_000


def _opcodes(old: list[str], new: list[str]):
    junk = len(old) * len(new) > PAIR_MAX
    return difflib.SequenceMatcher(None, old, new, autojunk=junk).get_opcodes()


SENTENCES = re.compile(r".*?(?:[.!?;:]+\s+|$)", re.DOTALL)


def _sentences(text: str) -> list[str]:
    return [piece for piece in SENTENCES.findall(text) if piece]


# Lines, then the sentences of the lines replaced, then their words: each pass compares few
# units, so a long text with a few edits is still compared word by word, quickly.
LEVELS = (lambda text: text.splitlines(keepends=True), _sentences, tokens)


def _raw(old_text: str, new_text: str, level: int = 0):
    """(kind, removed, added) runs, from the coarsest units to words."""
    old_units, new_units = LEVELS[level](old_text), LEVELS[level](new_text)
    for operation, old_start, old_end, new_start, new_end in _opcodes(old_units, new_units):
        removed = "".join(old_units[old_start:old_end])
        added = "".join(new_units[new_start:new_end])
        if operation == "equal":
            yield "equal", removed, added
        elif operation == "replace" and level + 1 < len(LEVELS):
            yield from _raw(removed, added, level + 1)
        else:
            yield "change", removed, added


def _chunks(old_text: str, new_text: str) -> list[tuple[str, str, str]]:
    """The runs, each change joined to the next when only a blank stands between them, so a
    rewritten sentence reads as one change, not as words alternating with spaces."""
    chunks: list[list[str]] = []
    for kind, removed, added in _raw(old_text, new_text):
        between_changes = len(chunks) >= 2 and chunks[-2][0] == "change" and chunks[-1][0] == "equal"
        if kind == "change" and between_changes and not chunks[-1][2].strip():
            blank = chunks.pop()[2]
            chunks[-1][1] += blank + removed
            chunks[-1][2] += blank + added
            continue
        if chunks and chunks[-1][0] == kind:
            chunks[-1][1] += removed
            chunks[-1][2] += added
            continue
        chunks.append([kind, removed, added])
    return [tuple(chunk) for chunk in chunks]


def word_diff(old: str, new: str) -> SafeString:
    """`new` as HTML, with the words of `old` it lost in <del> and the ones it gained in <ins>."""
    pieces = []
    for kind, removed, added in _chunks(old or "", new or ""):
        if kind == "equal":
            pieces.append(("{}", added))
            continue
        if removed:
            pieces.append(('<del class="diff-del">{}</del>', removed))
        if added:
            pieces.append(('<ins class="diff-ins">{}</ins>', added))
    html = "".join(format_html(template, text) for template, text in pieces)
    return _lines(html)


def plain(text: str) -> SafeString:
    return _lines(format_html("{}", text or ""))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    text: str


def fields_of(snapshot: dict) -> list[Field]:
    """The version's content as people read it: one labelled text per field, in the
    order the document presents them."""
    content = (snapshot or {}).get("content", {})
    details = content.get("details", {})
    rows = [
        Field("title", _("Título"), content.get("title", "")),
        Field("kind", _("Tipo"), content.get("kind_label", "")),
        Field("unit", _("Unidad solicitante"), content.get("unit", "")),
        Field("requested_by", _("Fecha requerida"), spanish_date(content.get("requested_by", ""))),
        Field("summary", _("Resumen"), content.get("summary", "")),
    ]
    for key, label in DETAIL_LINES.get(content.get("kind"), ()):
        rows.append(Field(f"details.{key}", label, format_detail(key, details.get(key, ""))))
    rows.append(Field("body", _("Contenido"), content.get("body") or ""))
    rows.append(
        Field(
            "attachments",
            _("Adjuntos"),
            "\n".join(f"{item['name']} (SHA-256 {item['sha256'][:12]})" for item in content.get("attachments", [])),
        )
    )
    emergency = _("sí") if content.get("emergency") else _("no")
    rows.append(Field("emergency", _("Mensaje de emergencia o prevención"), emergency))
    return rows


@dataclass(frozen=True)
class FieldComparison:
    key: str
    label: str
    changed: bool
    html: SafeString
    # Too long on either side to compare word by word: `html` is the new text, unmarked.
    omitted: bool = False


def compare(old_snapshot: dict, new_snapshot: dict) -> list[FieldComparison]:
    """Every field of the new version, each with whether it changed and its word diff."""
    old_fields = {field.key: field for field in fields_of(old_snapshot)}
    rows = []
    for field in fields_of(new_snapshot):
        before = old_fields.get(field.key, Field(field.key, field.label, "")).text
        if before == field.text:
            rows.append(FieldComparison(field.key, field.label, False, plain(field.text)))
        elif len(before) > COMPARE_MAX or len(field.text) > COMPARE_MAX:
            rows.append(FieldComparison(field.key, field.label, True, plain(field.text), omitted=True))
        else:
            rows.append(FieldComparison(field.key, field.label, True, word_diff(before, field.text)))
    return rows
