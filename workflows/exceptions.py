"""Errors a service raises when it refuses a change. Each carries a Spanish message
for the person and the HTTP status a view answers with. Lack of permission is Django's
own PermissionDenied (403)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


class WorkflowError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field_errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class InvalidInput(WorkflowError):
    status_code = 400


class ActionNotAvailable(WorkflowError):
    """The action is not legal from the request's current state."""

    status_code = 409


class StaleRequest(WorkflowError):
    """The request changed since the page that sent the form was loaded."""

    status_code = 409

    def __init__(self):
        super().__init__(
            _(
                "La solicitud cambió desde que abrió esta página (otra persona actuó sobre ella). "
                "Revise su estado actual y vuelva a intentarlo."
            )
        )


class DecisionAlreadyRecorded(StaleRequest):
    """The same person sent the same decision again from the same page (a double click, or a
    retry after the connection dropped while the first one was being recorded): it is
    recorded once, and this says so. A StaleRequest, so a caller that does not look for it
    still answers with a clear message and changes nothing."""

    def __init__(self, material_request):
        WorkflowError.__init__(
            self,
            _("Su decisión sobre %(reference)s ya estaba registrada; no se repitió.")
            % {"reference": material_request.reference},
        )
        self.material_request = material_request


REFUSALS = (PermissionDenied, WorkflowError)


def refusal(error) -> tuple[str, int]:
    """The Spanish message and HTTP status a page answers a refused change with."""
    if isinstance(error, PermissionDenied):
        return str(error) or _("No tiene permiso para esta acción."), 403
    return error.message, error.status_code
