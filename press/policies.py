"""Who may read and who may write the media monitoring log.

The communications office (revisor, gerente, publicador) records and edits coverage; the
responsable de transparencia and the auditor (OCI) read it; an administrator does both.
Everybody else is answered 404 (the log is not revealed). The press archive follows each
request's own permissions instead (press.selectors.archive_list).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organization.roles import OFFICE_ROLES
from organization.selectors import reads_the_record, roles_of


def can_record(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles_of(user) & OFFICE_ROLES)


def can_read(user) -> bool:
    return can_record(user) or reads_the_record(user)


def require_reader(user) -> None:
    if not can_read(user):
        raise Http404("No existe la página.")


def check_recorder(user) -> None:
    if not can_record(user):
        raise PermissionDenied(_("Solo la Oficina de Comunicaciones registra y corrige la cobertura en medios."))
