"""The civic calendar: civic dates, campaign seasons and official events, the material
each one needs (a "need" per request to be made), lead times per kind, and each user's
secret iCalendar feed token.

Times are local times of settings.TIME_ZONE (America/Lima, which keeps no daylight
saving time): an event is a start date and an end date (inclusive), with a start and
end time unless it lasts all day.
"""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organization.models import Unit
from workflows.models import Kind, MaterialRequest, PublicationFormat, State

DESCRIPTION_MAX = 5_000
MAX_LEAD_DAYS = 120
# How long an event may last: a campaign season of a few months, not an open-ended one.
MAX_EVENT_DAYS = 366


class Category(models.TextChoices):
    CIVIC_DATE = "fecha_civica", _("Fecha cívica")
    CAMPAIGN_SEASON = "campana", _("Campaña o temporada")
    CEREMONY = "ceremonia", _("Ceremonia")
    PRESS_CONFERENCE = "conferencia_prensa", _("Conferencia de prensa")
    MAYOR_AGENDA = "agenda_alcalde", _("Agenda del alcalde")
    OTHER = "otro", _("Otro evento oficial")


class LeadTime(models.Model):
    """How many working days before an event its material must be ready (the requested-by
    date of the request it spawns), per request kind and, for publications, per format.
    A row with an empty format is the kind's default. Edited in the admin; a need keeps
    the lead time it was computed with."""

    kind = models.CharField(_("tipo de solicitud"), max_length=20, choices=Kind.choices)
    publication_format = models.CharField(
        _("formato de publicación"),
        max_length=30,
        choices=PublicationFormat.choices,
        blank=True,
        help_text=_("Solo para publicaciones; vacío: cualquier formato."),
    )
    working_days = models.PositiveSmallIntegerField(
        _("días hábiles de anticipación"), validators=[MaxValueValidator(MAX_LEAD_DAYS)]
    )
    note = models.CharField(_("justificación"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("anticipación por tipo")
        verbose_name_plural = _("anticipaciones por tipo")
        ordering = ["kind", "publication_format"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "publication_format"], name="leadtime_kind_format_unique"),
            models.CheckConstraint(
                condition=Q(publication_format="") | Q(kind=Kind.PUBLICATION),
                name="leadtime_format_only_for_publications",
                violation_error_message=_("El formato solo se indica para publicaciones."),
            ),
        ]

    def __str__(self):
        what = self.get_kind_display()
        if self.publication_format:
            what = f"{what} · {self.get_publication_format_display()}"
        return f"{what}: {self.working_days}"


class CalendarEvent(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("título"), max_length=200)
    category = models.CharField(_("categoría"), max_length=30, choices=Category.choices, db_index=True)
    description = models.TextField(_("descripción"), blank=True, validators=[MaxLengthValidator(DESCRIPTION_MAX)])
    start_date = models.DateField(_("fecha de inicio"), db_index=True)
    end_date = models.DateField(_("fecha de fin"), db_index=True)
    all_day = models.BooleanField(_("todo el día"), default=True)
    start_time = models.TimeField(_("hora de inicio"), null=True, blank=True)
    end_time = models.TimeField(_("hora de fin"), null=True, blank=True)
    place = models.CharField(_("lugar"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calendar_events",
        verbose_name=_("unidad responsable"),
    )
    internal = models.BooleanField(
        _("reservado"),
        default=False,
        help_text=_("Solo lo ven la oficina de comunicaciones y la unidad responsable."),
    )
    cancelled_at = models.DateTimeField(_("anulado"), null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("motivo de la anulación"), blank=True, editable=False)
    # Bumped by every change: the iCalendar SEQUENCE, and the stale-page check of the forms.
    revision = models.PositiveIntegerField(_("revisión"), default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("evento del calendario")
        verbose_name_plural = _("eventos del calendario")
        ordering = ["start_date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="calendarevent_dates_ordered",
                violation_error_message=_("La fecha de fin no puede ser anterior a la de inicio."),
            ),
            models.CheckConstraint(
                condition=Q(all_day=True, start_time__isnull=True, end_time__isnull=True)
                | Q(all_day=False, start_time__isnull=False),
                name="calendarevent_times_match_all_day",
                violation_error_message=_("Un evento de todo el día no lleva hora; uno con hora, la de inicio."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.start_date:%d/%m/%Y})"

    def clean(self):
        errors = {}
        if self.start_date and self.end_date:
            if self.end_date < self.start_date:
                errors["end_date"] = _("La fecha de fin no puede ser anterior a la de inicio.")
            elif (self.end_date - self.start_date).days >= MAX_EVENT_DAYS:
                errors["end_date"] = _("Un evento no puede durar más de un año.")
        if self.all_day:
            self.start_time = self.end_time = None
        elif self.start_time is None:
            errors["start_time"] = _("Indique la hora de inicio o marque «todo el día».")
        elif (
            self.end_time is not None
            and self.start_date == self.end_date
            and self.end_time <= self.start_time
            and not errors.get("end_date")
        ):
            errors["end_time"] = _("La hora de fin debe ser posterior a la de inicio.")
        if errors:
            raise ValidationError(errors)

    # --- presentation -----------------------------------------------------------------

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def starts_at(self) -> datetime | None:
        """The aware start, for timed events."""
        if self.all_day or self.start_time is None:
            return None
        return datetime.combine(self.start_date, self.start_time, tzinfo=self.timezone)

    @property
    def ends_at(self) -> datetime | None:
        """The aware end of a timed event: its end time, else one hour after it starts."""
        if self.all_day or self.start_time is None:
            return None
        if self.end_time is None:
            return datetime.combine(self.end_date, self.start_time, tzinfo=self.timezone) + timedelta(hours=1)
        return datetime.combine(self.end_date, self.end_time, tzinfo=self.timezone)

    def days(self) -> list[date]:
        return [self.start_date + timedelta(days=n) for n in range((self.end_date - self.start_date).days + 1)]

    def event_time(self) -> time | None:
        return None if self.all_day else self.start_time


class NeedStatus(models.TextChoices):
    """Where a need stands, read from the request it spawned."""

    NO_REQUEST = "sin_solicitud", _("Sin solicitud")
    NOT_SUBMITTED = "no_enviada", _("No enviada")
    IN_PROGRESS = "en_tramite", _("En trámite, sin aprobar")
    CANCELLED = "anulada", _("Solicitud anulada")
    DONE = "lista", _("Aprobada")


class EventNeed(models.Model):
    """A request an event needs: a speech for the mayor, a press release, a campaign, a
    sign. Its requested-by date is the event's start counted back by the lead time;
    spawning creates the draft request and links it here."""

    event = models.ForeignKey(CalendarEvent, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("tipo de solicitud"), max_length=20, choices=Kind.choices)
    publication_format = models.CharField(
        _("formato de publicación"), max_length=30, choices=PublicationFormat.choices, blank=True
    )
    title = models.CharField(_("título"), max_length=200)
    lead_days = models.PositiveSmallIntegerField(
        _("días hábiles de anticipación"), validators=[MaxValueValidator(MAX_LEAD_DAYS)]
    )
    requested_by = models.DateField(_("fecha requerida"))
    request = models.OneToOneField(
        MaterialRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calendar_need",
        verbose_name=_("solicitud"),
    )
    spawned_at = models.DateTimeField(_("generada"), null=True, blank=True)
    spawned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Spawned after its requested-by date had passed (the office confirmed it): the
    # request asks for today, and the need counts as late until it is approved.
    spawned_late = models.BooleanField(_("generada fuera de plazo"), default=False)
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True)

    class Meta:
        verbose_name = _("material necesario")
        verbose_name_plural = _("material necesario")
        ordering = ["requested_by", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(publication_format="") | Q(kind=Kind.PUBLICATION),
                name="eventneed_format_only_for_publications",
                violation_error_message=_("El formato solo se indica para publicaciones."),
            ),
        ]

    def __str__(self):
        return f"{self.title} · {self.event}"

    @property
    def kind_label(self) -> str:
        if self.kind == Kind.PUBLICATION and self.publication_format:
            return str(PublicationFormat(self.publication_format).label)
        return str(Kind(self.kind).label)

    def status(self) -> NeedStatus:
        request = self.request
        if request is None:
            return NeedStatus.NO_REQUEST
        if request.state == State.DRAFT:
            return NeedStatus.NOT_SUBMITTED
        if request.state in (State.IN_REVIEW, State.PENDING_APPROVAL):
            return NeedStatus.IN_PROGRESS
        if request.state == State.CANCELLED:
            return NeedStatus.CANCELLED
        # Approved, published (delivered, installed), or published and then withdrawn.
        return NeedStatus.DONE

    def is_late(self, today: date) -> bool:
        """Its requested-by date has passed (or it was spawned already overdue) and its
        request is not yet at least approved."""
        if self.status() == NeedStatus.DONE:
            return False
        return self.requested_by < today or self.spawned_late


class FeedToken(models.Model):
    """The secret in a user's iCalendar feed address (calendar clients cannot log in).
    Regenerating replaces it; revoking removes it: the old address then answers 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("usuario")
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("creado"), auto_now=True)

    class Meta:
        verbose_name = _("suscripción al calendario")
        verbose_name_plural = _("suscripciones al calendario")

    def __str__(self):
        return str(self.user)
