"""Who may see a request and who may do what with it.

Answers questions; never changes anything. Whether a person holds a power over a
request is django-guardian's per-object permission (see workflows.permissions, which
the services keep in step with the state); the rules that no permission table can say,
separation of duties above all, are checked here. Services call `check_action` before
every change; views call `available_actions` to draw exactly the buttons a user may press.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from organization.roles import Role
from organization.selectors import is_head_of, roles_of, unit_ids_of

from . import lifecycle, policy
from . import permissions as perm
from .models import MaterialRequest, State

# An action a person may press is a row of the lifecycle specification.
Action = lifecycle.Transition
ACTIONS = {row.code: row for row in lifecycle.OFFERED}


def is_member(user, material_request: MaterialRequest) -> bool:
    return material_request.unit_id in unit_ids_of(user)


def is_author(user, material_request: MaterialRequest) -> bool:
    """The author, anyone it was ever shared with (revoked shares too), or whoever edited
    it as a draft: nobody reviews, approves or publishes a text they helped write
    (workflows.duties, from the request's history)."""
    return policy.RULES[lifecycle.NOT_AUTHOR].refuses(user, material_request, None)


def is_reviewer(user, material_request: MaterialRequest) -> bool:
    """Whoever forwarded it, observed it or edited it once submitted."""
    return policy.RULES[lifecycle.NOT_REVIEWER].refuses(user, material_request, None)


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
    """Raise PermissionDenied unless the user may take the action on this request
    (workflows.policy.may: the permission its state grants, then the action's
    separation-of-duties rules)."""
    verdict = policy.may(user, action.code, material_request)
    if not verdict:
        raise PermissionDenied(verdict.reason)


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
        if policy.legal(action.code, material_request) and policy.may(user, action.code, material_request)
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
