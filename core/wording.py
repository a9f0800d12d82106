"""Two small pieces of written Spanish every app shares: amounts of money in the
country's format, and titles in quotation marks that never nest the same kind.

`money()` is the one place an amount becomes text: the request page, the DOCX documents,
the reports and the exports call it, and templates through the `money` filter
(`{% load wording %}`, core/templatetags/wording.py).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .country import NBSP, Country, country

NO_VALUE = "—"
CENTS = Decimal("0.01")

# The RAE's order of quotation marks: «angular», then “English”, then ‘simple’.
QUOTES = (("«", "»"), ("\u201c", "\u201d"), ("\u2018", "\u2019"))
STRAIGHT_PAIR = re.compile(r'"([^"]*)"')


def _amount(value) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as the float, not its binary tail
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise ValueError(f"not an amount: {value!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


def _grouped(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head], *(digits[index : index + 3] for index in range(head, len(digits), 3))]
    return separator.join(groups)


def money(value, profile: Country | str | None = None) -> str:
    """An amount as the country writes it: «S/ 8 500,50» in Peru, «L 8,500.50» in Honduras.

    Two decimals, rounded half up; no-break spaces, so an amount never wraps across lines;
    a minus sign before the symbol; «—» for no value (None or an empty text). Raises
    ValueError for anything that is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return NO_VALUE
    if not isinstance(profile, Country):
        profile = country(profile)
    amount = _amount(value)
    units, cents = f"{abs(amount):.2f}".split(".")
    sign = "-" if amount < 0 else ""
    number = f"{_grouped(units, profile.group_separator)}{profile.decimal_separator}{cents}"
    return f"{sign}{profile.currency_symbol}{NBSP}{number}"


def quote(text) -> str:
    """`text` between «», with the quotation marks inside it moved one level down (« » to
    “ ”, “ ” to ‘ ’), so a title that quotes a campaign name reads
    «Campaña “Agua segura”», never «Campaña «Agua segura»»."""
    text = str(text)
    for level in (1, 0):
        (outer_open, outer_close), (inner_open, inner_close) = QUOTES[level], QUOTES[level + 1]
        text = text.replace(outer_open, inner_open).replace(outer_close, inner_close)
    # Straight quotes typed in a form, in pairs, become the inner ones too.
    text = STRAIGHT_PAIR.sub(lambda match: f"{QUOTES[1][0]}{match.group(1)}{QUOTES[1][1]}", text)
    return f"{QUOTES[0][0]}{text}{QUOTES[0][1]}"
