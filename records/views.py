"""The audit log for the auditor (OCI) and the responsable de transparencia: the global
log with filters, the trail of one request, and exports of either to CSV and XLSX."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import exports, selectors
from audit.labels import action_label, kind_label, object_label, people_among, person_label, state_label
from audit.services import chain_for
from audit.verification import verify_chain
from organization.selectors import reads_the_record
from workflows.models import MaterialRequest
from workflows.permissions import VIEW, perms_of

from .forms import AuditLogFilterForm, CursorForm

REQUEST_TYPE = "workflows.materialrequest"
CURSOR_PARAMS = ("before", "after")


def check_audit_access(user) -> None:
    """The log is the auditor's and transparencia's (and an administrator's). Everybody
    else knows the section exists and is refused it: 403, whatever the object asked for,
    so the answer reveals nothing about which requests exist."""
    if not reads_the_record(user):
        raise PermissionDenied(
            _("Solo el auditor y el responsable de transparencia consultan el registro de auditoría.")
        )


def _filter_query(request) -> str:
    """The current filters as a query string, without the page cursor: for the export
    links and the page links."""
    query = request.GET.copy()
    for name in CURSOR_PARAMS:
        query.pop(name, None)
    return query.urlencode()


def _rows(events) -> list[dict]:
    """The events labelled for people: Spanish labels for actions, states and kinds, people
    by name and username, and what an event that is not about a request is about (the
    users among those objects read in one query)."""
    people = people_among((event.object_type, event.object_id) for event in events)
    return [
        {
            "event": event,
            "actor_label": person_label(event.actor, event.actor_username),
            "on_behalf_of_label": person_label(event.on_behalf_of) if event.on_behalf_of_id else "",
            "action_label": action_label(event.action),
            "from_label": state_label(event.from_state) if event.from_state else "",
            "to_label": state_label(event.to_state) if event.to_state else "",
            "kind_label": kind_label(event.request_kind) if event.request_kind else "",
            "request_pk": event.object_id if event.object_type == REQUEST_TYPE else None,
            "object_label": object_label(event.object_type, event.object_id, event.reference, people)
            if event.object_type != REQUEST_TYPE
            else "",
        }
        for event in events
    ]


@login_required
@require_GET
def log(request):
    check_audit_access(request.user)
    filter_form = AuditLogFilterForm(request.GET)
    cursor_form = CursorForm(request.GET)
    context = {"filter_form": filter_form, "filter_query": _filter_query(request), "page": None, "rows": []}
    if not filter_form.is_valid() or not cursor_form.is_valid():
        # Nothing is listed under filters that do not say what they mean: the form comes
        # back as typed, with its errors, and no export link carries them.
        context["cursor_errors"] = cursor_form.non_field_errors() or (
            [_("La página pedida no es válida.")] if cursor_form.errors else []
        )
        return render(request, "records/log/log.html", context, status=400)
    page = selectors.log_page(
        filter_form.filters(), before=cursor_form.cleaned_data["before"], after=cursor_form.cleaned_data["after"]
    )
    context.update(page=page, rows=_rows(page.events))
    return render(request, "records/log/log.html", context)


@login_required
@require_GET
def request_timeline(request, pk):
    """Every event of one request's chain, in order, with everything recorded.

    Who: the auditor, transparencia and administrators, for ANY request, drafts and
    cancelled ones included. The per-object permissions give those roles `view` only on
    published and withdrawn requests, but that governs the request's content (its page,
    body and attachments). This page is its trail, and the design gives the auditor "the
    read-only audit trail" and transparencia "everything published and its trail"; both
    already read every event of every request in the global log the issue grants them,
    so hiding the same events here would protect nothing. The OCI must be able to audit
    what was cancelled or never left draft. Everybody else: 403 before the request is
    looked up (nothing about its existence leaks); a missing request: 404."""
    check_audit_access(request.user)
    try:
        material_request = MaterialRequest.objects.select_related("unit").get(pk=pk)
    except MaterialRequest.DoesNotExist as error:
        raise Http404(_("No existe la solicitud.")) from error
    # The chain recomputed from the stored events: whether each one still gives its hash
    # and links to the one before, and the first position where that fails.
    verification = verify_chain(chain_for(material_request))
    broken_at = verification.first_break.sequence if verification.first_break else None
    rows = _rows(list(selectors.events_for(material_request).select_related("unit")))
    for row in rows:
        event = row["event"]
        row["data_json"] = json.dumps(event.data, ensure_ascii=False, sort_keys=True) if event.data else ""
        row["broken"] = event.sequence == broken_at
    return render(
        request,
        "records/log/timeline.html",
        {
            "material_request": material_request,
            "rows": rows,
            "can_view_request": VIEW in perms_of(request.user, material_request),
            "verification": verification,
            "export_query": f"request={material_request.pk}",
        },
    )


def _refused_export(request, filter_form):
    return render(
        request,
        "records/log/log.html",
        {"filter_form": filter_form, "filter_query": "", "page": None, "rows": [], "export_refused": True},
        status=400,
    )


def _export_name(extension: str) -> str:
    return f"auditoria-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


@login_required
@require_GET
def export_csv(request):
    check_audit_access(request.user)
    filter_form = AuditLogFilterForm(request.GET)
    if not filter_form.is_valid():
        return _refused_export(request, filter_form)
    _event, up_to = exports.record_export(request.user, fmt="csv", filters=filter_form.described_filters())
    rows = selectors.export_rows(filter_form.filters(), up_to=up_to)
    lines = exports.csv_lines(rows, exports.RowFormatter())
    if isinstance(request, ASGIRequest):
        lines = exports.async_chunks(lines, batch=1000)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@login_required
@require_GET
def export_xlsx(request):
    check_audit_access(request.user)
    filter_form = AuditLogFilterForm(request.GET)
    if not filter_form.is_valid():
        return _refused_export(request, filter_form)
    _event, up_to = exports.record_export(request.user, fmt="xlsx", filters=filter_form.described_filters())
    rows = selectors.export_rows(filter_form.filters(), up_to=up_to)
    workbook = exports.xlsx_file(rows, exports.RowFormatter())
    response = FileResponse(
        workbook,
        as_attachment=True,
        filename=_export_name("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    if isinstance(request, ASGIRequest):
        # The headers (length included) come from the file; the body is read block by
        # block, not listed whole (see exports.async_chunks). FileResponse still closes it.
        response.streaming_content = exports.async_chunks(exports.file_blocks(workbook), batch=16)
    return response
