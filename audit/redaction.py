"""Hide personal data in copies handed out under the transparency law: email addresses,
phone numbers, identity document numbers, and the names of private persons (citizens,
requesters) given by the officer. Officials' names stay: their acts are public.
"""

import re
from dataclasses import dataclass

EMAIL_MARK = "[correo reservado]"
PHONE_MARK = "[teléfono reservado]"
DOCUMENT_MARK = "[documento reservado]"
NAME_MARK = "[nombre reservado]"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# "DNI 45678912", "D.N.I. N° 45678912", "CE 001234567", "RUC 10456789121".
DOCUMENT = re.compile(
    r"\b(?:D\.?\s?N\.?\s?I\.?|C\.?\s?E\.?|R\.?\s?U\.?\s?C\.?|pasaporte)\s*(?:N[°º.o]?\s*)?:?\s*[A-Z]?\d{6,12}\b",
    re.IGNORECASE,
)
# Phone-like runs of digits: an optional +country code and (area) code, then groups
# separated by spaces, dots or dashes. Judged by digit count in _is_phone, so dates,
# amounts and reference numbers are left alone.
PHONE_CANDIDATE = re.compile(
    r"(?<![\w/.,:-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){5,13}(?![\w/:]|[.,:-]\d)"
)
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")


def _is_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if DATE_LIKE.match(text.strip()):
        return False
    if text.startswith("+") or "(" in text:
        return 7 <= len(digits) <= 15
    # Peru: 9-digit mobiles (9xxxxxxxx), 7-digit Lima landlines, 8 with a provincial
    # prefix; Honduras: 8 digits. Longer plain runs are not phone numbers.
    return len(digits) in (7, 8, 9) and not (len(digits) == 8 and text.isdigit())


def _name_patterns(names) -> list[re.Pattern]:
    """The full name and every run of two or more of its words ("Juan Pérez" of "Juan
    Pérez Quispe"), longest first, so partial mentions are hidden too."""
    phrases = set()
    for name in names:
        words = name.split()
        if len(words) == 1 and len(words[0]) >= 3:
            phrases.add(words[0])
        for size in range(len(words), 1, -1):
            for start in range(len(words) - size + 1):
                phrases.add(" ".join(words[start : start + size]))
    ordered = sorted(phrases, key=len, reverse=True)
    return [re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, p.split())) + r"(?!\w)", re.IGNORECASE) for p in ordered]


@dataclass
class Redactor:
    """Applies the rules to text; counts what it hid, for the dossier's summary."""

    names: tuple[str, ...] = ()
    hidden: int = 0

    def __post_init__(self):
        self._name_patterns = _name_patterns(n.strip() for n in self.names if n and n.strip())

    def _sub(self, pattern, mark, text, check=None):
        def replace(match):
            if check is not None and not check(match.group(0)):
                return match.group(0)
            self.hidden += 1
            return mark

        return pattern.sub(replace, text)

    def text(self, value: str) -> str:
        if not value:
            return value
        value = self._sub(EMAIL, EMAIL_MARK, value)
        value = self._sub(DOCUMENT, DOCUMENT_MARK, value)
        value = self._sub(PHONE_CANDIDATE, PHONE_MARK, value, check=_is_phone)
        for pattern in self._name_patterns:
            value = self._sub(pattern, NAME_MARK, value)
        return value

    # Keys whose values are hashes, codes or binary data, never prose.
    KEEP = frozenset(
        {
            "sha256",
            "content_sha256",
            "hash",
            "logo",
            "data",
            "kind",
            "schema",
            "reference",
            "content_type",
            "verify_base",
        }
    )

    def deep(self, value, key: str = ""):
        """A copy of a JSON-like value with every prose string redacted."""
        if key in self.KEEP or key.endswith(("_sha256", "_hash", "_at", "_on", "_date", "date")):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(item, key) for item in value]
        if isinstance(value, dict):
            return {k: self.deep(v, k) for k, v in value.items()}
        return value
