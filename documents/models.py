"""Immutable document versions and the DOCX files rendered from them.

A version is a frozen snapshot of a request's content (canonical JSON) written in the
same transaction as the change that made it. Nothing updates or deletes a version:
not the code, not the admin, not a queryset.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.write_once import WriteOnceModel as BaseWriteOnceModel
from workflows.models import MaterialRequest


class ImmutableError(Exception):
    """Raised on any attempt to change or remove a document version."""


class Reason(models.TextChoices):
    SUBMIT = "submit", _("Envío a revisión")
    EDIT = "edit", _("Cambio de contenido")
    APPROVE = "approve", _("Aprobación")
    PUBLISH = "publish", _("Publicación")
    URGENT_PUBLISH = "urgent_publish", _("Publicación urgente")


# The reasons whose version carries the approval block.
APPROVAL_REASONS = (Reason.APPROVE, Reason.URGENT_PUBLISH)


class WriteOnceModel(BaseWriteOnceModel):
    write_once_error = ImmutableError
    refused_change = "Las versiones de documentos no admiten modificaciones."
    refused_deletion = "Las versiones de documentos no admiten eliminaciones."

    class Meta:
        abstract = True


class DocumentVersion(WriteOnceModel):
    request = models.ForeignKey(
        MaterialRequest, on_delete=models.PROTECT, related_name="document_versions", verbose_name=_("solicitud")
    )
    number = models.PositiveIntegerField(_("versión"))
    reason = models.CharField(_("motivo"), max_length=20, choices=Reason.choices)
    state = models.CharField(_("estado al crearla"), max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("creada por")
    )
    created_at = models.DateTimeField(_("creada"))
    snapshot = models.JSONField(_("contenido congelado"))
    snapshot_sha256 = models.CharField(_("SHA-256 del contenido"), max_length=64)

    class Meta:
        verbose_name = _("versión de documento")
        verbose_name_plural = _("versiones de documentos")
        ordering = ["request", "number"]
        constraints = [models.UniqueConstraint(fields=["request", "number"], name="document_version_unique")]

    def __str__(self):
        return f"{self.request.reference} v{self.number}"

    @property
    def is_approval(self) -> bool:
        return self.reason in APPROVAL_REASONS


def rendered_path(instance, filename):
    return filename


class RenderedDocument(WriteOnceModel):
    version = models.OneToOneField(
        DocumentVersion, on_delete=models.PROTECT, related_name="rendered", verbose_name=_("versión")
    )
    file = models.FileField(_("archivo"), upload_to=rendered_path, max_length=300)
    sha256 = models.CharField(_("SHA-256 del archivo"), max_length=64)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))
    rendered_at = models.DateTimeField(_("generado"), auto_now_add=True)

    class Meta:
        verbose_name = _("documento generado")
        verbose_name_plural = _("documentos generados")

    def __str__(self):
        return f"{self.version} · {self.sha256[:12]}"
