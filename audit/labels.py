"""What the audit log's stored codes read as for people: a registry the apps fill.

The ledger knows no app above it. Every app that calls `record_event(action=...)` gives
its action codes their Spanish labels, and the apps whose records carry a state or a kind
give their choices, in its `AppConfig.ready()` through `register()` (for example
workflows/apps.py). Labels are lazy, so registering costs nothing at start-up. A code
without a label (written by code newer than its app's registration) shows as itself,
never as an error.
"""

from django.db.models import Choices
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, str] = {
    # accounts (audit.signals)
    "login": _("Inicio de sesión"),
    "logout": _("Cierre de sesión"),
    "login_failed": _("Intento de ingreso fallido"),
    "lockout": _("Cuenta bloqueada por intentos fallidos"),
    "group_added": _("Rol o unidad asignados"),
    "group_removed": _("Rol o unidad retirados"),
    # the audit log itself
    # the log's CSV/XLSX exports and the dossiers (data["format"] tells them apart)
    "export": _("Exportación"),
    "export_download": _("Descarga de una exportación"),
}


# State and kind choices (Django enumerations), in registration order.
STATE_CHOICES: list[type[Choices]] = []
KIND_CHOICES: list[type[Choices]] = []


def register(*, actions: dict | None = None, states: type[Choices] | None = None, kinds: type[Choices] | None = None):
    """Called by an app's `ready()`: its audit action labels, and the state and kind
    choices its records carry. Registering the same choices twice is harmless."""
    ACTION_LABELS.update(actions or {})
    for registry, choices in ((STATE_CHOICES, states), (KIND_CHOICES, kinds)):
        if choices is not None and choices not in registry:
            registry.append(choices)


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def action_choices() -> list[tuple[str, str]]:
    """The filter's choices, sorted by what they read as."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda choice: choice[1])


def _label(registry: list[type[Choices]], code: str) -> str:
    for choices in registry:
        if code in choices.values:
            return str(choices(code).label)
    return code


def state_label(code: str) -> str:
    """A material request's state or an access-to-information request's (their codes differ)."""
    return _label(STATE_CHOICES, code)


def kind_label(code: str) -> str:
    return _label(KIND_CHOICES, code)
