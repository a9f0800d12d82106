from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """The audit trail as people read it, on top of every app: the log's pages and exports,
    the checkpoints page, the dossiers and the public approval records with their feed.
    The ledger itself (models, record_event, verification) is the audit app, at the bottom.
    Its URL namespaces (audit, public, dossier, checkpoints) and template names (records/…)
    are its own; its static files are records/static/records/."""

    name = "records"
    verbose_name = _("Registros y expedientes")
