from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "report_generate": _("Informe generado"),
    "report_download": _("Descarga de un informe"),
}


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Informes y memoria anual")

    def ready(self):
        from audit.labels import register

        register(actions=AUDIT_ACTIONS)
