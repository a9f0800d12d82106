from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "take_task": _("Tarea tomada"),
    "release_task": _("Tarea liberada"),
    "reassign_task": _("Tarea reasignada"),
}


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Aprobaciones")

    def ready(self):
        from audit.labels import register

        register(actions=AUDIT_ACTIONS)
