"""The identity documents a requester shows, per country: which ones the register takes,
what they are called there, how they are written, and the help the form gives.

Peru: DNI (8 digits), carné de extranjería, RUC (11 digits) for companies, passport.
Honduras: DNI, the número de identidad (13 digits), carné de residente, passport; RUC is
Peru's taxpayer number and has no place there. The country is the configured one
(core.country), so the form's help and the service's refusal always say the same.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.country import country

from .models import DocumentType

# Letters and digits, for the documents without a fixed number of digits.
OTHER_MIN, OTHER_MAX = 6, 15


@dataclass(frozen=True)
class Documents:
    labels: dict[str, Promise]  # accepted document type -> its name in the country, in order
    digits: dict[str, int]  # document type -> its exact number of digits
    help_text: Promise


DOCUMENTS = {
    "PE": Documents(
        labels={
            DocumentType.DNI: _("DNI"),
            DocumentType.CE: _("Carné de extranjería"),
            DocumentType.RUC: _("RUC"),
            DocumentType.PASSPORT: _("Pasaporte"),
        },
        digits={DocumentType.DNI: 8, DocumentType.RUC: 11},
        help_text=_(
            "DNI: 8 dígitos. RUC: 11 dígitos. Carné de extranjería o pasaporte: entre 6 y 15 letras y números."
        ),
    ),
    "HN": Documents(
        labels={
            DocumentType.DNI: _("DNI (número de identidad)"),
            DocumentType.CE: _("Carné de residente"),
            DocumentType.PASSPORT: _("Pasaporte"),
        },
        digits={DocumentType.DNI: 13},
        help_text=_(
            "DNI (número de identidad): 13 dígitos, con o sin guiones. Carné de residente o pasaporte: entre 6 "
            "y 15 letras y números."
        ),
    ),
}


def documents() -> Documents:
    """The configured country's documents."""
    return DOCUMENTS[country().code]


def choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in documents().labels.items()]


def normalized(doc_type: str, number: str) -> str:
    """The number as stored: without spaces, in capitals, and without the hyphens people
    write inside a number of fixed digits (0801-1990-12345)."""
    number = number.replace(" ", "").upper()
    if doc_type in documents().digits:
        number = number.replace("-", "")
    return number


def refusal(doc_type: str, number: str) -> str:
    """What is wrong with this document for the configured country; "" if nothing.
    `number` is the normalized one."""
    accepted = documents()
    if doc_type not in accepted.labels:
        return str(
            _("Ese tipo de documento no se usa en %(country)s: elija %(choices)s.")
            % {"country": country().name, "choices": _join([str(label) for label in accepted.labels.values()])}
        )
    label = accepted.labels[doc_type]
    digits = accepted.digits.get(doc_type)
    if digits is not None:
        if not (number.isdigit() and len(number) == digits):
            return str(_("El %(type)s tiene %(digits)s dígitos, sin letras.") % {"type": label, "digits": digits})
        return ""
    if not (number.isalnum() and OTHER_MIN <= len(number) <= OTHER_MAX):
        return str(
            _("El número de %(type)s se escribe con entre %(min)s y %(max)s letras y números, sin guiones.")
            % {"type": str(label).lower(), "min": OTHER_MIN, "max": OTHER_MAX}
        )
    return ""


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} o {words[-1]}"
