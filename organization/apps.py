from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What this app's audit events read as in the log (audit.labels, registered in ready()).
AUDIT_ACTIONS = {
    "delegate": _("Encargatura otorgada"),
    "revoke_delegation": _("Encargatura revocada"),
    "logo_change": _("Cambio del escudo de la municipalidad"),
}


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = _("Organización")

    def ready(self):
        from audit.labels import register

        register(actions=AUDIT_ACTIONS)
