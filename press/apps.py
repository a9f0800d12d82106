from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "coverage_record": _("Cobertura en medios registrada"),
    "coverage_edit": _("Cobertura en medios corregida"),
}


class PressConfig(AppConfig):
    name = "press"
    verbose_name = _("Archivo de prensa y seguimiento de medios")

    def ready(self):
        from audit.labels import register

        register(actions=AUDIT_ACTIONS)
