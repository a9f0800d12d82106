"""The inbox: what waits for a person, decided in place. Thin views over the approval
selectors and the workflow services."""

from operator import attrgetter, methodcaller

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.submit import redirect_after_post
from notifications import selectors as notification_selectors
from workflows import lifecycle, policy
from workflows import selectors as request_selectors
from workflows import services as workflow_services
from workflows.exceptions import REFUSALS, DecisionAlreadyRecorded, refusal

from . import flows, selectors, services
from .forms import BulkApproveForm, DecisionForm, NotificationCursorForm, NotificationFilterForm, ReassignForm
from .task_pages import visible_task

# Dates as the list shows them (strftime: the `date` filter costs more, row by row).
DATE_TIME = "%d/%m/%Y %H:%M"
DATE = "%d/%m/%Y"
# The query parameters of the two lists' pages: the other list's page is kept in links.
NOTIFICATION_CURSORS = ("antes", "despues")
TASK_PAGE = "tareas"


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in (*names, "parcial"):
        query.pop(name, None)
    return query.urlencode()


def _notifications(request):
    """The person's notifications for the inbox, filtered, a page at a time; a bad cursor
    gets a Spanish message and the first page."""
    filter_form = NotificationFilterForm(request.GET or None)
    status = kind = None
    if filter_form.is_bound and filter_form.is_valid():
        status, kind = filter_form.cleaned_data["estado"] or None, filter_form.cleaned_data["tipo"] or None
    cursor_form = NotificationCursorForm(request.GET)
    before = after = None
    cursor_error = None
    if cursor_form.is_valid():
        before, after = cursor_form.cleaned_data["antes"], cursor_form.cleaned_data["despues"]
    else:
        cursor_error = _("La página de notificaciones pedida no es válida.")
    page = notification_selectors.notification_page(request.user, status=status, kind=kind, before=before, after=after)
    labels: dict = {}
    for item in page.items:
        item.kind_label = _label(labels, item.kind, methodcaller("get_kind_display"), item)
        item.created_local = timezone.localtime(item.created_at)
        item.created_label = item.created_local.strftime(DATE_TIME)
    bell = notification_selectors.bell(request.user)
    return {
        "notification_filter": filter_form,
        "notification_page": page,
        "notification_query": _query_without(request, *NOTIFICATION_CURSORS),
        "notification_cursor_error": cursor_error,
        # The header's bell and the list's count, read once for both.
        "notification_bell": bell,
        "unread_total": bell["unread"],
    }


def _inbox(request, *, status=200, error=None, decision_form=None, failed_request=None, bulk_results=None):
    # ?parcial=tareas: only the task list, which the page reloads when a notification arrives.
    partial = request.GET.get("parcial") == "tareas"
    template = "approvals/_tasks.html" if partial else "approvals/inbox.html"

    page = selectors.task_page(request.user, request.GET.get(TASK_PAGE))
    entries = _task_entries(request.user, page.object_list)
    approved = sum(1 for item in bulk_results or () if item["ok"])
    if failed_request is not None:
        # The decision dialog opens again on the request as it is now, if it is on the
        # page; a form with errors reopens it anyway, the person's input kept.
        on_page = next((entry["request"] for entry in entries if entry["request"].pk == failed_request.pk), None)
        failed_request = on_page or (failed_request if decision_form is not None and decision_form.errors else None)
    notifications = {} if partial else _notifications(request)
    if notifications.get("notification_cursor_error") and status == 200:
        status = 400
    return render(
        request,
        template,
        {
            "entries": entries,
            "task_page": page,
            "task_query": _query_without(request, TASK_PAGE),
            "approvals": [entry for entry in entries if entry["is_approval"]],
            "error": error,
            "decision_form": decision_form,
            "failed_request": failed_request,
            "bulk_results": bulk_results,
            "bulk_approved": approved,
            "bulk_refused": len(bulk_results or ()) - approved,
            "reassign_candidates": _reassign_candidates(),
            **notifications,
        },
        status=status,
    )


def _task_entries(user, pairs) -> list[dict]:
    """What each row of the task list shows, its URLs and labels made once for the page
    (one `reverse` per URL name, one translation per label) rather than row by row."""
    detail_url, decide_url = _url_maker("workflows:request_detail"), _url_maker("approvals:decide")
    take_url, release_url = _url_maker("approvals:take"), _url_maker("approvals:release")
    reassign_url = _url_maker("approvals:reassign")
    review_url = _url_maker("workflows:version_review")
    labels: dict = {}  # each label translated once for the page, not once per row
    entries = []
    for task, material_request in pairs:
        is_approval = task.flow_task == flows.PublicationFlow.approval
        mine = task.owner_id == user.pk
        # Take what nobody holds, release one's own: one button of the page's queue form.
        # The unit's correction is no queue: nothing to take or reassign there (a task
        # someone took before may still be released).
        queued = services.is_queued(task)
        if task.owner_id is None:
            queue_url = take_url(task.pk) if queued else ""
        else:
            queue_url = release_url(task.pk) if mine else ""
        entries.append(
            {
                "task": task,
                "request": material_request,
                "title": _label(labels, ("task", task.flow_task), attrgetter("task_title"), task.flow_task),
                "state_label": _label(
                    labels,
                    ("state", material_request.state, material_request.kind),
                    attrgetter("state_label"),
                    material_request,
                ),
                "kind_label": _label(
                    labels, ("kind", material_request.kind), methodcaller("get_kind_display"), material_request
                ),
                "is_approval": is_approval,
                "mine": mine,
                "created_label": timezone.localtime(task.created).strftime(DATE_TIME),
                "due_label": material_request.requested_by.strftime(DATE),
                "detail_url": detail_url(material_request.pk),
                "decide_url": decide_url(material_request.pk) if is_approval else "",
                # The version being approved and what changed, loaded when the dialog opens.
                "review_url": review_url(material_request.pk) if is_approval else "",
                "summary": _short(material_request.summary) if is_approval else "",
                "queue_url": queue_url,
                "reassign_url": reassign_url(task.pk) if queued else "",
            }
        )
    return entries


def _label(labels: dict, key, compute, obj) -> str:
    """`compute(obj)` as text, once per `key` for the page."""
    if key not in labels:
        labels[key] = str(compute(obj))
    return labels[key]


def _url_maker(name):
    """pk -> the URL `name` takes with that pk: one `reverse` for the page instead of one
    per row and button (the rows were where the inbox spent its time)."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _short(text: str, limit: int = 300) -> str:
    """truncatechars, without walking every character of a short text."""
    return text if len(text) <= limit else Truncator(text).chars(limit)


def _reassign_candidates():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=policy.office_task_roles())
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
    except DecisionAlreadyRecorded as repeated:
        return True, repeated.message, 200
    except REFUSALS as refused:
        return False, *refusal(refused)
    return True, lifecycle.TRANSITIONS_BY_CODE[code].done_for(updated), 200


@login_required
@require_POST
def decide(request, pk):
    material_request = request_selectors.get_visible_request(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _inbox(
            request, status=400, error=_("Revise la decisión."), decision_form=form, failed_request=material_request
        )
    ok, message, status = _run(
        request.user,
        form.cleaned_data["decision"],
        material_request,
        comment=form.cleaned_data["comment"],
        revision=form.cleaned_data["revision"],
    )
    if not ok:
        return _inbox(request, status=status, error=message, decision_form=form, failed_request=material_request)
    messages.success(request, message)
    return redirect_after_post(request, "approvals:inbox")


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
            results.append(_outcome(f"#{pk}", "", False, _("No existe o no tiene acceso a ella.")))
            continue
        ok, message, _status = _run(
            request.user,
            "approve",
            material_request,
            comment=form.cleaned_data["comment"],
            revision=form.revision_for(pk),
        )
        results.append(_outcome(material_request.reference, material_request.title, ok, message))
    return _inbox(request, bulk_results=results)


def _outcome(reference: str, title: str, ok: bool, message: str) -> dict:
    """One line of the bulk result: the reference once, then what happened in plain words
    (not the single decision's message, which repeats the reference)."""
    text = _("Aprobada.") if ok else _("No se aprobó: %(reason)s") % {"reason": message}
    return {"reference": reference, "title": title, "ok": ok, "message": text}


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
