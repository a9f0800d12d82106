"""Sending a published press release to the directory (difusión de notas de prensa).

- `distribute` runs in one transaction: it re-reads the request under its lock, checks
  that it is a published press release (409) and that the actor may send it (403),
  resolves the recipients (the members of the chosen lists and the people picked one by
  one; inactive people and people without an email are skipped, and said so), writes one
  `Distribution` and one pending `Delivery` per address, and the audit event on the
  request's chain. The emails leave after commit, through the task queue
  (core/taskqueue.py), so nothing is sent for a send that was rolled back.
- `deliver` (the task) sends one email per delivery, each with the published version's
  DOCX attached: the very bytes the audited download serves (documents.services
  .rendered_docx, checked against the hash stored when it was rendered, and against the
  hash recorded on the distribution). Each delivery ends `enviado` or `fallido` with the
  error; one audit event per run says how many left and which failed, as the system on
  the sender's behalf.
- `retry_failed` sets the failed deliveries of a distribution back to pending (audited)
  and hands them to the task queue again.

Sending twice is allowed (a corrected list, a late outlet): the page shows every send.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record_event
from core import taskqueue
from documents import official
from documents.models import DocumentVersion, Reason
from documents.services import docx_filename, rendered_docx
from organization.selectors import municipality_name
from workflows.exceptions import ActionNotAvailable, InvalidInput
from workflows.models import MaterialRequest

from . import policies
from .models import MESSAGE_MAX, Delivery, Distribution, InstitutionalContact, Journalist

logger = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUBJECT_MAX = 200
ERROR_MAX = 1_000
# A delivery left "enviando" this long was abandoned by a stopped worker: retry takes it.
ABANDONED_AFTER = timedelta(minutes=15)


def published_version(material_request) -> DocumentVersion | None:
    """The version the publication put out: the newest of its publish versions."""
    return (
        DocumentVersion.objects.filter(request=material_request, reason__in=[Reason.PUBLISH, Reason.URGENT_PUBLISH])
        .order_by("-number")
        .first()
    )


def default_subject(material_request) -> str:
    return (_("Nota de prensa: %(title)s") % {"title": material_request.title})[:SUBJECT_MAX]


@dataclass
class Recipient:
    journalist: Journalist | None
    contact: InstitutionalContact | None
    name: str
    organization: str
    email: str


@dataclass
class Recipients:
    chosen: list[Recipient] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (who, why)

    def skip_text(self) -> str:
        return "; ".join(f"{who} ({why})" for who, why in self.skipped)


def resolve_recipients(*, lists=(), journalists=(), contacts=()) -> Recipients:
    """The addresses a send reaches, once each. People picked one by one must be active
    with an email (a form offers only those; anything else is refused); list members who
    are not are skipped, and named in the result."""
    refused = [str(p) for p in [*journalists, *contacts] if not p.is_active or not p.email]
    if refused:
        raise InvalidInput(
            _("No se puede enviar a personas desactivadas o sin correo: %(who)s.") % {"who": ", ".join(refused)},
            field_errors={"journalists": [_("Quite a las personas desactivadas o sin correo.")]},
        )
    list_ids = [item.pk for item in lists]
    people_j = list(journalists) + list(
        Journalist.objects.filter(lists__in=list_ids).select_related("outlet").distinct().order_by("full_name", "pk")
    )
    people_c = list(contacts) + list(
        InstitutionalContact.objects.filter(lists__in=list_ids).distinct().order_by("organization", "full_name", "pk")
    )
    result = Recipients()
    seen: set[str] = set()
    for person in [*people_j, *people_c]:
        is_journalist = isinstance(person, Journalist)
        label = str(person)
        if not person.is_active:
            if (label, _("desactivado")) not in result.skipped:
                result.skipped.append((label, _("desactivado")))
            continue
        if not person.email:
            if (label, _("sin correo")) not in result.skipped:
                result.skipped.append((label, _("sin correo")))
            continue
        if person.email in seen:
            continue
        seen.add(person.email)
        result.chosen.append(
            Recipient(
                journalist=person if is_journalist else None,
                contact=None if is_journalist else person,
                name=person.full_name,
                organization=person.outlet.name if is_journalist else person.organization,
                email=person.email,
            )
        )
    return result


def _lock(material_request) -> MaterialRequest:
    return (
        MaterialRequest.objects.select_for_update(of=("self",))
        .select_related("publication_details", "unit")
        .get(pk=material_request.pk)
    )


def _check(actor, current) -> None:
    if not policies.is_press_release(current):
        raise ActionNotAvailable(_("Solo se difunden las notas de prensa."))
    policies.check_distributable(current)
    policies.check_distributor(actor, current)


def distribute(
    actor,
    material_request,
    *,
    lists=(),
    journalists=(),
    contacts=(),
    subject: str = "",
    message: str = "",
    attachment_format: str = Distribution.Format.DOCX,
    enqueue: bool = True,
) -> tuple[Distribution, Recipients]:
    subject = " ".join((subject or "").split()) or default_subject(material_request)
    message = (message or "").strip()
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(
            _("El asunto pasa de %(max)d caracteres.") % {"max": SUBJECT_MAX},
            field_errors={"subject": [_("Texto demasiado largo.")]},
        )
    if len(message) > MESSAGE_MAX:
        raise InvalidInput(
            _("El mensaje pasa de %(max)d caracteres.") % {"max": MESSAGE_MAX},
            field_errors={"message": [_("Texto demasiado largo.")]},
        )
    with transaction.atomic():
        current = _lock(material_request)
        _check(actor, current)
        version = published_version(current)
        if version is None:
            raise ActionNotAvailable(_("La nota publicada no tiene versión de documento que adjuntar."))
        recipients = resolve_recipients(lists=lists, journalists=journalists, contacts=contacts)
        if not recipients.chosen:
            text = _("No hay destinatarios: elija al menos una lista o una persona con correo activo.")
            if recipients.skipped:
                text += " " + _("Se omitieron: %(who)s.") % {"who": recipients.skip_text()}
            raise InvalidInput(text, field_errors={"lists": [_("Elija destinatarios.")]})
        files = _attachment_fields(version, attachment_format)
        distribution = Distribution.objects.create(
            request=current,
            version=version,
            sent_by=actor,
            subject=subject,
            message=message,
            list_names=sorted(item.name for item in lists),
            attachment_format=attachment_format,
            **files,
        )
        Delivery.objects.bulk_create(
            Delivery(
                distribution=distribution,
                journalist=recipient.journalist,
                contact=recipient.contact,
                name=recipient.name[:150],
                organization=recipient.organization[:200],
                email=recipient.email,
            )
            for recipient in recipients.chosen
        )
        previous = Distribution.objects.filter(request=current).exclude(pk=distribution.pk).count()
        record_event(
            actor=actor,
            action="distribution_send",
            target=current,
            version_hash=version.snapshot_sha256,
            comment=subject,
            data={
                "distribution": distribution.pk,
                "version": version.number,
                "file_sha256": files["attachment_sha256"],
                "pdf_sha256": files["pdf_sha256"],
                "format": attachment_format,
                "lists": distribution.list_names,
                "recipients": len(recipients.chosen),
                "skipped": len(recipients.skipped),
                "previous_sends": previous,
            },
        )
        if enqueue:
            _enqueue(distribution.pk, None)
    return distribution, recipients


def _attachment_fields(version: DocumentVersion, attachment_format: str) -> dict:
    """The names and hashes of the files the sender chose. The signed PDF must be ready:
    a press release is not sent with a document that is not there."""
    if attachment_format not in Distribution.Format.values:
        raise InvalidInput(_("Elija qué adjuntar: el PDF firmado, el DOCX o ambos."))
    fields = {"attachment_name": "", "attachment_sha256": "", "pdf_name": "", "pdf_sha256": ""}
    if attachment_format in (Distribution.Format.DOCX, Distribution.Format.BOTH):
        _data, sha = rendered_docx(version)
        fields.update(attachment_name=docx_filename(version), attachment_sha256=sha)
    if attachment_format in (Distribution.Format.PDF, Distribution.Format.BOTH):
        try:
            _data, record = official.official_pdf(version)
        except official.OfficialPdfUnavailable as error:
            raise InvalidInput(
                _("El PDF firmado de la nota aún no está disponible: envíe el DOCX o espere a que se genere."),
                field_errors={"attachment_format": [str(error)]},
            ) from error
        fields.update(pdf_name=official.pdf_filename(version), pdf_sha256=record.sha256)
    return fields


def _attachments(distribution: Distribution) -> list[tuple[str, bytes, str]]:
    """The files to attach, each read back and checked against the hash recorded when the
    press release was sent."""
    files = []
    if distribution.attachment_sha256:
        data, sha = rendered_docx(distribution.version)
        if sha != distribution.attachment_sha256:
            raise ValueError(_("el DOCX publicado no coincide con el hash registrado al difundirlo"))
        files.append((distribution.attachment_name, data, DOCX_TYPE))
    if distribution.pdf_sha256:
        data, record = official.official_pdf(distribution.version)
        if record.sha256 != distribution.pdf_sha256:
            raise ValueError(_("el PDF firmado no coincide con el hash registrado al difundirlo"))
        files.append((distribution.pdf_name, data, "application/pdf"))
    return files


def _enqueue(distribution_id: int, delivery_ids: list[int] | None) -> None:
    from . import tasks

    taskqueue.on_commit_enqueue(tasks.send_distribution, distribution_id, delivery_ids)


def retry_failed(actor, distribution: Distribution, *, enqueue: bool = True) -> list[int]:
    """Send the failed deliveries of a distribution again (and any a stopped worker left
    half-way). Returns their ids."""
    with transaction.atomic():
        current = _lock(distribution.request)
        _check(actor, current)
        stale = timezone.now() - ABANDONED_AFTER
        ids = list(
            Delivery.objects.filter(distribution=distribution)
            .filter(Q(status=Delivery.Status.FAILED) | Q(status=Delivery.Status.SENDING, last_attempt_at__lt=stale))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise ActionNotAvailable(_("No hay envíos fallidos que reintentar en esta difusión."))
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING)
        record_event(
            actor=actor,
            action="distribution_retry",
            target=current,
            data={"distribution": distribution.pk, "deliveries": ids},
        )
        if enqueue:
            _enqueue(distribution.pk, ids)
    return ids


# --- the task ---------------------------------------------------------------------------------


def _body(distribution: Distribution) -> str:
    material_request = distribution.request
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "directory/email/press_release.txt",
            {
                "distribution": distribution,
                "item": material_request,
                "municipality": municipality_name(),
            },
        )


def _finish(delivery_id: int, *, error: str = "") -> None:
    now = timezone.now()
    if error:
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED, error=error[:ERROR_MAX])
    else:
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SENT, error="", sent_at=now)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


def deliver(distribution_id: int, delivery_ids: list[int] | None = None, *, connection=None) -> dict:
    """Send the pending deliveries of a distribution (all, or those listed). Each one is
    claimed first (pending → enviando), so two runs never send the same email twice."""
    distribution = Distribution.objects.select_related("request", "version", "sent_by").get(pk=distribution_id)
    pending = Delivery.objects.filter(distribution=distribution, status=Delivery.Status.PENDING)
    if delivery_ids is not None:
        pending = pending.filter(pk__in=delivery_ids)
    targets = list(pending.order_by("pk").values_list("pk", "email"))
    sent, failed = [], []
    if not targets:
        return {"sent": 0, "failed": 0}

    def fail_all(reason: str):
        for delivery_id, _email in targets:
            claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=timezone.now()
            )
            if claimed:
                _finish(delivery_id, error=reason)
                failed.append({"delivery": delivery_id, "error": reason[:200]})

    try:
        files = _attachments(distribution)
    except Exception as error:
        logger.exception("distribution %s: no attachment", distribution_id)
        fail_all(_("No se pudo preparar el adjunto: %(error)s") % {"error": _describe(error)})
        _record_result(distribution, sent, failed)
        return {"sent": 0, "failed": len(failed)}
    body = _body(distribution)
    connection = connection or get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:
        logger.exception("distribution %s: mail server unreachable", distribution_id)
        fail_all(_("No se pudo conectar con el servidor de correo: %(error)s") % {"error": _describe(error)})
        _record_result(distribution, sent, failed)
        return {"sent": 0, "failed": len(failed)}
    try:
        for delivery_id, email in targets:
            claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=timezone.now()
            )
            if not claimed:
                continue
            message = EmailMessage(
                subject=distribution.subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email],
                connection=connection,
            )
            for name, data, content_type in files:
                message.attach(name, data, content_type)
            try:
                if not message.send():
                    raise RuntimeError(_("el servidor de correo no aceptó el mensaje"))
            except Exception as error:
                logger.warning("distribution %s: delivery %s failed: %s", distribution_id, delivery_id, error)
                reason = _describe(error)
                _finish(delivery_id, error=reason)
                failed.append({"delivery": delivery_id, "error": reason[:200]})
            else:
                _finish(delivery_id)
                sent.append(delivery_id)
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("distribution %s: could not close the mail connection", distribution_id)
    _record_result(distribution, sent, failed)
    return {"sent": len(sent), "failed": len(failed)}


def _record_result(distribution: Distribution, sent: list, failed: list) -> None:
    if not sent and not failed:
        return
    with transaction.atomic():
        record_event(
            actor=None,
            on_behalf_of=distribution.sent_by,
            action="distribution_result",
            target=distribution.request,
            data={"distribution": distribution.pk, "sent": len(sent), "failed": failed},
        )
