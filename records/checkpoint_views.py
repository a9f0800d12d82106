"""Checkpoints of the audit log: listed for control, made on demand by the auditor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditCheckpoint
from audit.services import create_checkpoint
from organization.roles import Role
from organization.selectors import reads_the_record, roles_of


def _may_seal(user) -> bool:
    # The control body seals the log; the administrator may too (e.g. before maintenance).
    return user.is_superuser or Role.AUDITOR in roles_of(user)


@login_required
def checkpoint_list(request):
    if not reads_the_record(request.user):
        raise PermissionDenied
    page = Paginator(AuditCheckpoint.objects.order_by("-sequence"), 25).get_page(request.GET.get("page"))
    return render(request, "records/checkpoints.html", {"page": page, "may_seal": _may_seal(request.user)})


@login_required
@require_POST
def checkpoint_create(request):
    if not _may_seal(request.user):
        raise PermissionDenied
    checkpoint = create_checkpoint(created_by=request.user.get_username())
    messages.success(
        request,
        _("Punto de control #%(n)s creado: %(chains)s cadenas, %(events)s eventos.")
        % {"n": checkpoint.sequence, "chains": checkpoint.chain_count, "events": checkpoint.event_count},
    )
    return redirect("checkpoints:list")
