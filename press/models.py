"""Media monitoring: the coverage the office finds in the media (seguimiento de la
información emitida por los medios, seeds 000 and 002).

Who may record or edit coverage, the clipping's validation and the audit event live in
press.services; the models only hold the data.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

NOTES_MAX = 2_000


class MediumType(models.TextChoices):
    PRESS = "prensa", _("Prensa escrita")
    RADIO = "radio", _("Radio")
    TV = "tv", _("Televisión")
    DIGITAL = "digital", _("Digital")
    OTHER = "otro", _("Otro")


class Tone(models.TextChoices):
    POSITIVE = "positive", _("Positivo")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negativo")


def clipping_path(instance, filename):
    # The stored name never comes from the client: the service passes a safe one.
    return f"press/clippings/{instance.published_on:%Y/%m}/{filename}"


class Coverage(models.Model):
    """One piece of coverage found in the media: an article, a broadcast, a post."""

    medium = models.CharField(_("medio"), max_length=150)
    medium_type = models.CharField(_("tipo de medio"), max_length=10, choices=MediumType.choices)
    published_on = models.DateField(_("fecha de publicación"), db_index=True)
    headline = models.CharField(_("titular"), max_length=300)
    url = models.URLField(_("enlace"), max_length=500, blank=True)
    clipping = models.FileField(_("recorte"), upload_to=clipping_path, max_length=300, blank=True)
    clipping_name = models.CharField(_("nombre original del recorte"), max_length=200, blank=True)
    clipping_content_type = models.CharField(_("tipo de contenido del recorte"), max_length=100, blank=True)
    clipping_size = models.PositiveIntegerField(_("tamaño del recorte (bytes)"), null=True, blank=True)
    clipping_sha256 = models.CharField(_("SHA-256 del recorte"), max_length=64, blank=True)
    tone = models.CharField(_("tono"), max_length=10, choices=Tone.choices, db_index=True)
    request = models.ForeignKey(
        "workflows.MaterialRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage",
        verbose_name=_("solicitud relacionada"),
    )
    notes = models.TextField(_("notas"), blank=True, validators=[MaxLengthValidator(NOTES_MAX)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registrado por")
    )
    recorded_at = models.DateTimeField(_("registrado el"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado el"), auto_now=True)

    class Meta:
        verbose_name = _("cobertura en medios")
        verbose_name_plural = _("coberturas en medios")
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["published_on", "tone"], name="press_coverage_date_tone")]

    def __str__(self):
        return f"{self.published_on:%d/%m/%Y} · {self.medium} · {self.headline}"
