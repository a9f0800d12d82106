"""The office's directory of media and institutions, its distribution lists, and the
record of each press release sent from it (seeds 000, 001, 002: "directorio de medios",
"difusión de notas de prensa").

People here (journalists, institutional contacts) are never deleted once a distribution
refers to them: they are deactivated (`is_active`), and each delivery keeps a snapshot
of the name and address it was sent to. Emails are stored lowercased and unique per kind
of person; the same address may belong to a journalist and to an institutional contact.

Who reads and who writes: directory.policies. Every write: directory.services.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTES_MAX = 2_000
MESSAGE_MAX = 5_000


class OutletType(models.TextChoices):
    PRESS = "prensa", _("Prensa escrita")
    RADIO = "radio", _("Radio")
    TV = "television", _("Televisión")
    DIGITAL = "digital", _("Digital")


class CoverageArea(models.TextChoices):
    LOCAL = "distrital", _("Distrital")
    LIMA = "lima", _("Lima Metropolitana")
    REGIONAL = "regional", _("Regional")
    NATIONAL = "nacional", _("Nacional")
    INTERNATIONAL = "internacional", _("Internacional")


class ContactKind(models.TextChoices):
    EMBASSY = "embajada", _("Embajada")
    PUBLIC_BODY = "entidad_publica", _("Entidad pública")
    COMPANY = "empresa", _("Empresa")
    SOCIAL_ORGANIZATION = "organizacion_social", _("Organización social")
    OTHER = "otro", _("Otro")


class Tracked(models.Model):
    is_active = models.BooleanField(
        _("activo"), default=True, help_text=_("Desactive en lugar de borrar: el historial de envíos lo conserva.")
    )
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False, null=True
    )

    class Meta:
        abstract = True


class MediaOutlet(Tracked):
    name = models.CharField(_("medio"), max_length=150)
    outlet_type = models.CharField(_("tipo de medio"), max_length=20, choices=OutletType.choices)
    coverage_area = models.CharField(
        _("cobertura"), max_length=20, choices=CoverageArea.choices, default=CoverageArea.NATIONAL
    )
    website = models.URLField(_("sitio web"), max_length=300, blank=True)
    phone = models.CharField(_("teléfono de la redacción"), max_length=40, blank=True)
    email = models.EmailField(_("correo de la redacción"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("medio de comunicación")
        verbose_name_plural = _("medios de comunicación")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="outlet_name_ci_unique")]

    def __str__(self):
        return self.name


class Journalist(Tracked):
    outlet = models.ForeignKey(
        MediaOutlet, on_delete=models.PROTECT, related_name="journalists", verbose_name=_("medio")
    )
    full_name = models.CharField(_("nombre"), max_length=150)
    beat = models.CharField(
        _("fuente"), max_length=80, blank=True, help_text=_("La fuente o sección que cubre: política, locales…")
    )
    phone = models.CharField(_("teléfono"), max_length=40, blank=True)
    email = models.EmailField(_("correo electrónico"), max_length=254, blank=True)
    accreditation_number = models.CharField(_("N.° de acreditación"), max_length=40, blank=True)
    accreditation_valid_until = models.DateField(_("acreditación vigente hasta"), null=True, blank=True)
    notes = models.TextField(_("notas"), blank=True, validators=[MaxLengthValidator(NOTES_MAX)])

    class Meta:
        verbose_name = _("periodista")
        verbose_name_plural = _("periodistas")
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="journalist_email_ci_unique")
        ]
        indexes = [models.Index(fields=["beat"], name="journalist_beat_idx")]

    def __str__(self):
        return f"{self.full_name} ({self.outlet.name})"

    @property
    def accreditation_status(self) -> str:
        """ "vigente", "vencida" or "" (no accreditation recorded)."""
        if not self.accreditation_number and self.accreditation_valid_until is None:
            return ""
        if self.accreditation_valid_until is not None and self.accreditation_valid_until < timezone.localdate():
            return "vencida"
        return "vigente"


class InstitutionalContact(Tracked):
    kind = models.CharField(_("tipo de institución"), max_length=30, choices=ContactKind.choices)
    organization = models.CharField(_("institución"), max_length=200)
    full_name = models.CharField(_("nombre"), max_length=150)
    position = models.CharField(_("cargo"), max_length=150, blank=True)
    phone = models.CharField(_("teléfono"), max_length=40, blank=True)
    email = models.EmailField(_("correo electrónico"), max_length=254, blank=True)
    notes = models.TextField(_("notas"), blank=True, validators=[MaxLengthValidator(NOTES_MAX)])

    class Meta:
        verbose_name = _("contacto institucional")
        verbose_name_plural = _("contactos institucionales")
        ordering = ["organization", "full_name", "pk"]
        constraints = [models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="contact_email_ci_unique")]

    def __str__(self):
        return f"{self.full_name} ({self.organization})"


class DistributionList(Tracked):
    name = models.CharField(_("nombre"), max_length=120)
    description = models.CharField(_("descripción"), max_length=300, blank=True)
    journalists = models.ManyToManyField(Journalist, blank=True, related_name="lists", verbose_name=_("periodistas"))
    contacts = models.ManyToManyField(
        InstitutionalContact, blank=True, related_name="lists", verbose_name=_("contactos institucionales")
    )

    class Meta:
        verbose_name = _("lista de difusión")
        verbose_name_plural = _("listas de difusión")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="distribution_list_name_ci_unique")]

    def __str__(self):
        return self.name


class ImportBatch(models.Model):
    """An uploaded CSV waiting for confirmation. The preview and the import both read the
    content stored here (never a file sent again by the browser), and the confirmation
    checks its hash; once imported (or expired) the content is cleared, the record stays."""

    class Kind(models.TextChoices):
        JOURNALISTS = "periodistas", _("Periodistas")
        CONTACTS = "instituciones", _("Contactos institucionales")

    token = models.UUIDField(unique=True, editable=False)
    kind = models.CharField(_("qué se importa"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("archivo"), max_length=200)
    content = models.TextField(_("contenido"), blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256 del archivo"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))
    row_count = models.PositiveIntegerField(_("filas"), default=0)
    error_count = models.PositiveIntegerField(_("filas con errores"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("subido"), default=timezone.now)
    imported_at = models.DateTimeField(_("importado"), null=True, blank=True)
    imported_count = models.PositiveIntegerField(_("registros importados"), default=0)

    class Meta:
        verbose_name = _("importación de CSV")
        verbose_name_plural = _("importaciones de CSV")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.filename} ({self.get_kind_display()})"


class Distribution(models.Model):
    """One send of a published press release: who sent which published version, when,
    with what subject and message. Written once; its deliveries carry the outcome."""

    request = models.ForeignKey(
        "workflows.MaterialRequest",
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("solicitud"),
    )
    version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("versión publicada")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enviado por")
    )
    created_at = models.DateTimeField(_("enviado"), default=timezone.now, db_index=True)
    subject = models.CharField(_("asunto"), max_length=200)
    message = models.TextField(_("mensaje"), blank=True, validators=[MaxLengthValidator(MESSAGE_MAX)])
    list_names = models.JSONField(_("listas"), default=list, blank=True)

    class Format(models.TextChoices):
        DOCX = "docx", _("DOCX")
        PDF = "pdf", _("PDF firmado")
        BOTH = "ambos", _("PDF firmado y DOCX")

    # What the emails carry (the sender chooses): the DOCX's name and hash in attachment_*
    # (empty when only the PDF went), the signed PDF's in pdf_* (empty when it did not).
    attachment_format = models.CharField(_("adjuntos"), max_length=10, choices=Format.choices, default=Format.DOCX)
    attachment_name = models.CharField(_("adjunto"), max_length=200, blank=True)
    attachment_sha256 = models.CharField(_("SHA-256 del adjunto"), max_length=64, blank=True)
    pdf_name = models.CharField(_("PDF adjunto"), max_length=200, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 del PDF adjunto"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("difusión")
        verbose_name_plural = _("difusiones")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.request.reference} · {self.created_at:%d/%m/%Y %H:%M}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pendiente", _("Pendiente")
        SENDING = "enviando", _("Enviando")
        SENT = "enviado", _("Enviado")
        FAILED = "fallido", _("Fallido")

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="deliveries")
    journalist = models.ForeignKey(Journalist, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contact = models.ForeignKey(InstitutionalContact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Snapshots: what the directory said when the press release was sent.
    name = models.CharField(_("destinatario"), max_length=150)
    organization = models.CharField(_("medio o institución"), max_length=200)
    email = models.EmailField(_("correo"), max_length=254)
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    last_attempt_at = models.DateTimeField(_("último intento"), null=True, blank=True)
    sent_at = models.DateTimeField(_("entregado al servidor de correo"), null=True, blank=True)

    class Meta:
        verbose_name = _("envío")
        verbose_name_plural = _("envíos")
        ordering = ["distribution", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(journalist__isnull=False) & Q(contact__isnull=True))
                | (Q(journalist__isnull=True) & Q(contact__isnull=False)),
                name="delivery_journalist_xor_contact",
            ),
        ]
        indexes = [models.Index(fields=["distribution", "status"], name="delivery_status_idx")]

    def __str__(self):
        return f"{self.name} <{self.email}>: {self.get_status_display()}"

    @property
    def recipient_kind(self) -> str:
        return "periodista" if self.journalist_id else "institucion"
