"""The inbox: what waits for a person, decided in place. Thin views over the approval
selectors and the workflow services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors as notification_selectors
from organization.roles import Role
from workflows import selectors as request_selectors
from workflows import services as workflow_services
from workflows.exceptions import REFUSALS, refusal

from . import flows, selectors, services
from .forms import BulkApproveForm, DecisionForm, NotificationFilterForm, ReassignForm
from .task_pages import visible_task

NOTIFICATIONS_PAGE_SIZE = 20


def _notifications(request):
    """The person's notifications for the inbox, filtered and paginated."""
    filter_form = NotificationFilterForm(request.GET or None)
    status = kind = None
    if filter_form.is_bound and filter_form.is_valid():
        status, kind = filter_form.cleaned_data["estado"] or None, filter_form.cleaned_data["tipo"] or None
    notifications = notification_selectors.notifications_for(request.user, status=status, kind=kind)
    page = Paginator(notifications, NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return {
        "notification_filter": filter_form,
        "notification_page": page,
        "notification_query": query.urlencode(),
        "notification_last_id": max((item.pk for item in page.object_list), default=0),
        "unread_total": notification_selectors.unread_count(request.user),
    }


def _inbox(request, *, status=200, error=None, decision_form=None, failed_pk=None, bulk_results=None):
    # ?parcial=tareas: only the task list, which the page reloads when a notification arrives.
    template = "approvals/_tasks.html" if request.GET.get("parcial") == "tareas" else "approvals/inbox.html"

    entries = [
        {
            "task": task,
            "request": material_request,
            "title": task.flow_task.task_title,
            "is_approval": task.flow_task == flows.PublicationFlow.approval,
            "mine": task.owner_id == request.user.pk,
        }
        for task, material_request in selectors.tasks_for(request.user)
    ]
    return render(
        request,
        template,
        {
            "entries": entries,
            "approvals": [entry for entry in entries if entry["is_approval"]],
            "error": error,
            "decision_form": decision_form,
            "failed_pk": failed_pk,
            "bulk_results": bulk_results,
            "reassign_candidates": _reassign_candidates(),
            **(_notifications(request) if template == "approvals/inbox.html" else {}),
        },
        status=status,
    )


def _reassign_candidates():
    office = (Role.REVISOR, Role.GERENTE, Role.PUBLICADOR)
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=office)
        .distinct()
        .order_by("first_name", "username")
    )


@login_required
def inbox(request):
    return _inbox(request)


def _run(user, code, material_request, *, comment, revision):
    """One decision; returns (ok, message) in Spanish."""
    try:
        updated = workflow_services.ACTION_SERVICES[code](
            user, material_request, comment=comment, expected_revision=revision
        )
    except REFUSALS as refused:
        return False, *refusal(refused)
    return (
        True,
        _("%(reference)s: ahora está «%(state)s».")
        % {
            "reference": updated.reference,
            "state": updated.state_label,
        },
        200,
    )


@login_required
@require_POST
def decide(request, pk):
    material_request = request_selectors.get_visible_request(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _inbox(
            request, status=400, error=_("Revise la decisión."), decision_form=form, failed_pk=material_request.pk
        )
    ok, message, status = _run(
        request.user,
        form.cleaned_data["decision"],
        material_request,
        comment=form.cleaned_data["comment"],
        revision=form.cleaned_data["revision"],
    )
    if not ok:
        return _inbox(request, status=status, error=message, decision_form=form, failed_pk=material_request.pk)
    messages.success(request, message)
    return redirect("approvals:inbox")


@login_required
@require_POST
def bulk_approve(request):
    """Each selected request is approved by its own transition, audited on its own, with
    the separation-of-duties rules applied one by one; the page reports every item."""
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        return _inbox(request, status=400, error=" ".join(form.errors.get("requests", [])) or _("Revise la selección."))
    results = []
    for pk in form.cleaned_data["requests"]:
        try:
            material_request = request_selectors.get_visible_request(request.user, pk)
        except Http404:
            results.append({"reference": f"#{pk}", "ok": False, "message": _("No existe o no tiene acceso a ella.")})
            continue
        ok, message, _status = _run(
            request.user,
            "approve",
            material_request,
            comment=form.cleaned_data["comment"],
            revision=form.revision_for(pk),
        )
        results.append({"reference": material_request.reference, "ok": ok, "message": message})
    return _inbox(request, bulk_results=results)


def _queue_action(request, task_pk, operation, success_message, **kwargs):
    task = visible_task(request.user, task_pk)
    try:
        getattr(services, operation)(request.user, task.pk, **kwargs)
    except PermissionDenied as denied:
        return _inbox(request, status=403, error=str(denied))
    messages.success(request, success_message)
    return redirect("approvals:inbox")


@login_required
@require_POST
def take(request, task_pk):
    return _queue_action(request, task_pk, "take_task", _("Tarea tomada: ahora es suya."))


@login_required
@require_POST
def release(request, task_pk):
    return _queue_action(request, task_pk, "release_task", _("Tarea liberada: vuelve a la cola."))


@login_required
@require_POST
def reassign(request, task_pk):
    form = ReassignForm(request.POST)
    if not form.is_valid():
        visible_task(request.user, task_pk)
        return _inbox(request, status=400, error=_("Elija a quién reasignar la tarea."))
    return _queue_action(
        request, task_pk, "reassign_task", _("Tarea reasignada."), to_user=form.cleaned_data["to_user"]
    )
