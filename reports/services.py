"""Generating and downloading reports: each generation a new version, each download
checked against the stored hash, both audited (`report_generate`, `report_download`) on
the report's own chain."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from documents.snapshots import canonical_json
from workflows.exceptions import InvalidInput

from . import policies
from .figures import compute
from .models import Report
from .periods import Period, PeriodKind
from .rendering import render_report

logger = logging.getLogger(__name__)

APPEND_ATTEMPTS = 5


class ReportIntegrityError(Exception):
    """A stored report no longer matches its hash, and rendering its frozen figures again
    does not give the original bytes either."""


def storage_name(period: Period, sha256: str) -> str:
    """Named by content: generating again from unchanged data reuses the same file."""
    prefix = "informe" if period.kind == PeriodKind.MONTH else "memoria"
    return f"reports/{period.slug}/{prefix}-{period.slug}-{sha256[:16]}.docx"


def generate_report(actor, period: Period, *, today=None) -> Report:
    """Compile the figures of `period`, render the DOCX and store it as the period's next
    version, audited. `actor` None is the system (`compile_report` without --as)."""
    policies.check_generate(actor)
    today = today or timezone.localdate()
    if period.start > today:
        raise InvalidInput(
            _("El periodo %(period)s todavía no ha empezado: solo se compilan meses o años ya iniciados.")
            % {"period": period.label}
        )
    figures = compute(period, today=today)
    figures_json = canonical_json(figures)
    figures_sha256 = hashlib.sha256(figures_json.encode("utf-8")).hexdigest()
    data = render_report(figures)
    sha256 = hashlib.sha256(data).hexdigest()
    name = storage_name(period, sha256)
    saved = name if default_storage.exists(name) else default_storage.save(name, ContentFile(data))
    for attempt in range(APPEND_ATTEMPTS):
        try:
            with transaction.atomic():
                last = Report.objects.filter(period_kind=period.kind, period_start=period.start).aggregate(
                    last=Max("version")
                )["last"]
                report = Report(
                    period_kind=period.kind,
                    period_start=period.start,
                    version=(last or 0) + 1,
                    generated_by=actor,
                    generated_at=timezone.now(),
                    figures_json=figures_json,
                    figures_sha256=figures_sha256,
                    size=len(data),
                    sha256=sha256,
                )
                report.file.name = saved
                report.save()
                record_event(
                    actor=actor,
                    action="report_generate",
                    target=report,
                    version_hash=figures_sha256,
                    data={
                        "period": period.slug,
                        "period_kind": str(period.kind),
                        "version": report.version,
                        "file_sha256": sha256,
                        "size": len(data),
                    },
                )
        except IntegrityError:
            # Two generations of one period at once took the same version number; the
            # loser takes the next one.
            if attempt == APPEND_ATTEMPTS - 1:
                raise
            continue
        return report
    raise AssertionError("unreachable")  # pragma: no cover


def report_bytes(report: Report) -> bytes:
    """The stored DOCX, verified against its SHA-256. A missing or damaged copy is rendered
    again from the frozen figures (rendering is deterministic) and must give the recorded
    hash; otherwise ReportIntegrityError."""
    try:
        with default_storage.open(report.file.name, "rb") as handle:
            data = handle.read()
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() == report.sha256:
        return data
    logger.warning("Informe %s: la copia almacenada no coincide con su hash; se genera de nuevo.", report.reference)
    data = render_report(report.figures)
    if hashlib.sha256(data).hexdigest() != report.sha256:
        raise ReportIntegrityError(f"{report.reference}: el informe no coincide con su hash registrado.")
    return data


def download_report(actor, report: Report) -> bytes:
    """A reader downloads a report: the verified file, and the audit event that says who
    took which version (its hash included)."""
    policies.require_reader(actor)
    data = report_bytes(report)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="report_download",
            target=report,
            version_hash=report.figures_sha256,
            data={"version": report.version, "file_sha256": report.sha256, "format": "docx"},
        )
    return data
