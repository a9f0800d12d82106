from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "transparency_register": _("Pedido de acceso a la información registrado"),
    "transparency_update": _("Pedido de acceso a la información modificado"),
    "transparency_assign": _("Pedido de acceso asignado"),
    "transparency_start": _("Atención del pedido de acceso iniciada"),
    "transparency_extend": _("Prórroga del pedido de acceso comunicada"),
    "transparency_answer": _("Respuesta al pedido de acceso registrada"),
    "transparency_deny": _("Pedido de acceso denegado"),
    "transparency_archive": _("Pedido de acceso archivado"),
    "transparency_link_request": _("Solicitud vinculada a un pedido de acceso"),
    "transparency_unlink_request": _("Solicitud desvinculada de un pedido de acceso"),
    "transparency_link_document": _("Documento vinculado a un pedido de acceso"),
    "transparency_unlink_document": _("Documento desvinculado de un pedido de acceso"),
    "transparency_recompute": _("Plazos de pedidos de acceso recalculados"),
}


class TransparencyConfig(AppConfig):
    """The transparency register (access-to-information requests): an office app on top of
    workflows. Its tables keep the `audit` app label (see transparency/models.py)."""

    name = "transparency"
    verbose_name = _("Transparencia")

    def ready(self):
        from audit.labels import register

        from .models import State

        register(actions=AUDIT_ACTIONS, states=State)
