"""Who may see a request and who may do what with it.

Answers questions; never changes anything. Whether a person holds a power over a
request is django-guardian's per-object permission (see workflows.permissions, which
the services keep in step with the state); the rules that no permission table can say,
separation of duties above all, are checked here. Services call `check_action` before
every change; views call `available_actions` to draw exactly the buttons a user may press.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from organization.roles import Role
from organization.selectors import is_head_of, roles_of, unit_ids_of

from . import duties
from . import permissions as perm
from .models import Kind, MaterialRequest, State


@dataclass(frozen=True)
class Action:
    code: str
    method: str
    label: Promise
    permission: str  # the per-object permission the action needs
    reason_label: Promise | None = None  # set when a reason is mandatory
    style: str = "secondary"
    own_work_message: Promise | None = None  # set when the author may not take it

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

OWN_REVIEW = gettext_lazy("No puede revisar una solicitud de su autoría.")
OWN_APPROVAL = gettext_lazy("Nadie puede aprobar una solicitud de su autoría.")
OWN_PUBLICATION = gettext_lazy("Nadie puede publicar una solicitud de su autoría.")
# Who forwarded, observed or edited a submitted request is one pair of eyes already.
REVIEWED_MESSAGES = {
    "approve": gettext_lazy(
        "Usted derivó, observó o editó esta solicitud: no puede aprobarla, debe decidir otra persona."
    ),
    "publish": gettext_lazy(
        "Usted derivó, observó o editó esta solicitud: no puede publicarla, debe hacerlo otra persona."
    ),
    "urgent_publish": gettext_lazy(
        "Usted derivó, observó o editó esta solicitud: no puede publicarla con urgencia, debe hacerlo otra persona."
    ),
}

ACTIONS = {
    action.code: action
    for action in (
        Action("submit", "submit", gettext_lazy("Enviar a revisión"), perm.SUBMIT, style="primary"),
        Action(
            "forward",
            "forward",
            gettext_lazy("Derivar a aprobación"),
            perm.REVIEW,
            style="primary",
            own_work_message=OWN_REVIEW,
        ),
        Action(
            "observe",
            "observe",
            gettext_lazy("Devolver con observaciones"),
            perm.REVIEW,
            gettext_lazy("Observaciones"),
            own_work_message=OWN_REVIEW,
        ),
        Action(
            "approve", "approve", gettext_lazy("Aprobar"), perm.APPROVE, style="primary", own_work_message=OWN_APPROVAL
        ),
        Action(
            "return",
            "return_to_unit",
            gettext_lazy("Devolver a la unidad"),
            perm.APPROVE,
            gettext_lazy("Motivo de la devolución"),
            own_work_message=OWN_APPROVAL,
        ),
        Action(
            "reject",
            "reject",
            gettext_lazy("Rechazar"),
            perm.APPROVE,
            gettext_lazy("Motivo del rechazo"),
            style="danger",
            own_work_message=OWN_APPROVAL,
        ),
        Action(
            "publish",
            "publish",
            gettext_lazy("Publicar"),
            perm.PUBLISH,
            style="primary",
            own_work_message=OWN_PUBLICATION,
        ),
        Action(
            "urgent_publish",
            "publish_urgently",
            gettext_lazy("Publicación urgente"),
            perm.APPROVE,
            gettext_lazy("Motivo de la urgencia"),
            style="danger",
            own_work_message=OWN_PUBLICATION,
        ),
        Action(
            "post_review",
            "review_after_publication",
            gettext_lazy("Revisión posterior conforme"),
            perm.POSTREVIEW,
            gettext_lazy("Resultado de la revisión posterior"),
            style="primary",
            own_work_message=OWN_REVIEW,
        ),
        Action(
            "cancel",
            "cancel",
            gettext_lazy("Anular"),
            perm.CANCEL,
            gettext_lazy("Motivo de la anulación"),
            style="danger",
        ),
        Action(
            "withdraw",
            "withdraw",
            gettext_lazy("Retirar publicación"),
            perm.WITHDRAW,
            gettext_lazy("Motivo público del retiro"),
            style="danger",
            own_work_message=gettext_lazy("No puede retirar una publicación de su autoría."),
        ),
    )
}

# What a person reads when they lack the per-object permission for an action.
MISSING_PERMISSION = {
    "submit": gettext_lazy("Solo la unidad solicitante puede enviar la solicitud."),
    "forward": gettext_lazy("Solo un revisor de comunicaciones puede revisar esta solicitud."),
    "observe": gettext_lazy("Solo un revisor de comunicaciones puede revisar esta solicitud."),
    "approve": gettext_lazy("Solo el gerente de comunicaciones o su encargado pueden decidir la aprobación."),
    "return": gettext_lazy("Solo el gerente de comunicaciones o su encargado pueden decidir la aprobación."),
    "reject": gettext_lazy("Solo el gerente de comunicaciones o su encargado pueden decidir la aprobación."),
    "publish": gettext_lazy("Solo el publicador puede registrar la publicación."),
    "urgent_publish": gettext_lazy("Solo el gerente de comunicaciones puede publicar con urgencia."),
    "post_review": gettext_lazy("Solo un revisor o el gerente pueden hacer la revisión posterior."),
    "cancel": gettext_lazy("Solo la unidad solicitante o el gerente pueden anular la solicitud."),
    "withdraw": gettext_lazy("Solo el gerente o el publicador pueden retirar una publicación."),
}


def is_member(user, material_request: MaterialRequest) -> bool:
    return material_request.unit_id in unit_ids_of(user)


def is_author(user, material_request: MaterialRequest) -> bool:
    """The author, anyone it was ever shared with (revoked shares too), or whoever edited
    it as a draft: nobody reviews, approves or publishes a text they helped write
    (workflows.duties, from the request's history)."""
    return duties.history_of(material_request).is_author(user.pk, unit_ids_of(user))


def is_reviewer(user, material_request: MaterialRequest) -> bool:
    """Whoever forwarded it, observed it or edited it once submitted."""
    return duties.history_of(material_request).is_reviewer(user.pk)


def edit_bars_decision(user, material_request: MaterialRequest) -> bool:
    """Whether editing the submitted request now would take away a decision the user could
    otherwise make (approve or publish it): the edit page warns them first."""
    if material_request.state == State.DRAFT or is_reviewer(user, material_request):
        return False
    return perm.could_hold(user, perm.APPROVE) or perm.could_hold(user, perm.PUBLISH)


def can_view(user, material_request: MaterialRequest) -> bool:
    return perm.has_perm(user, material_request, perm.VIEW)


def check_edit(user, material_request: MaterialRequest) -> None:
    """Raise PermissionDenied unless the user may edit the request's content now."""
    if not perm.has_perm(user, material_request, perm.CHANGE):
        if material_request.state == State.DRAFT:
            raise PermissionDenied(_("Solo los miembros de la unidad solicitante pueden editar el borrador."))
        if material_request.state in (State.PUBLISHED, State.CANCELLED, State.WITHDRAWN):
            raise PermissionDenied(
                _("Una solicitud en estado «%(state)s» ya no se puede editar.")
                % {"state": material_request.state_label}
            )
        raise PermissionDenied(
            _("Solo comunicaciones puede editar una solicitud enviada; la unidad la edita cuando se la devuelven.")
        )
    if material_request.state != State.DRAFT and is_author(user, material_request):
        raise PermissionDenied(_("No puede revisar ni editar como revisor una solicitud de su autoría."))


def check_action(user, material_request: MaterialRequest, action: Action) -> None:
    """Raise PermissionDenied unless the user may take the action on this request."""
    if not perm.has_perm(user, material_request, action.permission):
        raise PermissionDenied(str(MISSING_PERMISSION[action.code]))
    if action.own_work_message and is_author(user, material_request):
        raise PermissionDenied(str(action.own_work_message))
    if action.code in duties.FOUR_EYES and is_reviewer(user, material_request):
        # Whatever their role or encargatura: four eyes, decided from the history.
        raise PermissionDenied(str(REVIEWED_MESSAGES[action.code]))
    if (
        action.permission in perm.DELEGABLE
        and material_request.unit_id in unit_ids_of(user)
        and perm.acting_for(user, material_request, action.permission) is not None
    ):
        raise PermissionDenied(
            _("Como encargado no puede decidir solicitudes de su propia unidad: debe decidir otra persona.")
        )
    if action.code == "urgent_publish" and Role.GERENTE not in roles_of(user):
        # An encargado approves in the gerente's name, but the urgent path stays personal.
        raise PermissionDenied(str(MISSING_PERMISSION[action.code]))
    if action.code == "post_review" and user.pk in (material_request.published_by_id, material_request.approved_by_id):
        raise PermissionDenied(_("La revisión posterior la hace una persona distinta de quien publicó con urgencia."))


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


def check_share(user, material_request: MaterialRequest) -> None:
    """Only the head of the requesting unit shares a request (co-authoring)."""
    if not is_head_of(user, material_request.unit_id):
        raise PermissionDenied(_("Solo el jefe de la unidad solicitante puede compartir esta solicitud."))


def can_share(user, material_request: MaterialRequest) -> bool:
    return is_allowed(check_share, user, material_request)


def check_urgent_overview(user) -> None:
    if not (user.is_superuser or roles_of(user) & {Role.GERENTE, Role.REVISOR, Role.TRANSPARENCIA, Role.AUDITOR}):
        raise PermissionDenied(_("Solo la gerencia, los revisores, transparencia y el auditor ven esta lista."))
