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


# --- people and objects, as the log names them ------------------------------------------------

USER_TYPE = "auth.user"


def person_label(user=None, username: str = "") -> str:
    """«Ana Pérez (aperez)»: a person as the log and its exports name them, full name and
    username; the username alone for someone without a name; "" for nobody (the system, or
    a failed login), which each page words its own way."""
    if user is not None:
        username = user.get_username()
        full_name = user.get_full_name().strip()
        return f"{full_name} ({username})" if full_name else username
    return username


def person_from_parts(username: str | None, first_name: str | None, last_name: str | None) -> str:
    """person_label() from the columns of a values_list (the exports read no model)."""
    if not username:
        return ""
    full_name = f"{first_name or ''} {last_name or ''}".strip()
    return f"{full_name} ({username})" if full_name else username


def type_label(object_type: str) -> str:
    """«Solicitud», «Encargatura», «Usuario»: the model's name, for a stored "app.model"."""
    from django.apps import apps

    if not object_type:
        return ""
    try:
        name = str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
    return name[:1].upper() + name[1:]


def object_label(object_type: str, object_id: str, reference: str = "", people: dict | None = None) -> str:
    """What an event is about, in words: «Usuario: Ana Pérez (aperez)», «Solicitud de acceso
    a la información SAIP-2026-0001», «Encargatura n.º 3». `people`: user id (text) ->
    person_label, for the users among the objects (read by the caller, all at once)."""
    if not object_type:
        return ""
    name = type_label(object_type)
    if object_type == USER_TYPE and people and object_id in people:
        return f"{name}: {people[object_id]}"
    if reference:
        return f"{name} {reference}"
    return f"{name} n.º {object_id}" if object_id else name


def people_among(pairs) -> dict[str, str]:
    """{user id: person_label} for the users among (object_type, object_id) pairs, in one
    query (none when there are none)."""
    from django.contrib.auth import get_user_model

    ids = {object_id for object_type, object_id in pairs if object_type == USER_TYPE and object_id.isdigit()}
    if not ids:
        return {}
    return {str(user.pk): person_label(user) for user in get_user_model().objects.filter(pk__in=ids)}
