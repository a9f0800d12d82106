"""Amounts in the country's format and titles quoted without nesting (core/wording.py)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from core.country import country
from core.wording import money, quote

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("8500.50"), "S/ 8 500,50"),
        ("8500.5", "S/ 8 500,50"),
        (8500, "S/ 8 500,00"),
        (0, "S/ 0,00"),
        (Decimal("0.00"), "S/ 0,00"),
        ("0", "S/ 0,00"),
        (Decimal("999.99"), "S/ 999,99"),
        (Decimal("1000"), "S/ 1 000,00"),
        (Decimal("1234567890.12"), "S/ 1 234 567 890,12"),
        (Decimal("9999999999.995"), "S/ 10 000 000 000,00"),  # rounded half up
        (Decimal("0.005"), "S/ 0,01"),
        (Decimal("-1500.5"), "-S/ 1 500,50"),
        (Decimal("-0.001"), "S/ 0,00"),  # rounds to zero: no minus sign left
        (0.1 + 0.2, "S/ 0,30"),
        (" 12.3 ", "S/ 12,30"),
    ],
)
def test_peru_writes_a_space_between_thousands_and_a_decimal_comma(value, expected):
    assert money(value, "PE") == expected.replace(" ", NBSP)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("8500.50"), "L 8,500.50"),
        (0, "L 0.00"),
        (Decimal("1234567.891"), "L 1,234,567.89"),
        (Decimal("-20"), "-L 20.00"),
        (Decimal("100"), "L 100.00"),
    ],
)
def test_honduras_writes_commas_between_thousands_and_a_decimal_point(value, expected):
    assert money(value, "HN") == expected.replace(" ", NBSP)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_value_is_a_dash(value):
    assert money(value, "PE") == "—"


@pytest.mark.parametrize("value", ["abc", "1,5", "NaN", "Infinity", float("inf"), True, [1]])
def test_what_is_not_an_amount_is_refused(value):
    with pytest.raises((ValueError, TypeError)):
        money(value, "PE")


def test_the_configured_country_decides(settings):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "HN"
    assert money(Decimal("8500.5")) == f"L{NBSP}8,500.50"
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "PE"
    assert money(Decimal("8500.5")) == f"S/{NBSP}8{NBSP}500,50"


def test_an_unknown_country_is_a_configuration_error_in_spanish(settings):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "XX"
    with pytest.raises(ImproperlyConfigured, match="debe ser uno de HN, PE"):
        money(1)
    assert country("pe").currency_symbol == "S/"


def test_the_template_filter_formats_and_leaves_other_values_alone(settings):
    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "PE"
    template = Template("{% load wording %}[{{ amount|money }}] [{{ text|money }}] [{{ none|money }}]")
    rendered = template.render(Context({"amount": Decimal("12500"), "text": "a consultar", "none": None}))
    assert rendered == f"[S/{NBSP}12{NBSP}500,00] [a consultar] [—]"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Agua segura", "«Agua segura»"),
        ("Campaña «Agua segura en casa»", "«Campaña “Agua segura en casa”»"),
        ("Campaña “Paga y gana”", "«Campaña ‘Paga y gana’»"),
        ("Campaña «Lema “corto”»", "«Campaña “Lema ‘corto’”»"),
        ('Campaña "Pueblo Libre Verde"', "«Campaña “Pueblo Libre Verde”»"),
        ("", "«»"),
    ],
)
def test_quoted_titles_never_nest_the_same_marks(title, expected):
    quoted = quote(title)
    assert quoted == expected
    assert quoted.count("«") == 1 and quoted.count("»") == 1


def test_the_quoted_filter_escapes_like_any_value():
    rendered = Template("{% load wording %}{{ title|quoted }}").render(Context({"title": "<b>«Sí»</b>"}))
    assert rendered == "«&lt;b&gt;“Sí”&lt;/b&gt;»"
