"""Who sees what of the calendar and who may change it. Answers questions; changes nothing.

- Every logged-in user sees the calendar: the municipality's public agenda and the
  office's events. A reserved (internal) event is seen only by the office and the
  members of its responsible unit; to everybody else it does not exist (404).
- The office (revisor, gerente, publicador) and the administrator create, edit and
  cancel events, record their needs and spawn the needed requests; everybody else who
  sees an event gets 403 for these.
- The needs of an event (what material it needs, whether it is late) are the office's
  planning: the office, the administrator and the members of the responsible unit see
  them. The request a need spawned is shown (reference, title, link) only to who may see
  that request (workflows' per-object permissions).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from organization.roles import OFFICE_ROLES
from organization.selectors import roles_of, unit_ids_of


def is_office(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles_of(user) & OFFICE_ROLES)


def can_manage(user) -> bool:
    return is_office(user)


def check_manage(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(
            _("Solo la oficina de comunicaciones (revisor, gerente, publicador) gestiona el calendario cívico.")
        )


def can_see_event(user, event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return not event.internal or is_office(user) or (event.unit_id is not None and event.unit_id in unit_ids_of(user))


def can_see_needs(user, event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_office(user) or (event.unit_id is not None and event.unit_id in unit_ids_of(user))
