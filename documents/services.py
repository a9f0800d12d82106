"""Document versions: written inside the transaction of the change that makes them;
their DOCX rendered once, stored, and checked each time it is read back."""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

from audit.services import record_event
from core import taskqueue
from core.country import country
from organization.roles import Role
from organization.selectors import current_logo, municipality_name, roles_of

from . import snapshots, tasks
from .models import APPROVAL_REASONS, OFFICIAL_REASONS, DocumentVersion, Reason, RenderedDocument
from .rendering import render_docx
from .verification import site_base


class DocumentIntegrityError(Exception):
    """A stored DOCX no longer matches the hash written when it was rendered."""


def _role_label(user, *, delegated: bool) -> str:
    with translation.override("es"):
        roles = roles_of(user)
        if Role.GERENTE in roles:
            label = str(Role.GERENTE.label)
        else:
            label = next((str(role.label) for role in Role if role in roles), "")
        if delegated:
            return f"{label} (encargado de la aprobación)" if label else "Encargado de la aprobación"
        return label


def _approval_block(material_request, content: dict, number: int) -> dict:
    approved_at = material_request.approved_at or timezone.now()
    block = {
        "approved_by": snapshots.person_name(material_request.approved_by),
        "role": _role_label(material_request.approved_by, delegated=material_request.approved_on_behalf_of is not None)
        if material_request.approved_by
        else "",
        "on_behalf_of": snapshots.person_name(material_request.approved_on_behalf_of),
        "approved_at": approved_at.isoformat(),
        "version": number,
        "content_sha256": snapshots.sha256_of(content),
        "urgent": bool(material_request.urgent),
    }
    if material_request.urgent:
        block["urgent_reason"] = material_request.urgent_reason
    return block


def _logo(material_request) -> dict | None:
    """The coat of arms the administrator uploaded (organization.logos), frozen by its
    storage name and hash; None, and a text-only header, without one."""
    unit = material_request.unit
    municipality = unit.municipality if unit is not None else None
    if municipality is not None and municipality.logo_sha256 and municipality.logo.name:
        return {"storage": municipality.logo.name, "sha256": municipality.logo_sha256}
    return current_logo() if municipality is None else None


def _municipality_of(material_request) -> str:
    """The municipality of the requesting unit (read with the locked request), which is
    the installation's one in the usual single-municipality setup."""
    unit = material_request.unit
    municipality = unit.municipality if unit is not None else None
    return municipality.name if municipality is not None else municipality_name()


def build_snapshot(material_request, *, reason: str, number: int) -> dict:
    content = snapshots.build_content(material_request)
    snapshot = {
        "schema": snapshots.SCHEMA,
        "municipality": _municipality_of(material_request),
        # Its documents write amounts as this country does, whatever the setting later says.
        "country": country().code,
        "content": content,
    }
    logo = _logo(material_request)
    if logo:
        snapshot["logo"] = logo
    if reason in OFFICIAL_REASONS:
        # Frozen so the document's QR (documents.verification) points where the site was
        # when the version was made, and the DOCX stays the same bytes if the site moves.
        snapshot["verify_base"] = site_base()
    if reason in APPROVAL_REASONS:
        snapshot["approval"] = _approval_block(material_request, content, number)
    elif reason == Reason.PUBLISH:
        # Publishing changes nothing in the text: the published version carries the
        # approval of the version it publishes, so both share one hash.
        approved = (
            DocumentVersion.objects.filter(request=material_request, reason__in=APPROVAL_REASONS)
            .order_by("-number")
            .first()
        )
        if approved is not None and approved.snapshot.get("content") == content:
            snapshot["approval"] = approved.snapshot["approval"]
    return snapshot


def record_version(*, actor, material_request, reason: str) -> DocumentVersion:
    """Freeze the request's current content as its next version.

    Must run inside the transaction of the change it records (after the state change),
    which already holds the request's lock; the unique (request, number) constraint
    catches any writer that did not."""
    if reason not in Reason.values:
        raise ValueError(f"unknown document version reason: {reason!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_version must run inside the transaction of the change it records")
    if "prefetched_last_version" in material_request.__dict__:
        # Read by the service's locking query (workflows.services._lock); good once.
        last = material_request.__dict__.pop("prefetched_last_version") or 0
    else:
        last = DocumentVersion.objects.filter(request=material_request).aggregate(last=Max("number"))["last"] or 0
    number = last + 1
    snapshot = build_snapshot(material_request, reason=reason, number=number)
    version = DocumentVersion.objects.create(
        request=material_request,
        number=number,
        reason=reason,
        state=material_request.state,
        created_by=actor,
        created_at=timezone.now(),
        snapshot=snapshot,
        snapshot_sha256=snapshots.sha256_of(snapshot),
    )
    # Render its DOCX in the background once the change commits: the first download is
    # then instant (and still renders it itself if the task has not run yet).
    taskqueue.on_commit_enqueue(tasks.render_version_docx, version.pk)
    if reason in OFFICIAL_REASONS and settings.DOCUMENT_PDF_AUTO:
        # Its signed PDF too (documents.official): slow, and allowed to fail without
        # undoing the change: it runs after the commit, and can be retried.
        taskqueue.on_commit_enqueue(tasks.produce_official_pdf, version.pk)
    return version


def docx_filename(version: DocumentVersion) -> str:
    return version.download_name("docx")


def _read_back(rendered: RenderedDocument, version: DocumentVersion) -> tuple[bytes, str]:
    try:
        with default_storage.open(rendered.file.name, "rb") as handle:
            data = handle.read()
    except OSError:
        data = b""
    if hashlib.sha256(data).hexdigest() == rendered.sha256:
        return data, rendered.sha256
    # The stored copy is missing or damaged: rendering is deterministic, so the
    # original bytes can be made again, and must match the hash recorded for them.
    data = render_docx(version)
    if hashlib.sha256(data).hexdigest() != rendered.sha256:
        raise DocumentIntegrityError(f"{version}: el documento generado no coincide con su hash registrado.")
    return data, rendered.sha256


def rendered_docx(version: DocumentVersion) -> tuple[bytes, str]:
    """The version's DOCX and its SHA-256: rendered and stored on the first call, read
    back and verified afterwards. Two first downloads may race: one record wins."""
    rendered = RenderedDocument.objects.filter(version=version).first()
    if rendered is not None:
        return _read_back(rendered, version)
    data = render_docx(version)
    sha = hashlib.sha256(data).hexdigest()
    name = version.storage_name(sha, "docx")
    saved = name if default_storage.exists(name) else default_storage.save(name, ContentFile(data))
    record = RenderedDocument(version=version, sha256=sha, size=len(data))
    record.file.name = saved
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        winner = RenderedDocument.objects.get(version=version)
        if saved != winner.file.name and saved != name:
            default_storage.delete(saved)
        return _read_back(winner, version)
    return data, sha


def download_docx(actor, version: DocumentVersion) -> tuple[bytes, str]:
    """A person downloads a version's DOCX: the file, and the audit event that says who
    took which version's file (its hash included)."""
    data, sha = rendered_docx(version)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="download",
            target=version.request,
            version_hash=version.snapshot_sha256,
            data={"version": version.number, "file_sha256": sha, "format": "docx"},
        )
    return data, sha
