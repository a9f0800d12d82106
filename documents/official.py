"""Official documents: the signed PDF of every approved and published version.

The version's DOCX, rendered with its verification code and QR in the footer, becomes a
PDF/A-2b through LibreOffice (documents.pdf), is signed in the municipality's name
(documents.signing) and stored under its SHA-256 (`OfficialDocument`), then verified each
time it is read back. All of it runs in the task queue after the change that made the
version committed: an approval never waits for LibreOffice and never fails because of it.
A failure leaves the DOCX as it was, is logged, shows on the request's pages with its
reason, and is retried (by the office's button, and by the periodic job with a growing
pause, so a certificate installed later signs what waited).
"""

import hashlib
import logging
import re
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core import taskqueue
from organization.roles import Role
from organization.selectors import roles_of
from workflows.exceptions import ActionNotAvailable
from workflows.models import State

from .models import OFFICIAL_REASONS, DocumentVersion, OfficialDocument
from .pdf import PdfConversionError, docx_to_pdf
from .rendering import Frozen, render_frozen
from .signing import SigningError, load_credentials, sign_pdf
from .snapshots import spanish_datetime
from .verification import site_base, verification_code

logger = logging.getLogger("documents.official")

Status = OfficialDocument.Status
ERROR_MAX = 2000
# A PDF left "generando" this long was abandoned by a stopped worker.
ABANDONED_AFTER = timedelta(minutes=15)
# The periodic job's pause before retrying a failure: 2^attempts minutes, at most a day.
RETRY_PAUSE_MAX = timedelta(days=1)
SWEEP_BATCH = 10
# The office roles that may ask for a failed PDF again.
RETRY_ROLES = frozenset({Role.REVISOR, Role.GERENTE, Role.PUBLICADOR})
PDFA_RE = re.compile(rb"<pdfaid:part>(\d)</pdfaid:part>\s*<pdfaid:conformance>([ABU])</pdfaid:conformance>")


class OfficialPdfUnavailable(Exception):
    """The version has no signed PDF (yet, or any more: its stored bytes changed)."""


def is_official(version: DocumentVersion) -> bool:
    return (
        version.reason in OFFICIAL_REASONS
        and bool(version.snapshot.get("approval"))
        and version.state in (State.APPROVED, State.PUBLISHED)
    )


def code_of(version: DocumentVersion) -> str:
    return verification_code(version.snapshot_sha256, version.number)


def frozen_for_pdf(version: DocumentVersion) -> Frozen:
    """What the PDF shows: the version's document, always with its code and QR (a version
    made before codes existed gets the site's address of today)."""
    frozen = Frozen.of(version)
    if "verify_base" not in frozen.snapshot:
        frozen = replace(frozen, snapshot={**frozen.snapshot, "verify_base": site_base()})
    return frozen


def signing_reason(version: DocumentVersion) -> str:
    approval = version.snapshot.get("approval") or {}
    reason = f"Aprobado por {approval.get('approved_by', '')}"
    if approval.get("role"):
        reason += f" ({approval['role']})"
    if approval.get("on_behalf_of"):
        reason += f", por encargo de {approval['on_behalf_of']}"
    if approval.get("approved_at"):
        reason += f", el {spanish_datetime(approval['approved_at'])}"
    reference = version.snapshot.get("content", {}).get("reference", "")
    return f"{reason}. {reference} v{version.number}, código {code_of(version)}."


def signing_location(version: DocumentVersion) -> str:
    return settings.DOCUMENT_SIGNING_LOCATION or version.snapshot.get("municipality", "")


def pdf_filename(version: DocumentVersion) -> str:
    return version.download_name("pdf")


def pdfa_of(pdf: bytes) -> str:
    """The PDF/A part and conformance its metadata declares ("2B"), or ""."""
    found = PDFA_RE.search(pdf)
    return f"{found.group(1).decode()}{found.group(2).decode()}" if found else ""


def ensure_record(version: DocumentVersion) -> OfficialDocument:
    """The version's official-document row, made on first need (two makers: one wins)."""
    record = OfficialDocument.objects.filter(version=version).first()
    if record is not None:
        return record
    try:
        with transaction.atomic():
            return OfficialDocument.objects.create(version=version, code=code_of(version))
    except IntegrityError:
        return OfficialDocument.objects.get(version=version)


def _fail(record: OfficialDocument, message: str) -> None:
    OfficialDocument.objects.filter(pk=record.pk).update(
        status=Status.FAILED, error=message[:ERROR_MAX], updated_at=timezone.now()
    )


def produce(version_id: int) -> OfficialDocument | None:
    """Render, convert, sign and store one version's PDF, unless it is done or another
    worker is at it. Returns its row (None for a version that is no official document)."""
    version = DocumentVersion.objects.filter(pk=version_id).select_related("request").first()
    if version is None or not is_official(version):
        return None
    record = ensure_record(version)
    if record.status == Status.DONE:
        return record
    now = timezone.now()
    claimed = (
        OfficialDocument.objects.filter(pk=record.pk)
        .filter(
            Q(status__in=[Status.PENDING, Status.FAILED])
            | Q(status=Status.WORKING, updated_at__lt=now - ABANDONED_AFTER)
        )
        .update(status=Status.WORKING, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return record
    try:
        docx = render_frozen(frozen_for_pdf(version))
        pdf = docx_to_pdf(docx, name=f"v{version.number}")
        credentials = load_credentials()
        signed = sign_pdf(
            pdf,
            reason=signing_reason(version),
            location=signing_location(version),
            name=version.snapshot.get("municipality", ""),
            credentials=credentials,
        )
    except (PdfConversionError, SigningError) as error:
        logger.error("PDF de %s no generado: %s", version, error)
        _fail(record, str(error))
        return OfficialDocument.objects.get(pk=record.pk)
    except Exception as error:  # whatever else went wrong is the office's to see, too
        logger.exception("PDF de %s no generado", version)
        _fail(
            record, _("Error inesperado al generar el PDF: %(error)s") % {"error": f"{type(error).__name__}: {error}"}
        )
        return OfficialDocument.objects.get(pk=record.pk)
    sha = hashlib.sha256(signed).hexdigest()
    name = version.storage_name(sha, "pdf")
    saved = name if default_storage.exists(name) else default_storage.save(name, ContentFile(signed))
    OfficialDocument.objects.filter(pk=record.pk).update(
        status=Status.DONE,
        file=saved,
        sha256=sha,
        size=len(signed),
        pdfa=pdfa_of(pdf),
        signer=credentials.subject[:300],
        signed_at=timezone.now(),
        error="",
        updated_at=timezone.now(),
    )
    return OfficialDocument.objects.get(pk=record.pk)


def official_pdf(version: DocumentVersion) -> tuple[bytes, OfficialDocument]:
    """The version's signed PDF, read back and checked against the hash recorded when it
    was stored. Raises OfficialPdfUnavailable (not ready, or changed since)."""
    record = OfficialDocument.objects.filter(version=version).first()
    if record is None or not record.is_ready:
        raise OfficialPdfUnavailable(_("El PDF firmado de esta versión aún no está disponible."))
    try:
        with default_storage.open(record.file.name, "rb") as handle:
            data = handle.read(settings.PDF_MAX_BYTES + 1)
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() != record.sha256:
        # A signed PDF cannot be made again byte for byte (the signing time): it is gone.
        logger.error("El PDF almacenado de %s no coincide con su hash registrado", version)
        raise OfficialPdfUnavailable(
            _("El PDF almacenado de esta versión no coincide con su hash registrado: la oficina debe revisarlo.")
        )
    return data, record


def download_pdf(actor, version: DocumentVersion) -> tuple[bytes, OfficialDocument]:
    """A person of the office downloads a version's signed PDF: audited like the DOCX."""
    data, record = official_pdf(version)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="download",
            target=version.request,
            version_hash=version.snapshot_sha256,
            data={"version": version.number, "file_sha256": record.sha256, "format": "pdf", "code": record.code},
        )
    return data, record


def may_retry(user) -> bool:
    return bool(roles_of(user) & RETRY_ROLES)


def retry(actor, version: DocumentVersion) -> OfficialDocument:
    """The office asks again for a PDF that failed (or whose stored copy broke)."""
    if not may_retry(actor):
        raise PermissionDenied(_("Solo la Oficina de Comunicaciones puede volver a generar el PDF."))
    if not is_official(version):
        raise ActionNotAvailable(_("Esta versión no es un documento aprobado: no tiene PDF firmado."))
    record = ensure_record(version)
    if record.status == Status.WORKING and record.updated_at > timezone.now() - ABANDONED_AFTER:
        raise ActionNotAvailable(_("El PDF de esta versión se está generando en este momento."))
    if record.status == Status.DONE:
        try:
            official_pdf(version)
        except OfficialPdfUnavailable:
            pass  # the stored copy broke: make it again
        else:
            raise ActionNotAvailable(_("El PDF firmado de esta versión ya está disponible."))
    with transaction.atomic():
        OfficialDocument.objects.filter(pk=record.pk).update(status=Status.PENDING, updated_at=timezone.now())
        record_event(
            actor=actor,
            action="pdf_retry",
            target=version.request,
            version_hash=version.snapshot_sha256,
            data={"version": version.number, "code": record.code, "previous_error": record.error[:300]},
        )
        from . import tasks

        taskqueue.on_commit_enqueue(tasks.produce_official_pdf, version.pk)
    return OfficialDocument.objects.get(pk=record.pk)


def _due(record: OfficialDocument, now) -> bool:
    pause = min(timedelta(minutes=2 ** min(record.attempts, 20)), RETRY_PAUSE_MAX)
    return record.updated_at <= now - pause


def sweep(limit: int = SWEEP_BATCH) -> dict:
    """The periodic job: make the PDFs nobody asked for yet (a worker that was down, a
    version from before), retry failures after their pause, and take over abandoned
    ones; at most `limit` conversions per run."""
    if not settings.DOCUMENT_PDF_AUTO:
        return {"done": 0, "failed": 0}
    now = timezone.now()
    missing = list(
        DocumentVersion.objects.filter(
            reason__in=OFFICIAL_REASONS,
            state__in=[State.APPROVED, State.PUBLISHED],
            snapshot__has_key="approval",
            official__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    waiting = OfficialDocument.objects.filter(
        Q(status__in=[Status.PENDING, Status.FAILED]) | Q(status=Status.WORKING, updated_at__lt=now - ABANDONED_AFTER)
    ).order_by("updated_at")[: limit * 5]
    due = [record.version_id for record in waiting if record.status == Status.WORKING or _due(record, now)]
    done = failed = 0
    for version_id in (missing + due)[:limit]:
        record = produce(version_id)
        if record is None:
            continue
        if record.status == Status.DONE:
            done += 1
        elif record.status == Status.FAILED:
            failed += 1
    return {"done": done, "failed": failed}
