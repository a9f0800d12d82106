"""What the municipality's country decides besides its holidays: how money is written and
how many digits its national identity number has (the register's documents per country
are in transparency/identity.py).

The country is `TRANSPARENCY_HOLIDAYS_COUNTRY` (PE or HN), the one setting that already
says where the municipality is: the register counts working days with that country's
holidays, and the same code chooses the profile below. A code without a profile is a
configuration error, reported in Spanish the first time a page needs it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

NBSP = "\u00a0"


@dataclass(frozen=True)
class Country:
    code: str
    name: Promise
    currency_symbol: str  # written before the amount, joined by a no-break space
    currency_name: Promise
    group_separator: str  # between groups of three digits
    decimal_separator: str
    national_id_digits: int  # the DNI (Peru) or the número de identidad (Honduras)


COUNTRIES = {
    # Peru writes amounts as the Sistema Legal de Unidades de Medida asks and the normas
    # legales print them: a space between thousands, a decimal comma (S/ 8 500,50).
    "PE": Country(
        code="PE",
        name=_("Perú"),
        currency_symbol="S/",
        currency_name=_("soles"),
        group_separator=NBSP,
        decimal_separator=",",
        national_id_digits=8,
    ),
    # Honduras writes a comma between thousands and a decimal point (L 8,500.50).
    "HN": Country(
        code="HN",
        name=_("Honduras"),
        currency_symbol="L",
        currency_name=_("lempiras"),
        group_separator=",",
        decimal_separator=".",
        national_id_digits=13,
    ),
}


def country(code: str | None = None) -> Country:
    """The profile of `code`, or of the configured country."""
    code = (code or settings.TRANSPARENCY_HOLIDAYS_COUNTRY or "").upper()
    try:
        return COUNTRIES[code]
    except KeyError:
        raise ImproperlyConfigured(
            f"TRANSPARENCY_HOLIDAYS_COUNTRY={code!r}: el país de la municipalidad debe ser uno de "
            f"{', '.join(sorted(COUNTRIES))} (formato de montos y documentos de identidad, core/country.py)."
        ) from None
