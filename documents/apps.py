from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "download": _("Descarga de documento"),
    "pdf_retry": _("Nuevo intento de generar el PDF firmado"),
}


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documentos")

    def ready(self):
        from audit.labels import register
        from workflows import hooks

        from . import checks, services  # noqa: F401 - checks registers itself

        # The version a transition freezes (workflows.hooks).
        hooks.record_version.register(services.record_version)

        register(actions=AUDIT_ACTIONS)
