from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    name = models.CharField(_("nombre"), max_length=200, unique=True)
    short_name = models.CharField(_("nombre corto"), max_length=80, blank=True)
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    phone = models.CharField(_("teléfono"), max_length=50, blank=True)
    email = models.EmailField(_("correo"), blank=True)
    website = models.URLField(_("sitio web"), blank=True)
    # The coat of arms, checked by organization.logos and stored under its hash; set through
    # organization.services.set_logo (the admin's form), never assigned directly.
    logo = models.FileField(_("escudo o logotipo"), max_length=200, blank=True, editable=False)
    logo_sha256 = models.CharField(_("SHA-256 del escudo"), max_length=64, blank=True, editable=False)

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
    # The unit's members as a Django group, so per-object permissions granted to the
    # unit follow membership changes without touching every request.
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="unit"
    )
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


class DelegationQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day, revoked_at__isnull=True)

    def active(self):
        return self.active_on(timezone.localdate())


class Delegation(models.Model):
    """Encargatura: the gerente hands their approval power to a named person for a period,
    by a resolution. It ends by itself after `ends_on` and may be revoked earlier."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given", verbose_name=_("titular")
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("encargado"),
    )
    starts_on = models.DateField(_("desde"))
    ends_on = models.DateField(_("hasta"))
    resolution = models.CharField(_("resolución"), max_length=120)
    notes = models.TextField(_("observaciones"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revocada"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(_("motivo de la revocación"), blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("encargatura")
        verbose_name_plural = _("encargaturas")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="delegation_dates_ordered",
                violation_error_message=_("La fecha de fin no puede ser anterior a la de inicio."),
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")),
                name="delegation_not_to_self",
                violation_error_message=_("No puede encargarse la aprobación a sí mismo."),
            ),
        ]

    def __str__(self):
        return f"{self.delegate} por encargo de {self.delegator} ({self.starts_on} – {self.ends_on})"

    def is_active_on(self, day) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on

    @property
    def is_active(self) -> bool:
        return self.is_active_on(timezone.localdate())
