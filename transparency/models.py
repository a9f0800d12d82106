"""The transparency register: requests for access to public information (solicitudes de
acceso a la información pública, TUO de la Ley 27806, DS 021-2019-JUS).

A citizen asks; the office registers the request, works on it and answers or denies it
within 10 working days (or a later date it communicated in time). The transition methods
only move the state and record the facts of the move; who may call them, the deadlines
and the audit event live in transparency.services.

Their tables belong to the `audit` app (`Meta.app_label`): they were created by its
migrations (audit/0004 on), and the audit chains, content types and permissions of the
register name them `audit.*`. The code lives here, in the transparency app, above
workflows; the audit ledger below knows nothing of it. Moving the tables to a
`transparency` label would be a migration of its own, with data.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

TEXT_MAX = 5_000
SHORT_TEXT_MAX = 2_000


class State(models.TextChoices):
    RECEIVED = "recibida", _("Recibida")
    IN_PROGRESS = "en_atencion", _("En atención")
    EXTENDED = "prorroga_comunicada", _("Prórroga comunicada")
    ANSWERED = "atendida", _("Atendida")
    DENIED = "denegada", _("Denegada")
    ARCHIVED = "archivada", _("Archivada")


# States in which the office still owes the citizen an answer: deadlines run.
OPEN_STATES = (State.RECEIVED, State.IN_PROGRESS, State.EXTENDED)
# States before the extension could be communicated.
BEFORE_EXTENSION = (State.RECEIVED, State.IN_PROGRESS)
# States from which the office answers or denies.
ANSWERABLE = (State.IN_PROGRESS, State.EXTENDED)
# Archived directly from `recibida` (duplicated, withdrawn by the citizen) or once closed.
ARCHIVABLE = (State.RECEIVED, State.ANSWERED, State.DENIED)


class DocumentType(models.TextChoices):
    DNI = "dni", _("DNI")
    CE = "ce", _("Carné de extranjería")
    RUC = "ruc", _("RUC")
    PASSPORT = "pasaporte", _("Pasaporte")


class Channel(models.TextChoices):
    IN_PERSON = "presencial", _("Presencial (mesa de partes)")
    VIRTUAL_DESK = "mesa_virtual", _("Mesa de partes virtual")
    EMAIL = "correo", _("Correo electrónico")
    PORTAL = "portal", _("Portal de transparencia")
    OTHER = "otro", _("Otro")


class Exemption(models.TextChoices):
    """The exceptions to the right of access, TUO de la Ley 27806: secret (art. 15),
    reserved (art. 16) and confidential (art. 17) information."""

    SECRET_MILITARY = "art15_militar", _("Art. 15 · Información secreta: ámbito militar")
    SECRET_INTELLIGENCE = "art15_inteligencia", _("Art. 15 · Información secreta: ámbito de inteligencia")
    RESERVED_INTERNAL = (
        "art16_orden_interno",
        _("Art. 16 · Información reservada: seguridad nacional en el ámbito del orden interno"),
    )
    RESERVED_EXTERNAL = (
        "art16_accion_externa",
        _("Art. 16 · Información reservada: seguridad nacional y eficacia de la acción externa del Estado"),
    )
    CONFIDENTIAL_DELIBERATIVE = (
        "art17_1",
        _(
            "Art. 17.1 · Información confidencial: consejos, recomendaciones u opiniones del proceso deliberativo "
            "previo a una decisión de gobierno"
        ),
    )
    CONFIDENTIAL_SECRECY = (
        "art17_2",
        _(
            "Art. 17.2 · Información confidencial: secreto bancario, tributario, comercial, industrial, tecnológico "
            "o bursátil"
        ),
    )
    CONFIDENTIAL_SANCTIONING = (
        "art17_3",
        _("Art. 17.3 · Información confidencial: investigaciones en trámite de la potestad sancionadora"),
    )
    CONFIDENTIAL_LEGAL = (
        "art17_4",
        _("Art. 17.4 · Información confidencial: preparada por los asesores jurídicos o abogados de la entidad"),
    )
    CONFIDENTIAL_PRIVACY = (
        "art17_5",
        _(
            "Art. 17.5 · Información confidencial: datos personales cuya publicidad invade la intimidad personal "
            "y familiar"
        ),
    )
    CONFIDENTIAL_BY_LAW = (
        "art17_6",
        _("Art. 17.6 · Información confidencial: materias exceptuadas por la Constitución o por una ley"),
    )


class NonWorkingDay(models.Model):
    """A día no laborable decreed by the government (not in the `holidays` package):
    deadlines skip it like a holiday. Edited in the admin."""

    date = models.DateField(_("fecha"), unique=True)
    description = models.CharField(_("descripción"), max_length=200)

    class Meta:
        app_label = "audit"
        verbose_name = _("día no laborable")
        verbose_name_plural = _("días no laborables")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} · {self.description}"


class TransparencyRequest(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("referencia"), max_length=30, unique=True, editable=False)

    # The requester is a citizen, not a user: all of this is personal data.
    requester_name = models.CharField(_("nombre del solicitante"), max_length=200)
    requester_document_type = models.CharField(_("tipo de documento"), max_length=12, choices=DocumentType.choices)
    requester_document_number = models.CharField(_("número de documento"), max_length=20)
    requester_email = models.EmailField(_("correo electrónico"), blank=True)
    requester_phone = models.CharField(_("teléfono"), max_length=40, blank=True)
    requester_address = models.CharField(_("domicilio"), max_length=300, blank=True)

    channel = models.CharField(_("medio de recepción"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("recibida el"))
    requested_information = models.TextField(_("información solicitada"), validators=[MaxLengthValidator(TEXT_MAX)])
    material_requests = models.ManyToManyField(
        "workflows.MaterialRequest", blank=True, related_name="transparency_requests"
    )
    document_versions = models.ManyToManyField("documents.DocumentVersion", blank=True, related_name="+")

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_transparency_requests",
        verbose_name=_("responsable asignado"),
    )
    state = FSMField(
        _("estado"), max_length=30, choices=State.choices, default=State.RECEIVED, protected=True, db_index=True
    )

    # Computed by the service from `received_at` (see deadlines.py) and stored.
    extension_notice_due_on = models.DateField(_("plazo para comunicar la prórroga"), editable=False)
    response_due_on = models.DateField(_("plazo de respuesta"), editable=False, db_index=True)

    extension_communicated_at = models.DateTimeField(_("prórroga comunicada el"), null=True, blank=True, editable=False)
    extension_due_on = models.DateField(_("nueva fecha de entrega"), null=True, blank=True, editable=False)
    extension_justification = models.TextField(_("fundamento de la prórroga"), blank=True, editable=False)
    # The extension was communicated after its deadline: allowed, and said so.
    extension_late = models.BooleanField(_("prórroga comunicada fuera de plazo"), default=False, editable=False)

    response_summary = models.TextField(_("resumen de la respuesta"), blank=True, editable=False)
    answered_at = models.DateTimeField(_("respondida el"), null=True, blank=True, editable=False)
    denial_exemption = models.CharField(
        _("excepción invocada"), max_length=30, choices=Exemption.choices, blank=True, editable=False
    )
    denial_justification = models.TextField(_("fundamento de la denegatoria"), blank=True, editable=False)
    archived_at = models.DateTimeField(_("archivada el"), null=True, blank=True, editable=False)
    archive_reason = models.TextField(_("motivo del archivo"), blank=True, editable=False)

    # Set by the create form once per page load: a second submit finds the entry it made.
    client_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("registrada por"),
    )
    created_at = models.DateTimeField(_("registrada"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        app_label = "audit"
        verbose_name = _("solicitud de acceso a la información")
        verbose_name_plural = _("solicitudes de acceso a la información")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["state", "response_due_on"], name="transparency_state_due_idx")]

    def __str__(self):
        return self.reference

    # --- presentation -------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def current_due_on(self):
        """The date the office must answer by: the new date of a communicated extension,
        else the legal one."""
        return self.extension_due_on or self.response_due_on

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and timezone.localtime(self.answered_at).date() > self.current_due_on

    # --- transitions ----------------------------------------------------------------

    @transition(field=state, source=State.RECEIVED, target=State.IN_PROGRESS)
    def start_attention(self):
        pass

    @transition(field=state, source=list(BEFORE_EXTENSION), target=State.EXTENDED)
    def communicate_extension(self, *, at, due_on, justification, late):
        self.extension_communicated_at = at
        self.extension_due_on = due_on
        self.extension_justification = justification
        self.extension_late = late

    @transition(field=state, source=list(ANSWERABLE), target=State.ANSWERED)
    def answer(self, *, at, summary):
        self.answered_at = at
        self.response_summary = summary

    @transition(field=state, source=list(ANSWERABLE), target=State.DENIED)
    def deny(self, *, at, exemption, justification):
        self.answered_at = at
        self.denial_exemption = exemption
        self.denial_justification = justification

    @transition(field=state, source=list(ARCHIVABLE), target=State.ARCHIVED)
    def archive(self, *, at, reason):
        self.archived_at = at
        self.archive_reason = reason
