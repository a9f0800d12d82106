"""The monthly report to the Alcaldía and the memoria anual, each generation a version.

A report is written once: its figures frozen as canonical JSON, its DOCX stored in media
storage with its SHA-256 (checked on every download). Generating again for the same
period makes the next version; nothing updates or deletes one (the model refuses, the
admin is read-only)."""

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.write_once import WriteOnceModel

from .periods import Period, PeriodKind


class ReportImmutableError(Exception):
    """Raised on any attempt to change or remove a generated report."""


def report_path(instance, filename):
    # The service names the file (by period and content hash), never the client.
    return filename


class Report(WriteOnceModel):
    write_once_error = ReportImmutableError
    refused_change = "Un informe generado no admite modificaciones: genere una nueva versión."
    refused_deletion = "Un informe generado no admite eliminaciones."

    period_kind = models.CharField(_("tipo"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("inicio del periodo"))
    version = models.PositiveIntegerField(_("versión"))
    # None: the system (`compile_report` without --as), like the scheduled jobs.
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("generado por"),
    )
    generated_at = models.DateTimeField(_("generado el"))
    # Canonical JSON (sorted keys, compact, UTF-8): stored as text so the bytes hashed are
    # the bytes kept, whatever the database does with JSON.
    figures_json = models.TextField(_("cifras (JSON canónico)"))
    figures_sha256 = models.CharField(_("SHA-256 de las cifras"), max_length=64)
    file = models.FileField(_("archivo"), upload_to=report_path, max_length=300)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))
    sha256 = models.CharField(_("SHA-256 del archivo"), max_length=64)

    class Meta:
        verbose_name = _("informe")
        verbose_name_plural = _("informes")
        ordering = ["-period_start", "period_kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period_kind", "period_start", "version"], name="report_version_unique")
        ]

    def __str__(self):
        return f"{self.period.title} · v{self.version}"

    @property
    def period(self) -> Period:
        return Period.of(self.period_kind, self.period_start)

    @property
    def reference(self) -> str:
        """«INF-2026-11-v2», «MEM-2026-v1»: how the audit log names it."""
        prefix = "INF" if self.period_kind == PeriodKind.MONTH else "MEM"
        return f"{prefix}-{self.period.slug}-v{self.version}"

    @property
    def figures(self) -> dict:
        return json.loads(self.figures_json)

    @property
    def filename(self) -> str:
        return f"{self.reference}.docx"
