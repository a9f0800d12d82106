"""The period a report covers: a calendar month (the monthly report to the Alcaldía) or a
calendar year (the memoria anual), in the installation's time zone.

The same parsers serve the page's form and `manage.py compile_report`, so both refuse a
bad period with the same Spanish message."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.snapshots import MONTHS
from workflows.exceptions import InvalidInput

FIRST_YEAR = 2000
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
YEAR_PATTERN = re.compile(r"^(\d{4})$")


class PeriodKind(models.TextChoices):
    MONTH = "month", gettext_lazy("Informe mensual")
    YEAR = "year", gettext_lazy("Memoria anual")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # the first day
    end: date  # the last day, inclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = date(year, month, 1)
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(PeriodKind.MONTH, start, following - timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def of(cls, kind: str, start: date) -> "Period":
        return cls.month(start.year, start.month) if kind == PeriodKind.MONTH else cls.year(start.year)

    # --- the period as moments: [start_at, end_at) in local time ---------------------------

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    # --- names ------------------------------------------------------------------------------

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m}" if self.kind == PeriodKind.MONTH else f"{self.start:%Y}"

    @property
    def label(self) -> str:
        """«noviembre de 2026» or «2026»."""
        if self.kind == PeriodKind.MONTH:
            return f"{MONTHS[self.start.month - 1]} de {self.start.year}"
        return str(self.start.year)

    @property
    def title(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"Informe mensual de la Oficina de Imagen Institucional — {self.label}"
        return f"Memoria anual {self.start.year}"


def _check_not_future(period: Period, today: date) -> Period:
    if period.start > today:
        raise InvalidInput(
            _("El periodo %(period)s todavía no ha empezado: solo se compilan meses o años ya iniciados.")
            % {"period": period.label}
        )
    return period


def parse_month(value: str, *, today: date | None = None) -> Period:
    """«2026-11» → November 2026; refuses a malformed value and a month not yet begun."""
    today = today or timezone.localdate()
    match = MONTH_PATTERN.match((value or "").strip())
    if not match:
        raise InvalidInput(
            _("Mes no válido: «%(value)s». Escríbalo como AAAA-MM, por ejemplo %(example)s.")
            % {"value": value or "", "example": f"{today:%Y-%m}"}
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise InvalidInput(_("Mes no válido: «%(value)s». El mes va de 01 a 12.") % {"value": value})
    if year < FIRST_YEAR:
        raise InvalidInput(
            _("Año no válido: %(year)s. Debe ser %(first)s o posterior.") % {"year": year, "first": FIRST_YEAR}
        )
    return _check_not_future(Period.month(year, month), today)


def parse_year(value, *, today: date | None = None) -> Period:
    """«2026» → the year 2026; refuses a malformed value and a year not yet begun."""
    today = today or timezone.localdate()
    text = str(value if value is not None else "").strip()
    if not YEAR_PATTERN.match(text):
        raise InvalidInput(
            _("Año no válido: «%(value)s». Escríbalo con cuatro cifras, por ejemplo %(example)s.")
            % {"value": text, "example": today.year}
        )
    year = int(text)
    if year < FIRST_YEAR:
        raise InvalidInput(
            _("Año no válido: %(year)s. Debe ser %(first)s o posterior.") % {"year": year, "first": FIRST_YEAR}
        )
    return _check_not_future(Period.year(year), today)


def previous_month(today: date | None = None) -> Period:
    today = today or timezone.localdate()
    last_day = today.replace(day=1) - timedelta(days=1)
    return Period.month(last_day.year, last_day.month)
