"""How the register's audit events read on its pages."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from .models import Exemption, State, TransparencyRequest

EVENT_LABELS = {
    "transparency_register": _("Registró la solicitud"),
    "transparency_update": _("Corrigió los datos"),
    "transparency_assign": _("Asignó el responsable"),
    "transparency_start": _("Inició la atención"),
    "transparency_extend": _("Comunicó una prórroga"),
    "transparency_answer": _("Registró la respuesta"),
    "transparency_deny": _("Denegó la solicitud"),
    "transparency_archive": _("Archivó la solicitud"),
    "transparency_link_request": _("Vinculó una solicitud municipal"),
    "transparency_unlink_request": _("Desvinculó una solicitud municipal"),
    "transparency_link_document": _("Vinculó una versión de documento"),
    "transparency_unlink_document": _("Desvinculó una versión de documento"),
    "transparency_recompute": _("Plazos recalculados por un cambio del calendario"),
}


def _state_label(code: str) -> str:
    return State(code).label if code in State.values else code


def _field_label(name: str) -> str:
    try:
        return str(TransparencyRequest._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _detail(event) -> str:
    data = event.data or {}
    if event.action == "transparency_assign":
        return f"{data.get('from') or '—'} → {data.get('to', '')}"
    if event.action in ("transparency_link_request", "transparency_unlink_request"):
        return data.get("request", "")
    if event.action in ("transparency_link_document", "transparency_unlink_document"):
        return f"{data.get('request', '')} v{data.get('version', '')}"
    if event.action == "transparency_deny":
        return str(Exemption(data["exemption"]).label) if data.get("exemption") in Exemption.values else ""
    if event.action == "transparency_extend" and data.get("late"):
        return str(_("comunicada fuera de plazo"))
    if event.action == "transparency_recompute":
        return ", ".join(
            f"{_field_label(name)}: {old} → {new}" for name, (old, new) in sorted(data.items()) if name.endswith("_on")
        )
    if event.action == "transparency_update":
        return ", ".join(_field_label(name) for name in data.get("changed", []))
    return ""


def history_rows(events) -> list[dict]:
    return [
        {
            "event": event,
            "action_label": EVENT_LABELS.get(event.action, event.action),
            "from_label": _state_label(event.from_state) if event.from_state else "",
            "to_label": _state_label(event.to_state) if event.to_state else "",
            "changed_state": event.from_state != event.to_state,
            "detail": _detail(event),
        }
        for event in events
    ]
