"""Immutable document versions and the DOCX files rendered from them.

A version is a frozen snapshot of a request's content (canonical JSON) written in the
same transaction as the change that made it. Nothing updates or deletes a version:
not the code, not the admin, not a queryset.
"""

from django.conf import settings
from django.db import models
from django.utils.text import get_valid_filename
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

    def _reference(self) -> str:
        return self.snapshot.get("content", {}).get("reference") or ""

    def download_name(self, extension: str) -> str:
        """What a downloaded file of this version is called: COM-2026-00042-v2.pdf."""
        return get_valid_filename(f"{self._reference() or self.request.reference}-v{self.number}.{extension}")

    def storage_name(self, sha: str, extension: str) -> str:
        """Where a rendered file of this version is stored: beside its reference, by hash."""
        folder = get_valid_filename(self._reference() or str(self.request_id))
        return f"documents/{folder}/v{self.number}-{sha[:12]}.{extension}"


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


# The versions that are official documents: approved, or published (which carries the
# approval of the text it publishes). Each gets a verification code and a signed PDF.
OFFICIAL_REASONS = (Reason.APPROVE, Reason.URGENT_PUBLISH, Reason.PUBLISH)
PUBLICATION_REASONS = (Reason.PUBLISH, Reason.URGENT_PUBLISH)


def official_pdf_path(instance, filename):
    return filename


class OfficialDocument(models.Model):
    """The signed PDF of an approved or published version, and the code that finds it.

    Written by the task that produces the PDF (documents.official), after the change that
    made the version committed: a failure (LibreOffice missing, a wrong passphrase) never
    undoes an approval. It goes pendiente → generando → listo, or fallido with the error
    the office reads, and back to pendiente on a retry. Once listo, its file is stored
    under its SHA-256 and verified each time it is read back."""

    class Status(models.TextChoices):
        PENDING = "pendiente", _("Pendiente")
        WORKING = "generando", _("Generando")
        DONE = "listo", _("Listo")
        FAILED = "fallido", _("Fallido")

    version = models.OneToOneField(
        DocumentVersion, on_delete=models.PROTECT, related_name="official", verbose_name=_("versión")
    )
    code = models.CharField(_("código de verificación"), max_length=20, unique=True)
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("PDF firmado"), upload_to=official_pdf_path, max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 del PDF"), max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(_("tamaño (bytes)"), default=0)
    pdfa = models.CharField(_("conformidad PDF/A"), max_length=10, blank=True)
    signer = models.CharField(_("firmado por (certificado)"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("firmado"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("intentos"), default=0)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("documento oficial (PDF firmado)")
        verbose_name_plural = _("documentos oficiales (PDF firmados)")
        indexes = [models.Index(fields=["status", "updated_at"], name="official_status_updated")]

    def __str__(self):
        return f"{self.version} · {self.code}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.sha256)
