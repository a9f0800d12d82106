"""The press archive and the media monitoring pages. Thin: read through selectors,
write through services.

Answers: anonymous → login; the archive lists only what the user may see, and an entry
they may not see (or that is not published) is 404; the monitoring log is 404 for whom
may not read it, 403 on writes for its readers who may not write (transparencia,
auditor); an invalid form or upload → 400, re-rendered with its errors and nothing stored.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from workflows.exceptions import WorkflowError
from workflows.models import PUBLISHED_LABELS

from . import policies, selectors, services
from .forms import ArchiveFilterForm, CoverageFilterForm, CoverageForm, MonthField, month_end
from .models import Tone

PAGE_SIZE = 25


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the press archive ------------------------------------------------------------------


@login_required
@require_safe
def archive_list(request):
    filter_form = ArchiveFilterForm(request.GET or None)
    filters = filter_form.filters() if filter_form.is_bound and filter_form.is_valid() else {}
    page = Paginator(selectors.archive_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "press/archive_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "entries": selectors.archive_entries(page.object_list),
            "query": _query_without_page(request),
            "can_read_monitoring": policies.can_read(request.user),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
@require_safe
def archive_entry(request, pk):
    entry = selectors.get_archive_entry(request.user, pk)
    return render(
        request,
        "press/archive_entry.html",
        {
            "entry": entry,
            "material_request": entry.request,
            "published_label": PUBLISHED_LABELS[entry.request.kind],
            "versions": selectors.published_versions(entry.request),
            "can_read_monitoring": policies.can_read(request.user),
            "can_record": policies.can_record(request.user),
        },
    )


# --- the media monitoring log -----------------------------------------------------------


@login_required
@require_safe
def coverage_list(request):
    policies.require_reader(request.user)
    filter_form = CoverageFilterForm(request.GET or None, user=request.user)
    filters = filter_form.filters() if filter_form.is_bound and filter_form.is_valid() else {}
    page = Paginator(selectors.coverage_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    visible = selectors.visible_request_ids(request.user, [item.request_id for item in page.object_list])
    return render(
        request,
        "press/coverage_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "visible_requests": visible,
            "query": _query_without_page(request),
            "can_record": policies.can_record(request.user),
        },
        status=400 if filter_form.errors else 200,
    )


def _apply_service_error(form, error: WorkflowError) -> None:
    for name, field_messages in error.field_errors.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


def _coverage_form_page(request, form, coverage, status):
    return render(request, "press/coverage_form.html", {"form": form, "coverage": coverage}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_create(request):
    policies.require_reader(request.user)
    policies.check_recorder(request.user)
    if request.method != "POST":
        initial = {"published_on": timezone.localdate()}
        linked = request.GET.get("solicitud", "")
        if linked.isdigit():
            initial["request"] = int(linked)
        return _coverage_form_page(request, CoverageForm(initial=initial, user=request.user), None, 200)
    form = CoverageForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            coverage = services.record_coverage(
                request.user, data=form.service_data(), clipping=form.cleaned_data.get("clipping")
            )
        except WorkflowError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("Cobertura registrada: %(medium)s.") % {"medium": coverage.medium})
            return redirect("press:coverage_list")
    return _coverage_form_page(request, form, None, 400)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_edit(request, pk):
    coverage = selectors.get_coverage(request.user, pk)
    policies.check_recorder(request.user)
    if request.method != "POST":
        return _coverage_form_page(request, CoverageForm(instance=coverage, user=request.user), coverage, 200)
    form = CoverageForm(request.POST, request.FILES, instance=coverage, user=request.user)
    if form.is_valid():
        try:
            services.update_coverage(
                request.user,
                coverage,
                data=form.service_data(),
                clipping=form.cleaned_data.get("clipping"),
                remove_clipping=form.cleaned_data.get("remove_clipping", False),
            )
        except WorkflowError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("Cobertura actualizada."))
            return redirect("press:coverage_list")
    coverage.refresh_from_db()
    return _coverage_form_page(request, form, coverage, 400)


@login_required
@require_safe
def coverage_clipping(request, pk):
    coverage = selectors.get_clipping(request.user, pk)
    response = FileResponse(
        services.open_clipping(request.user, coverage),
        as_attachment=True,
        filename=coverage.clipping_name,
        content_type=coverage.clipping_content_type,
    )
    response["X-Content-SHA256"] = coverage.clipping_sha256
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def coverage_summary(request):
    policies.require_reader(request.user)
    field = MonthField(required=False)
    status, error = 200, ""
    try:
        month = field.clean(request.GET.get("mes", "")) or timezone.localdate().replace(day=1)
    except ValidationError as refused:  # say so, and show the current month
        month, status, error = timezone.localdate().replace(day=1), 400, " ".join(refused.messages)
    summary = selectors.coverage_summary(month, month_end(month))
    visible = selectors.visible_request_ids(request.user, [row[0] for row in summary.by_request])
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = month_end(month) + timedelta(days=1)
    tones = [
        {
            "code": tone.value,
            "label": tone.label,
            "count": summary.by_tone[tone.value],
            "share": (summary.by_tone[tone.value] / summary.total * 100) if summary.total else 0.0,
        }
        for tone in Tone
    ]
    return render(
        request,
        "press/coverage_summary.html",
        {
            "month": month,
            "summary": summary,
            "tones": tones,
            "by_request": [
                {"pk": pk, "reference": reference, "title": title, "count": count, "visible": pk in visible}
                for pk, reference, title, count in summary.by_request
            ],
            "previous": previous,
            "following": following if following <= timezone.localdate() else None,
            "error": error,
        },
        status=status,
    )
