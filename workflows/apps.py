from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "create": _("Creación del borrador"),
    "edit": _("Edición del contenido"),
    "reopen": _("Vuelta a aprobación por cambios"),
    "submit": _("Envío a revisión"),
    "forward": _("Derivación a aprobación"),
    "observe": _("Devolución con observaciones"),
    "return": _("Devolución a la unidad"),
    "approve": _("Aprobación"),
    "reject": _("Rechazo"),
    "publish": _("Registro de la publicación"),
    "urgent_publish": _("Publicación urgente"),
    "post_review": _("Revisión posterior"),
    "cancel": _("Anulación"),
    "withdraw": _("Retiro de la publicación"),
    "attach": _("Adjunto agregado"),
    "detach": _("Adjunto quitado"),
    "share": _("Solicitud compartida"),
    "unshare": _("Se dejó de compartir"),
    "schedule_publication": _("Publicación programada"),
    "unschedule_publication": _("Publicación programada anulada"),
}


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Solicitudes de material")

    def ready(self):
        from django.contrib.auth.models import Group
        from django.db.models.signals import post_delete, post_migrate, post_save

        from audit.labels import register

        from .models import Kind, State
        from .permissions import clear_static_cache

        post_migrate.connect(clear_static_cache, dispatch_uid="workflows_static_cache_migrate")
        post_save.connect(clear_static_cache, sender=Group, dispatch_uid="workflows_static_cache_group_saved")
        post_delete.connect(clear_static_cache, sender=Group, dispatch_uid="workflows_static_cache_group_deleted")
        register(actions=AUDIT_ACTIONS, states=State, kinds=Kind)
