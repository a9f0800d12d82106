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
        from workflows import hooks

        from . import services

        # The viewflow bookkeeping of every change to a request (workflows.hooks).
        hooks.flow_sync.check_task_owner.register(services.check_task_owner)
        hooks.flow_sync.advance.register(services.advance)

        register(actions=AUDIT_ACTIONS)
