"""Who may see a request and who may do what with it.

Answers questions; never changes anything. Services call `check_action` before every
change, views call `available_actions` to draw exactly the buttons a user may press.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from organization.roles import Role
from organization.selectors import roles_of, unit_ids_of

from .models import EDITABLE_STATES, Kind, MaterialRequest, State

VISIBLE_TO_OFFICE = (
    State.IN_REVIEW,
    State.PENDING_APPROVAL,
    State.APPROVED,
    State.PUBLISHED,
    State.CANCELLED,
    State.WITHDRAWN,
)
VISIBLE_TO_PUBLISHER = (State.APPROVED, State.PUBLISHED, State.WITHDRAWN)
VISIBLE_TO_READERS = (State.PUBLISHED, State.WITHDRAWN)


@dataclass(frozen=True)
class Action:
    code: str
    method: str
    label: Promise
    reason_label: Promise | None = None  # set when a reason is mandatory
    style: str = "secondary"

    @property
    def reason_required(self) -> bool:
        return self.reason_label is not None

    def label_for(self, material_request: MaterialRequest) -> str:
        if self.code == "publish":
            return str(PUBLISH_LABELS[Kind(material_request.kind)])
        return str(self.label)


PUBLISH_LABELS = {
    Kind.PUBLICATION: gettext_lazy("Publicar"),
    Kind.CAMPAIGN: gettext_lazy("Publicar"),
    Kind.SPEECH: gettext_lazy("Marcar como pronunciado"),
    Kind.SIGNAGE: gettext_lazy("Marcar como instalado"),
}

ACTIONS = {
    action.code: action
    for action in (
        Action("submit", "submit", gettext_lazy("Enviar a revisión"), style="primary"),
        Action("forward", "forward", gettext_lazy("Derivar a aprobación"), style="primary"),
        Action("observe", "observe", gettext_lazy("Devolver con observaciones"), gettext_lazy("Observaciones")),
        Action("approve", "approve", gettext_lazy("Aprobar"), style="primary"),
        Action(
            "return", "return_to_unit", gettext_lazy("Devolver a la unidad"), gettext_lazy("Motivo de la devolución")
        ),
        Action("reject", "reject", gettext_lazy("Rechazar"), gettext_lazy("Motivo del rechazo"), style="danger"),
        Action("publish", "publish", gettext_lazy("Publicar"), style="primary"),
        Action("cancel", "cancel", gettext_lazy("Anular"), gettext_lazy("Motivo de la anulación"), style="danger"),
        Action(
            "withdraw",
            "withdraw",
            gettext_lazy("Retirar publicación"),
            gettext_lazy("Motivo público del retiro"),
            style="danger",
        ),
    )
}


def is_member(user, material_request: MaterialRequest) -> bool:
    return material_request.unit_id in unit_ids_of(user)


def is_author(user, material_request: MaterialRequest) -> bool:
    return material_request.author_id == user.pk


def can_view(user, material_request: MaterialRequest) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or is_member(user, material_request):
        return True
    roles = roles_of(user)
    state = material_request.state
    if roles & {Role.REVISOR, Role.GERENTE}:
        # Once submitted, the office keeps seeing it, even after an observation.
        return state in VISIBLE_TO_OFFICE or material_request.submitted_at is not None
    if Role.PUBLICADOR in roles and state in VISIBLE_TO_PUBLISHER:
        return True
    return bool(roles & {Role.TRANSPARENCIA, Role.AUDITOR}) and state in VISIBLE_TO_READERS


def _refuse_own_work(user, material_request, message):
    if is_author(user, material_request):
        raise PermissionDenied(message)


def _require_role(user, roles, message):
    if not (roles_of(user) & set(roles)):
        raise PermissionDenied(message)


def check_edit(user, material_request: MaterialRequest) -> None:
    """Raise PermissionDenied unless the user may edit the request's content now."""
    state = material_request.state
    if state == State.DRAFT:
        if not is_member(user, material_request):
            raise PermissionDenied(_("Solo los miembros de la unidad solicitante pueden editar el borrador."))
        return
    if state not in EDITABLE_STATES:
        raise PermissionDenied(
            _("Una solicitud en estado «%(state)s» ya no se puede editar.") % {"state": material_request.state_label}
        )
    _require_role(
        user,
        (Role.REVISOR, Role.GERENTE),
        _("Solo comunicaciones puede editar una solicitud enviada; la unidad la edita cuando se la devuelven."),
    )
    _refuse_own_work(user, material_request, _("No puede revisar ni editar como revisor una solicitud de su autoría."))


def check_action(user, material_request: MaterialRequest, action: Action) -> None:
    """Raise PermissionDenied unless the user's role lets them take the action."""
    code = action.code
    if code == "submit":
        if not is_member(user, material_request):
            raise PermissionDenied(_("Solo la unidad solicitante puede enviar la solicitud."))
    elif code == "cancel":
        if not (is_member(user, material_request) or Role.GERENTE in roles_of(user)):
            raise PermissionDenied(_("Solo la unidad solicitante o el gerente pueden anular la solicitud."))
    elif code in ("forward", "observe"):
        _require_role(user, (Role.REVISOR,), _("Solo un revisor de comunicaciones puede revisar solicitudes."))
        _refuse_own_work(user, material_request, _("No puede revisar una solicitud de su autoría."))
    elif code in ("approve", "return", "reject"):
        _require_role(user, (Role.GERENTE,), _("Solo el gerente de comunicaciones puede decidir la aprobación."))
        _refuse_own_work(user, material_request, _("Nadie puede aprobar una solicitud de su autoría."))
    elif code == "publish":
        _require_role(user, (Role.PUBLICADOR,), _("Solo el publicador puede registrar la publicación."))
        _refuse_own_work(user, material_request, _("Nadie puede publicar una solicitud de su autoría."))
    elif code == "withdraw":
        _require_role(
            user, (Role.GERENTE, Role.PUBLICADOR), _("Solo el gerente o el publicador pueden retirar una publicación.")
        )
        _refuse_own_work(user, material_request, _("No puede retirar una publicación de su autoría."))
    else:  # pragma: no cover - the registry and this function move together
        raise PermissionDenied(_("Acción desconocida."))


def is_allowed(check, *args) -> bool:
    try:
        check(*args)
    except PermissionDenied:
        return False
    return True


def can_edit(user, material_request: MaterialRequest) -> bool:
    return is_allowed(check_edit, user, material_request)


def available_actions(user, material_request: MaterialRequest) -> list[Action]:
    """The actions legal in the current state that this user may take."""
    return [
        action
        for action in ACTIONS.values()
        if can_proceed(getattr(material_request, action.method))
        and is_allowed(check_action, user, material_request, action)
    ]


def can_create_for(user, unit) -> bool:
    return user.is_active and unit.pk in unit_ids_of(user) and unit.is_active
