"""Who may read the register and who may act on it, and which actions each state allows.

The register holds citizens' personal data: only the responsable de transparencia and
the auditors (OCI) read it, and administrators (who read everything). Only the
transparencia role acts; an administrator without it reads but does not act, like
everywhere else in the project. Everybody else is answered 404 (not revealed).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from organization.roles import Role
from organization.selectors import has_role, reads_the_record
from workflows.exceptions import ActionNotAvailable

from .models import OPEN_STATES, State, TransparencyRequest


def can_read(user) -> bool:
    return reads_the_record(user)


def can_act(user) -> bool:
    return has_role(user, Role.TRANSPARENCIA)


def check_actor(user) -> None:
    if not can_act(user):
        raise PermissionDenied(_("Solo el responsable de transparencia registra y atiende estas solicitudes."))


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    # The transition method on TransparencyRequest; None for actions that do not move the state.
    method: str | None
    # States that allow it when it moves no state.
    states: tuple = ()
    style: str = "default"
    # What the officer reads once it is done (%(reference)s is the entry's).
    done: str = ""


ACTIONS = {
    action.code: action
    for action in (
        Action(
            "assign",
            gettext_lazy("Asignar responsable"),
            None,
            states=OPEN_STATES,
            done=gettext_lazy("Responsable de la solicitud %(reference)s asignado."),
        ),
        Action(
            "start",
            gettext_lazy("Iniciar la atención"),
            "start_attention",
            style="primary",
            done=gettext_lazy("Atención de la solicitud %(reference)s iniciada."),
        ),
        Action(
            "extend",
            gettext_lazy("Comunicar prórroga"),
            "communicate_extension",
            done=gettext_lazy("Prórroga de la solicitud %(reference)s registrada."),
        ),
        Action(
            "answer",
            gettext_lazy("Registrar la respuesta"),
            "answer",
            style="primary",
            done=gettext_lazy("Respuesta a la solicitud %(reference)s registrada."),
        ),
        Action(
            "deny",
            gettext_lazy("Denegar (excepción legal)"),
            "deny",
            style="danger",
            done=gettext_lazy("Solicitud %(reference)s denegada."),
        ),
        Action(
            "archive",
            gettext_lazy("Archivar"),
            "archive",
            style="danger",
            done=gettext_lazy("Solicitud %(reference)s archivada."),
        ),
    )
}

# Editing the data and linking what the request concerns.
EDITABLE_STATES = OPEN_STATES
LINKABLE_STATES = (State.RECEIVED, State.IN_PROGRESS, State.EXTENDED, State.ANSWERED, State.DENIED)


def is_available(entry: TransparencyRequest, code: str) -> bool:
    action = ACTIONS[code]
    if action.method is None:
        return entry.state in action.states
    return can_proceed(getattr(entry, action.method))


def check_available(entry: TransparencyRequest, code: str) -> None:
    if not is_available(entry, code):
        raise ActionNotAvailable(
            _("La acción «%(action)s» no está disponible en el estado «%(state)s».")
            % {"action": ACTIONS[code].label, "state": entry.get_state_display()}
        )


def check_editable(entry: TransparencyRequest) -> None:
    if entry.state not in EDITABLE_STATES:
        raise ActionNotAvailable(
            _("Una solicitud en estado «%(state)s» ya no se modifica.") % {"state": entry.get_state_display()}
        )


def check_linkable(entry: TransparencyRequest) -> None:
    if entry.state not in LINKABLE_STATES:
        raise ActionNotAvailable(
            _("Una solicitud en estado «%(state)s» ya no admite vínculos.") % {"state": entry.get_state_display()}
        )


def available_actions(user, entry: TransparencyRequest) -> list[Action]:
    if not can_act(user):
        return []
    return [action for action in ACTIONS.values() if is_available(entry, action.code)]
