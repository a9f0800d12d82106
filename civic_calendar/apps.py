from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "calendar_create": _("Evento del calendario registrado"),
    "calendar_update": _("Evento del calendario modificado"),
    "calendar_cancel": _("Evento del calendario anulado"),
    "calendar_add_need": _("Material necesario agregado a un evento"),
    "calendar_remove_need": _("Material necesario quitado de un evento"),
    "calendar_spawn": _("Solicitud generada desde el calendario cívico"),
    "calendar_link_request": _("Solicitud vinculada al calendario cívico"),
    "calendar_feed_token": _("Dirección de suscripción al calendario renovada"),
    "calendar_feed_revoke": _("Dirección de suscripción al calendario revocada"),
    "calendar_lead_time": _("Anticipación por tipo modificada"),
    "calendar_lead_time_delete": _("Anticipación por tipo eliminada"),
}


class CivicCalendarConfig(AppConfig):
    name = "civic_calendar"
    verbose_name = _("Calendario cívico")

    def ready(self):
        from audit.labels import register

        register(actions=AUDIT_ACTIONS)
