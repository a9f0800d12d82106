from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    name = models.CharField(_("nombre"), max_length=200, unique=True)
    short_name = models.CharField(_("nombre corto"), max_length=80, blank=True)
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    phone = models.CharField(_("teléfono"), max_length=50, blank=True)
    email = models.EmailField(_("correo"), blank=True)
    website = models.URLField(_("sitio web"), blank=True)

    class Meta:
        verbose_name = _("municipalidad")
        verbose_name_plural = _("municipalidades")

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A unidad orgánica that asks the communications office for material."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="units", verbose_name=_("municipalidad")
    )
    name = models.CharField(_("nombre"), max_length=150)
    code = models.SlugField(_("código"), max_length=40, unique=True)
    is_active = models.BooleanField(_("activa"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="units", verbose_name=_("miembros")
    )

    class Meta:
        verbose_name = _("unidad orgánica")
        verbose_name_plural = _("unidades orgánicas")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="unit_name_unique")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user belongs to one or more units; a head (jefe) acts for the whole unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("usuario")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unidad"))
    is_head = models.BooleanField(_("jefe de unidad"), default=False)
    joined_on = models.DateField(_("desde"), auto_now_add=True)

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} · {self.unit}"
