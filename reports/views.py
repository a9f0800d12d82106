"""The reports page: the list of generated reports, the form to generate one, downloads.

Answers: anonymous → login; who may not read reports → 404 (not revealed); a reader who
may not generate → 403; an invalid period → 400, the page again with the error."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from workflows.exceptions import WorkflowError

from . import policies, selectors, services
from .forms import GenerateReportForm

logger = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_SIZE = 25


def _list_page(request, form, *, status=200):
    page = Paginator(selectors.report_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/list.html",
        {"page": page, "form": form, "can_generate": policies.can_generate(request.user)},
        status=status,
    )


@login_required
@require_safe
def report_list(request):
    policies.require_reader(request.user)
    return _list_page(request, GenerateReportForm())


@login_required
@require_POST
def report_generate(request):
    policies.require_reader(request.user)
    policies.check_generate(request.user)
    form = GenerateReportForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        report = services.generate_report(request.user, form.cleaned_data["period"])
    except WorkflowError as error:
        form.add_error(None, error.message)
        return _list_page(request, form, status=error.status_code)
    messages.success(
        request,
        _("%(title)s: versión %(version)s generada.") % {"title": report.period.title, "version": report.version},
    )
    return redirect("reports:list")


@login_required
@require_safe
def report_download(request, pk):
    report = selectors.get_report(request.user, pk)
    try:
        data = services.download_report(request.user, report)
    except services.ReportIntegrityError:
        logger.exception("Informe %s: falla de integridad", report.reference)
        return render(request, "reports/integrity_error.html", {"report": report}, status=500)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["X-Content-SHA256"] = report.sha256
    response["Cache-Control"] = "private, no-store"
    return response
