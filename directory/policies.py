"""Who may read the directory, who may change it, and who may send a press release.

The directory holds personal data of journalists and contacts (names, phones, emails)
collected for the office's work. It is read by the communications office: the revisor,
the gerente and the publicador, and by the administrator; it is changed by those three
roles only (an administrator without one of them reads but does not act, as everywhere
else in the project).

The responsable de transparencia and the auditor (OCI) do NOT read it: they have no
working need for journalists' phones and emails, and what the record must answer (who
received which press release, and when) reaches them through the request's dossier
(records/dossier.py adds the list of deliveries to it, with emails hidden in the redacted
copy) and through the audit log, where every change and send is an event. Everybody
outside the office gets 404 on every directory page and export, never a hint that
the data exists.

Sending a press release: a published request of kind publication with format "nota de
prensa", by a person who holds the power over that publication while it is out: the
per-object permission `withdraw_materialrequest` that workflows.permissions grants on a
published request to the publicador and the gerente (an encargado does not get it, nor
an administrator without the role).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organization.roles import OFFICE_ROLES
from organization.selectors import roles_of
from workflows import permissions as perm
from workflows.exceptions import ActionNotAvailable
from workflows.models import Kind, MaterialRequest, PublicationFormat, State


def can_read(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles_of(user) & OFFICE_ROLES)


def can_edit(user) -> bool:
    return user.is_authenticated and user.is_active and bool(roles_of(user) & OFFICE_ROLES)


def require_reader(user) -> None:
    """Who may not read the directory is told nothing exists (404)."""
    if not can_read(user):
        raise Http404("No existe la página.")


def check_editor(user) -> None:
    if not can_edit(user):
        raise PermissionDenied(
            _("Solo el revisor, el gerente y el publicador de comunicaciones modifican el directorio.")
        )


def is_press_release(material_request: MaterialRequest) -> bool:
    if material_request.kind != Kind.PUBLICATION:
        return False
    details = getattr(material_request, "publication_details", None)
    return details is not None and details.format == PublicationFormat.PRESS_RELEASE


def may_distribute(user, material_request: MaterialRequest) -> bool:
    return (
        can_edit(user)
        and material_request.state == State.PUBLISHED
        and is_press_release(material_request)
        and perm.has_perm(user, material_request, perm.WITHDRAW)
    )


def check_distributable(material_request: MaterialRequest) -> None:
    """The state allows a send (409 otherwise)."""
    if material_request.state != State.PUBLISHED:
        raise ActionNotAvailable(
            _("Solo se difunde una nota de prensa publicada; el estado de esta es «%(state)s».")
            % {"state": material_request.state_label}
        )


def check_distributor(user, material_request: MaterialRequest) -> None:
    """The person may send it (403 otherwise); call check_distributable first."""
    if not may_distribute(user, material_request):
        raise PermissionDenied(_("Solo el publicador o el gerente de comunicaciones difunden una nota publicada."))
