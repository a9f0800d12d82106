"""Stored notifications: the database is the truth, the websocket only a hint.

A notification is written by notifications.services inside the transaction of the change
it tells about, so it exists exactly when that change does.

Read and done. `read_at` is the person's own "I have seen it". Some notifications ask
their recipient to act (review a new submission, decide an approval, publish, correct a
returned draft): they carry the `step` of the lifecycle (workflows.lifecycle.STEPS) whose
task they announce. Whether that task is done, by the recipient or by anyone else, is
never written here: it is derived when read, from the decisions the transitions record
(notifications.asks.done). The bell counts the notifications neither read nor done.
Informational notifications (an approval told to the unit, a publication) have no step
and are never done: only their reader marks them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import MaterialRequest


class Kind(models.TextChoices):
    NEW_SUBMISSION = "new_submission", _("Nueva solicitud para revisar")
    TASK_ASSIGNED = "task_assigned", _("Tarea asignada")
    OBSERVATION = "observation", _("Observaciones")
    RETURNED = "returned", _("Devuelta")
    APPROVAL = "approval", _("Aprobada")
    REJECTION = "rejection", _("Rechazada")
    PUBLICATION = "publication", _("Publicada")
    URGENT_PUBLICATION = "urgent_publication", _("Publicación urgente")
    CANCELLATION = "cancellation", _("Anulada")
    WITHDRAWAL = "withdrawal", _("Retirada")
    COMMENT = "comment", _("Comentario")
    DEADLINE = "deadline", _("Fecha requerida próxima")
    TRANSPARENCY_DEADLINE = "transparency_deadline", _("Plazo de acceso a la información")


# What also goes by email unless the person chooses otherwise: what asks them to act.
DEFAULT_EMAIL_KINDS = (Kind.TASK_ASSIGNED, Kind.OBSERVATION, Kind.RETURNED, Kind.APPROVAL, Kind.REJECTION)

MESSAGE_MAX = 1_000
URL_MAX = 500


def default_email_kinds() -> list[str]:
    return [kind.value for kind in DEFAULT_EMAIL_KINDS]


class Notification(models.Model):
    # Indexed by the two composite indexes below, which both start with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("destinatario"),
        db_index=False,
    )
    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    request = models.ForeignKey(
        MaterialRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("solicitud"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quién"),
    )
    # Composed in Spanish when the notification is created: it tells what happened then,
    # even if the request's title changes later.
    message = models.TextField(_("mensaje"))
    url = models.CharField(_("enlace"), max_length=URL_MAX, blank=True)
    created_at = models.DateTimeField(_("creada"), default=timezone.now)
    read_at = models.DateTimeField(_("leída"), null=True, blank=True)
    # The lifecycle step whose task this notification asks its recipient to do ("" when it
    # only informs); whether it is done is read from the decisions (notifications.asks).
    step = models.CharField(_("paso"), max_length=30, blank=True, default="", editable=False)
    # Set by reminders that must be sent once ("deadline:<request>:<day>"); the unique
    # constraint makes a second run of the same day a no-op, even when two run at once.
    dedupe_key = models.CharField(max_length=80, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # A person's list, newest first, and its pages (by id, whatever their number).
            models.Index(fields=["recipient", "id"], name="notification_recipient_idx"),
            # Their unread ones: the count of the bell and the "sin leer" filter.
            models.Index(fields=["recipient", "read_at", "id"], name="notification_unread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_dedupe_unique"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.get_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Which kinds of notification also go by email, to the address of the user's account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("usuario"),
    )
    email_kinds = models.JSONField(_("avisos por correo"), default=default_email_kinds, blank=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("preferencia de notificación")
        verbose_name_plural = _("preferencias de notificación")

    def __str__(self):
        return str(self.user)

    def wants_email(self, kind: str) -> bool:
        return kind in self.email_kinds
