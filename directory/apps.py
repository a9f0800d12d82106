from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "directory_create": _("Registro en el directorio de medios"),
    "directory_update": _("Cambio en el directorio de medios"),
    "directory_list_members": _("Miembros de una lista de difusión cambiados"),
    "directory_import": _("Importación al directorio de medios"),
    "directory_export": _("Exportación del directorio de medios"),
    "distribution_send": _("Nota de prensa difundida a medios"),
    "distribution_result": _("Resultado del envío a medios"),
    "distribution_retry": _("Reintento de envíos fallidos a medios"),
}


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directorio de medios e instituciones")

    def ready(self):
        from audit.labels import register

        register(actions=AUDIT_ACTIONS)
