"""Who reads and who generates the monthly report and the memoria anual.

- Generate: the gerente (the report is theirs to the Alcaldía) and the administrator.
  `manage.py compile_report` without `--as` generates as the system.
- Read (list and download): the gerente, and who reads the record: the responsable de
  transparencia, the auditor (OCI) and the administrator. The report aggregates the whole
  office's work and the transparency register's deadlines; a revisor, a publicador or a
  unit sees its own part elsewhere.
- Everybody else: 404 (not revealed). A reader who may not generate: 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organization.roles import Role
from organization.selectors import has_role, reads_the_record


def can_generate(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or has_role(user, Role.GERENTE)


def can_read(user) -> bool:
    return can_generate(user) or reads_the_record(user)


def require_reader(user) -> None:
    if not can_read(user):
        raise Http404


def check_generate(user) -> None:
    """`user` None is the system (the command without --as)."""
    if user is not None and not can_generate(user):
        raise PermissionDenied(_("Solo el gerente de comunicaciones (o el administrador) genera los informes."))
