"""Turns a request's kind-specific record into labelled rows for pages."""

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from core.wording import money

from .models import MONEY_FIELDS, Channel, State
from .policies import ACTIONS

# What each audit action reads as in a request's history.
EVENT_LABELS = {
    "create": _("Creó el borrador"),
    "edit": _("Editó el contenido"),
    "reopen": _("Volvió a aprobación por cambios"),
    "submit": _("Envió a revisión"),
    "forward": _("Derivó a aprobación"),
    "observe": _("Devolvió con observaciones"),
    "return": _("Devolvió a la unidad"),
    "approve": _("Aprobó"),
    "reject": _("Rechazó"),
    "publish": _("Registró la publicación"),
    "cancel": _("Anuló"),
    "withdraw": _("Retiró la publicación"),
    "urgent_publish": _("Publicó con urgencia"),
    "post_review": _("Hizo la revisión posterior"),
    "attach": _("Adjuntó un archivo"),
    "detach": _("Quitó un adjunto"),
    "share": _("Compartió la solicitud"),
    "unshare": _("Dejó de compartir la solicitud"),
    "schedule_publication": _("Programó la publicación"),
    "unschedule_publication": _("Anuló la publicación programada"),
    "download": _("Descargó el documento"),
    "take_task": _("Tomó la tarea"),
    "release_task": _("Liberó la tarea"),
    "reassign_task": _("Reasignó la tarea"),
}


def decision_label(action: str) -> str:
    """What a decision (an audit action of a state change) reads as, in the past tense."""
    return str(EVENT_LABELS.get(action) or getattr(ACTIONS.get(action), "label", action))


def detail_rows(material_request) -> list[tuple[str, str]]:
    detail = material_request.details
    if detail is None:
        return []
    rows = []
    for field in detail._meta.fields:
        if field.name in ("id", "request"):
            continue
        value = getattr(detail, field.name)
        label = str(field.verbose_name)
        if field.name in MONEY_FIELDS:
            value, label = money(value), str(MONEY_FIELDS[field.name])
        elif field.choices:
            value = getattr(detail, f"get_{field.name}_display")()
        elif field.name == "channels":
            labels = dict(Channel.choices)
            value = ", ".join(str(labels.get(item, item)) for item in value)
        elif value is not None and not isinstance(value, str):
            value = formats.localize(value, use_l10n=True)
        rows.append((label[:1].upper() + label[1:], value))
    return rows


def _state_label(code: str) -> str:
    return State(code).label if code in State.values else code


def history_rows(events) -> list[dict]:
    """The audit events of a request, labelled for people."""
    return [
        {
            "event": event,
            "action_label": EVENT_LABELS.get(event.action) or getattr(ACTIONS.get(event.action), "label", event.action),
            "from_label": _state_label(event.from_state) if event.from_state else "",
            "to_label": _state_label(event.to_state) if event.to_state else "",
            "changed_state": bool(event.from_state) and event.from_state != event.to_state,
        }
        for event in events
    ]


def decision_rows(decisions) -> list[dict]:
    """A request's decisions (workflows.Decision, oldest first), labelled for people."""
    return [
        {
            "decision": decision,
            "label": decision_label(decision.action),
            "from_label": _state_label(decision.from_state),
            "to_label": _state_label(decision.to_state),
        }
        for decision in decisions
    ]
