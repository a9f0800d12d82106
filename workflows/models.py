"""The material request: four kinds, one lifecycle (see ../shared/DESIGN.md).

The transition methods only move the state and record the facts of the move; who may
call them, the audit event and everything else live in workflows.services.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from audit.write_once import WriteOnceModel
from organization.models import Unit

# The states live in the lifecycle specification; most code reads them from here.
from .lifecycle import EDITABLE_STATES as EDITABLE_STATES
from .lifecycle import OPEN_STATES as OPEN_STATES
from .lifecycle import TRANSITIONS, State, fsm_arguments


class Kind(models.TextChoices):
    PUBLICATION = "publication", _("Publicación")
    CAMPAIGN = "campaign", _("Campaña")
    SPEECH = "speech", _("Discurso del Alcalde")
    SIGNAGE = "signage", _("Señalización de locales")


# The final step reads per kind: a speech is delivered, a sign is installed. Each label
# agrees with its noun: the request (la solicitud, like every other state), the sign (la
# señalización), and the speech, named since a request is not what gets delivered.
PUBLISHED_LABELS = {
    Kind.PUBLICATION: _("Publicada"),
    Kind.CAMPAIGN: _("Publicada"),
    Kind.SPEECH: _("Discurso pronunciado"),
    Kind.SIGNAGE: _("Instalada"),
}
# Who registered that final step, as the request page's facts name it.
PUBLISHED_BY_LABELS = {
    Kind.PUBLICATION: _("Publicación registrada por"),
    Kind.CAMPAIGN: _("Publicación registrada por"),
    Kind.SPEECH: _("Discurso registrado como pronunciado por"),
    Kind.SIGNAGE: _("Instalación registrada por"),
}

# Amounts of money among the kinds' details, and what pages call them: the amount itself
# says its currency (core.wording.money), so the label needs none.
MONEY_FIELDS = {"budget": _("presupuesto")}

# Text sizes: generous for real material, bounded so one form cannot fill the database.
SHORT_TEXT_MAX = 2_000
SUMMARY_MAX = 1_000
BODY_MAX = 60_000


class ReferenceSequence(models.Model):
    """The last reference number handed out per prefix and year."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_sequence_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"


def _state_only(method_name: str):
    """A transition of the specification that changes nothing but the state (who did it,
    when and why are the audit event's)."""

    def change_state(self, **kwargs):
        pass

    change_state.__name__ = change_state.__qualname__ = method_name
    return transition(**fsm_arguments(method_name))(change_state)


class SpecifiedTransitions:
    """Every transition the lifecycle specification declares, as django-fsm-2 methods that
    change only the state: a row added to the specification is a legal transition at once.
    MaterialRequest overrides those that record something of their own on the request."""


for _row in TRANSITIONS:
    setattr(SpecifiedTransitions, _row.method, _state_only(_row.method))


class MaterialRequest(SpecifiedTransitions, ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("referencia"), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices, editable=False, db_index=True)
    title = models.CharField(_("título"), max_length=200)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="requests", verbose_name=_("unidad solicitante")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_requests", verbose_name=_("autor")
    )
    requested_by = models.DateField(_("fecha requerida"))
    summary = models.TextField(_("resumen"), validators=[MaxLengthValidator(SUMMARY_MAX)])
    body = models.TextField(_("contenido"), blank=True, validators=[MaxLengthValidator(BODY_MAX)])
    emergency = models.BooleanField(
        _("mensaje de emergencia o prevención"),
        default=False,
        help_text=_("Habilita la publicación urgente por el gerente, con revisión posterior."),
    )
    state = FSMField(
        _("estado"), max_length=30, choices=State.choices, default=State.DRAFT, protected=True, db_index=True
    )
    # Set by the create form once per page load: a second submit of that page finds the
    # request it already made instead of creating a duplicate.
    client_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Bumped by every edit and transition: a form carries it, so a stale page is caught.
    revision = models.PositiveIntegerField(_("revisión"), default=1, editable=False)

    created_at = models.DateTimeField(_("creada"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)
    # The last-decision columns (submitted_at, forwarded_by, approved_*, urgent_reviewed_*,
    # published_by/_at) are a cache of the decisions that still stand
    # (workflows.selectors.standing_decisions over the `Decision` rows): written by the
    # transition methods below, inside the same `_transition` that writes the row, at the
    # same moment, and overwritten when a step is redone. They stay because the policy's
    # SQL (who published or approved), the inbox, the lists, the press archive and the
    # document's approval block filter and join on them; the record is the rows, and
    # tests/workflows/test_decisions.py checks the cache says what the rows say.
    submitted_at = models.DateTimeField(_("enviada"), null=True, blank=True, editable=False)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(_("aprobada"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    approved_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # The urgent path: published at once by the gerente, flagged until a second person
    # reviews it afterwards.
    urgent = models.BooleanField(_("publicación urgente"), default=False, editable=False, db_index=True)
    urgent_reason = models.TextField(_("motivo de la urgencia"), blank=True, editable=False)
    urgent_reviewed_at = models.DateTimeField(_("revisión posterior"), null=True, blank=True, editable=False)
    urgent_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    published_at = models.DateTimeField(_("publicada"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    publication_channel = models.CharField(_("medio de publicación"), max_length=120, blank=True, editable=False)
    publication_date = models.DateField(_("fecha de publicación"), null=True, blank=True, editable=False)
    publication_url = models.URLField(_("enlace publicado"), max_length=500, blank=True, editable=False)
    # Scheduled publication (workflows.scheduling): the publicador sets an approved request
    # to be published at a moment; the periodic job publishes it then, as the system on
    # their behalf, if it is still approved at the revision they scheduled.
    publish_scheduled_at = models.DateTimeField(
        _("publicación programada para"), null=True, blank=True, editable=False, db_index=True
    )
    publish_scheduled_channel = models.CharField(_("medio programado"), max_length=120, blank=True, editable=False)
    publish_scheduled_url = models.URLField(_("enlace programado"), max_length=500, blank=True, editable=False)
    publish_scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    publish_scheduled_on = models.DateTimeField(_("programada el"), null=True, blank=True, editable=False)
    publish_scheduled_revision = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("motivo de anulación"), blank=True, editable=False)
    withdrawal_reason = models.TextField(_("motivo público del retiro"), blank=True, editable=False)

    class Meta:
        verbose_name = _("solicitud")
        verbose_name_plural = _("solicitudes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "state"], name="request_unit_state_idx")]
        # Granted per object by workflows.permissions as the request moves.
        permissions = [
            ("submit_materialrequest", _("Enviar a revisión")),
            ("review_materialrequest", _("Revisar: derivar u observar")),
            ("approve_materialrequest", _("Decidir la aprobación")),
            ("publish_materialrequest", _("Registrar la publicación")),
            ("cancel_materialrequest", _("Anular")),
            ("withdraw_materialrequest", _("Retirar la publicación")),
            ("postreview_materialrequest", _("Revisar después una publicación urgente")),
        ]

    def __str__(self):
        return f"{self.reference} · {self.title}"

    # --- presentation -------------------------------------------------------------

    @property
    def state_label(self) -> str:
        if self.state == State.PUBLISHED:
            return str(PUBLISHED_LABELS[Kind(self.kind)])
        return State(self.state).label

    @property
    def published_by_label(self) -> str:
        return str(PUBLISHED_BY_LABELS[Kind(self.kind)])

    @property
    def details(self):
        """The kind-specific record (PublicationDetails, CampaignDetails...)."""
        return getattr(self, f"{self.kind}_details", None)

    # --- transitions ----------------------------------------------------------------

    @transition(**fsm_arguments("submit"))
    def submit(self, at):
        self.submitted_at = at

    @transition(**fsm_arguments("forward"))
    def forward(self, by):
        self.forwarded_by = by

    @transition(**fsm_arguments("return_to_unit"))
    def return_to_unit(self):
        self.forwarded_by = None

    @transition(**fsm_arguments("approve"))
    def approve(self, by, at, on_behalf_of=None):
        self.approved_by = by
        self.approved_at = at
        self.approved_on_behalf_of = on_behalf_of

    @transition(**fsm_arguments("reject"))
    def reject(self, reason):
        self.cancel_reason = reason

    @transition(**fsm_arguments("reopen"))
    def reopen(self):
        """Content changed after approval: the approval no longer covers it."""
        self.approved_by = None
        self.approved_at = None
        self.approved_on_behalf_of = None

    @transition(**fsm_arguments("publish"))
    def publish(self, by, at, channel, date, url):
        self._record_publication(by, at, channel, date, url)

    def _record_publication(self, by, at, channel, date, url):
        self.published_by = by
        self.published_at = at
        self.publication_channel = channel
        self.publication_date = date
        self.publication_url = url

    def is_urgent_eligible(self) -> bool:
        """Emergency and prevention messages may take the urgent path."""
        campaign = getattr(self, "campaign_details", None) if self.kind == Kind.CAMPAIGN else None
        return self.emergency or (campaign is not None and campaign.campaign_type == CampaignType.PREVENTION)

    def awaits_post_review(self) -> bool:
        return self.urgent and self.urgent_reviewed_at is None

    @transition(**fsm_arguments("publish_urgently"))
    def publish_urgently(self, by, at, channel, date, url, reason):
        """The gerente approves and publishes at once; flagged until reviewed afterwards."""
        self.approved_by = by
        self.approved_at = at
        self.urgent = True
        self.urgent_reason = reason
        self._record_publication(by, at, channel, date, url)

    @transition(**fsm_arguments("review_after_publication"))
    def review_after_publication(self, by, at):
        self.urgent_reviewed_by = by
        self.urgent_reviewed_at = at

    @transition(**fsm_arguments("cancel"))
    def cancel(self, reason):
        self.cancel_reason = reason

    @transition(**fsm_arguments("withdraw"))
    def withdraw(self, reason):
        self.withdrawal_reason = reason


class DecisionImmutable(Exception):
    """Raised on any attempt to change or remove a recorded decision."""


class Decision(WriteOnceModel):
    """One state change of a request, as it was decided: written once, by
    `workflows.services` in the transaction of the change, and never changed.

    Every transition of the lifecycle (workflows.lifecycle: submit, forward, observe,
    approve, return, reject, publish, urgent_publish, post_review, cancel, withdraw, and
    the `reopen` an edit of an approved request causes) leaves one row, so a step that is
    redone (observed, resubmitted, forwarded again) keeps every earlier decision. The audit
    event written with it names it (`data["decision"]`, this row's id) and the row points
    back at that event: the hash chain vouches for what the row says.

    The request's last-decision columns (approved_by, published_by…) are a cache of the
    newest rows, written by the same transition (see `MaterialRequest`)."""

    write_once_error = DecisionImmutable
    refused_change = "Una decisión registrada no admite modificaciones."
    refused_deletion = "Una decisión registrada no admite eliminaciones."

    # Known before the row is written, so the audit event can name it: one INSERT each.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        MaterialRequest, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("solicitud")
    )
    action = models.CharField(_("acción"), max_length=40)  # the code of a row of workflows.lifecycle
    from_state = models.CharField(_("estado anterior"), max_length=30, choices=State.choices)
    to_state = models.CharField(_("estado nuevo"), max_length=30, choices=State.choices)
    # Whose decision it is; empty only for a migrated event that named nobody.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("decidió"),
    )
    # The gerente an encargado stood in for (organization.Delegation), when any.
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("por encargo de"),
    )
    # A scheduled job carried out the actor's decision (workflows.scheduling).
    by_system = models.BooleanField(_("ejecutada por una tarea programada"), default=False)
    reason = models.TextField(_("motivo o comentario"), blank=True)
    # The version frozen with the change (submit, approve, publish, urgent publication, and
    # the edit that reopened an approved request); None when the change froze none.
    version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("versión congelada"),
    )
    # The number of the document version the decision was taken on: the frozen one, or the
    # newest before it (None before the first submission).
    version_number = models.PositiveIntegerField(_("versión del documento"), null=True, blank=True)
    created_at = models.DateTimeField(_("fecha y hora"))
    audit_event = models.OneToOneField(
        "audit.AuditEvent", on_delete=models.PROTECT, related_name="decision", verbose_name=_("evento de auditoría")
    )

    class Meta:
        verbose_name = _("decisión")
        verbose_name_plural = _("decisiones")
        # The audit event's id settles ties: a chain's events are written in order.
        ordering = ["created_at", "audit_event_id"]
        indexes = [
            models.Index(fields=["request", "created_at"], name="decision_request_time_idx"),
            models.Index(fields=["action", "created_at"], name="decision_action_time_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.request_id}"


class Share(models.Model):
    """A unit head shares one request with another unit or a named person (co-authoring)."""

    request = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shared_requests",
        verbose_name=_("persona"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="shared_requests", verbose_name=_("unidad")
    )
    reason = models.TextField(_("motivo"), validators=[MaxLengthValidator(SHORT_TEXT_MAX)])
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("compartida"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revocada"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(_("motivo de la revocación"), blank=True)

    class Meta:
        verbose_name = _("acceso compartido")
        verbose_name_plural = _("accesos compartidos")
        ordering = ["granted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(unit__isnull=True))
                | (Q(user__isnull=True) & Q(unit__isnull=False)),
                name="share_user_xor_unit",
            ),
            models.UniqueConstraint(
                fields=["request", "user"], condition=Q(revoked_at__isnull=True), name="share_active_user_unique"
            ),
            models.UniqueConstraint(
                fields=["request", "unit"], condition=Q(revoked_at__isnull=True), name="share_active_unit_unique"
            ),
        ]

    def __str__(self):
        return f"{self.request.reference} → {self.user or self.unit}"


class MaterialRequestUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key table: per-object permissions are joined, not
    matched by a generic text id, so list queries stay indexed and constant."""

    content_object = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE)


class MaterialRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE)


# --- kind-specific details ------------------------------------------------------------


class PublicationFormat(models.TextChoices):
    PRESS_RELEASE = "nota_prensa", _("Nota de prensa")
    BULLETIN = "boletin", _("Boletín")
    MAGAZINE = "revista", _("Revista")
    WALL_NEWSPAPER = "periodico_mural", _("Periódico mural")
    SOCIAL_POST = "post_redes", _("Post para redes sociales")
    WEB_CONTENT = "contenido_web", _("Contenido web")


class Channel(models.TextChoices):
    WEB = "web", _("Portal web institucional")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    X = "x", _("X (Twitter)")
    TIKTOK = "tiktok", _("TikTok")
    YOUTUBE = "youtube", _("YouTube")
    WHATSAPP = "whatsapp", _("WhatsApp")
    RADIO = "radio", _("Radio")
    TV = "tv", _("Televisión")
    PRESS = "prensa", _("Prensa escrita")
    PRINT = "impreso", _("Material impreso")
    LOUDSPEAKER = "perifoneo", _("Perifoneo")
    WALL = "mural", _("Periódico mural")


def validate_channels(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Elija al menos un canal."))
    unknown = [item for item in value if item not in Channel.values]
    if unknown:
        raise ValidationError(_("Canal desconocido: %(channels)s."), params={"channels": ", ".join(map(str, unknown))})


class CampaignType(models.TextChoices):
    ADVERTISING = "publicitaria", _("Publicitaria")
    AWARENESS = "sensibilizacion", _("De sensibilización")
    TAX = "tributaria", _("Tributaria")
    PREVENTION = "prevencion", _("De prevención")


class SignType(models.TextChoices):
    IDENTIFICATION = "identificacion", _("Identificación de local u oficina")
    INFORMATIVE = "informativa", _("Informativa")
    DIRECTIONAL = "direccional", _("Direccional")
    SAFETY = "seguridad", _("Seguridad y evacuación")
    PROHIBITION = "prohibicion", _("Prohibición")
    ACCESSIBILITY = "accesibilidad", _("Accesibilidad")


class KindDetails(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.verbose_name}: {self.request.reference}"


class PublicationDetails(KindDetails):
    request = models.OneToOneField(MaterialRequest, on_delete=models.CASCADE, related_name="publication_details")
    format = models.CharField(_("formato"), max_length=30, choices=PublicationFormat.choices)
    channels = models.JSONField(_("canales"), default=list, validators=[validate_channels])
    lead = models.TextField(_("entradilla"), blank=True, validators=[MaxLengthValidator(SHORT_TEXT_MAX)])
    contact = models.TextField(_("contacto de prensa"), blank=True, validators=[MaxLengthValidator(SHORT_TEXT_MAX)])

    class Meta:
        verbose_name = _("detalle de publicación")


class CampaignDetails(KindDetails):
    request = models.OneToOneField(MaterialRequest, on_delete=models.CASCADE, related_name="campaign_details")
    campaign_type = models.CharField(_("tipo de campaña"), max_length=30, choices=CampaignType.choices)
    objective = models.TextField(_("objetivo"), validators=[MaxLengthValidator(SHORT_TEXT_MAX)])
    audience = models.CharField(_("público objetivo"), max_length=300)
    channels = models.JSONField(_("canales"), default=list, validators=[validate_channels])
    start_date = models.DateField(_("inicio"))
    end_date = models.DateField(_("fin"))
    budget = models.DecimalField(
        _("presupuesto (S/)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("detalle de campaña")

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La fecha de fin no puede ser anterior a la de inicio.")})


class SpeechDetails(KindDetails):
    request = models.OneToOneField(MaterialRequest, on_delete=models.CASCADE, related_name="speech_details")
    event_name = models.CharField(_("evento"), max_length=200)
    place = models.CharField(_("lugar"), max_length=200)
    event_at = models.DateTimeField(_("fecha y hora"))
    speaker = models.CharField(_("orador"), max_length=150)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duración (minutos)"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    key_messages = models.TextField(_("mensajes clave"), validators=[MaxLengthValidator(SHORT_TEXT_MAX)])

    class Meta:
        verbose_name = _("detalle de discurso")


class SignageDetails(KindDetails):
    request = models.OneToOneField(MaterialRequest, on_delete=models.CASCADE, related_name="signage_details")
    premises = models.CharField(_("local"), max_length=200)
    address = models.CharField(_("dirección"), max_length=250)
    location_detail = models.CharField(_("ubicación en el local"), max_length=250, blank=True)
    sign_type = models.CharField(_("tipo de señal"), max_length=30, choices=SignType.choices)
    dimensions = models.CharField(_("dimensiones"), max_length=60)
    material = models.CharField(_("material"), max_length=120)
    quantity = models.PositiveSmallIntegerField(
        _("cantidad"), validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    sign_text = models.TextField(_("texto de la señal"), validators=[MaxLengthValidator(SHORT_TEXT_MAX)])

    class Meta:
        verbose_name = _("detalle de señalización")


DETAILS_MODELS = {
    Kind.PUBLICATION: PublicationDetails,
    Kind.CAMPAIGN: CampaignDetails,
    Kind.SPEECH: SpeechDetails,
    Kind.SIGNAGE: SignageDetails,
}
# The request's reverse one-to-one names of the details, for select_related.
DETAILS_RELATIONS = tuple(f"{kind}_details" for kind in DETAILS_MODELS)


# What a document version's snapshot lists of each attachment (documents.snapshots): its
# key -> the attachment's field. Here, beside the model, because the workflow services
# read exactly these with the request's lock.
ATTACHMENT_SNAPSHOT_FIELDS = {
    "name": "original_name",
    "sha256": "sha256",
    "content_type": "content_type",
    "size": "size",
    "file": "file",
}


def attachment_path(instance, filename):
    return f"attachments/{instance.request.reference}/{instance.sha256[:16]}-{filename}"


class Attachment(models.Model):
    request = models.ForeignKey(MaterialRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("archivo"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("nombre original"), max_length=200)
    content_type = models.CharField(_("tipo de contenido"), max_length=100)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("descripción"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("subido"), auto_now_add=True)

    class Meta:
        verbose_name = _("adjunto")
        verbose_name_plural = _("adjuntos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name
