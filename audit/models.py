"""Append-only, hash-chained audit events.

Each event belongs to a chain: one per request ("request:<pk>") and one for events that
belong to no request ("global"). Chains never serialize unrelated writers; an event's
hash covers its canonical content and the previous event's hash in its chain.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .write_once import WriteOnceModel

GLOBAL_CHAIN = "global"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit record."""


class AuditEvent(WriteOnceModel):
    write_once_error = AppendOnlyError
    refused_change = "El registro de auditoría no admite modificaciones."
    refused_deletion = "El registro de auditoría no admite eliminaciones."

    chain = models.CharField(_("cadena"), max_length=60, db_index=True)
    sequence = models.PositiveIntegerField(_("posición en la cadena"))
    occurred_at = models.DateTimeField(_("fecha y hora (UTC)"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("usuario"),
    )
    actor_username = models.CharField(_("nombre de usuario"), max_length=150, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("por encargo de"),
    )
    action = models.CharField(_("acción"), max_length=40, db_index=True)
    object_type = models.CharField(_("tipo de objeto"), max_length=60, blank=True)
    object_id = models.CharField(_("id del objeto"), max_length=40, blank=True)
    reference = models.CharField(_("referencia"), max_length=30, blank=True, db_index=True)
    # Copied from the request the event concerns, so the log filters by unit and kind
    # without joining; hashed when set (see hashing.OPTIONAL_HASHED_FIELDS).
    unit = models.ForeignKey(
        "organization.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unidad"),
    )
    request_kind = models.CharField(_("tipo de solicitud"), max_length=20, blank=True, db_index=True)
    from_state = models.CharField(_("estado anterior"), max_length=30, blank=True)
    to_state = models.CharField(_("estado nuevo"), max_length=30, blank=True)
    comment = models.TextField(_("comentario o motivo"), blank=True)
    version_hash = models.CharField(_("hash de la versión"), max_length=64, blank=True)
    data = models.JSONField(_("datos"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("dirección IP"), null=True, blank=True)
    user_agent = models.CharField(_("navegador"), max_length=300, blank=True)
    request_id = models.CharField(_("id de la petición"), max_length=64, blank=True)
    prev_hash = models.CharField(_("hash anterior"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("evento de auditoría")
        verbose_name_plural = _("eventos de auditoría")
        ordering = ["occurred_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence_unique")]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The log's filters, newest first, without a sort over millions of rows.
            models.Index(fields=["action", "occurred_at"], name="audit_action_time_idx"),
            models.Index(fields=["unit", "occurred_at"], name="audit_unit_time_idx"),
            models.Index(fields=["request_kind", "occurred_at"], name="audit_kind_time_idx"),
            models.Index(fields=["actor_username", "occurred_at"], name="audit_actor_time_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.reference}"


class AuditCheckpoint(WriteOnceModel):
    """The heads of every chain at one moment, itself chained to the previous checkpoint,
    sealed with a key the database does not hold and copied to a file outside it.

    A later rewrite of any chain (or the removal of its newest events, or of a whole chain)
    no longer matches the head recorded here; `audit_verify` compares them, and compares the
    checkpoints with their seals and with the outside copy."""

    write_once_error = AppendOnlyError
    refused_change = "Un punto de control de auditoría no admite modificaciones."
    refused_deletion = "Un punto de control de auditoría no admite eliminaciones."

    sequence = models.PositiveIntegerField(_("número"), unique=True)
    created_at = models.DateTimeField(_("fecha y hora (UTC)"))
    created_by = models.CharField(_("creado por"), max_length=150, blank=True)
    chain_count = models.PositiveIntegerField(_("cadenas"))
    event_count = models.PositiveBigIntegerField(_("eventos"))
    # {"<chain>": [<sequence>, "<hash>"], ...} for every chain at that moment.
    heads = models.JSONField(_("cabezas de las cadenas"))
    prev_hash = models.CharField(_("hash anterior"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    # The seal (audit/sealing.py): HMAC-SHA256 of the summary with a key kept outside the
    # database, and the id of that key. Empty only on checkpoints made before seals existed.
    key_id = models.CharField(_("id de la clave"), max_length=40, blank=True, default="")
    mac = models.CharField(_("sello (HMAC)"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("punto de control")
        verbose_name_plural = _("puntos de control")
        ordering = ["sequence"]

    def __str__(self):
        return f"#{self.sequence} {self.created_at:%Y-%m-%d %H:%M} ({self.chain_count} cadenas)"


def export_path(job, filename: str) -> str:
    return f"exports/{job.created_at:%Y/%m}/{job.pk}/{filename}"


class ExportJob(models.Model):
    """A dossier or log export built in the background; only its requester downloads it."""

    class Kind(models.TextChoices):
        REQUEST_DOSSIER = "request_dossier", _("Expediente de una solicitud")
        TRANSPARENCY_DOSSIER = "transparency_dossier", _("Expediente de un pedido de acceso a la información")

    class Status(models.TextChoices):
        PENDING = "pending", _("En cola")
        RUNNING = "running", _("En preparación")
        DONE = "done", _("Listo")
        FAILED = "failed", _("Falló")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("solicitado por")
    )
    # What to export: {"request": <pk>} or {"transparency_request": <pk>}, and options.
    params = models.JSONField(_("parámetros"), default=dict)
    redact = models.BooleanField(_("ocultar datos personales"), default=False)
    title = models.CharField(_("título"), max_length=200)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.PENDING)
    steps_done = models.PositiveIntegerField(_("pasos hechos"), default=0)
    steps_total = models.PositiveIntegerField(_("pasos"), default=0)
    file = models.FileField(_("archivo"), upload_to=export_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("tamaño"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("creado"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("iniciado"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminado"), null=True, blank=True)

    class Meta:
        verbose_name = _("exportación")
        verbose_name_plural = _("exportaciones")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.steps_total:
            return 0
        return min(99, self.steps_done * 100 // self.steps_total)
