"""Append-only, hash-chained audit events.

Each event belongs to a chain: one per request ("request:<pk>") and one for events that
belong to no request ("global"). Chains never serialize unrelated writers; an event's
hash covers its canonical content and the previous event's hash in its chain.
"""

from django.conf import settings
from django.db import models
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
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.reference}"
