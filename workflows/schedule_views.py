"""Pages of the scheduled publication: schedule and unschedule, from the request's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import scheduling, selectors
from .exceptions import REFUSALS, WorkflowError, refusal
from .schedule_forms import ScheduleForm, UnscheduleForm
from .views import _apply_service_error, _detail_context


def _refused_page(request, material_request, *, error, status, **forms):
    material_request.refresh_from_db()
    context = _detail_context(request.user, material_request, error=error)
    context.update(forms)
    return render(request, "workflows/request_detail.html", context, status=status)


@login_required
@require_POST
def schedule_publication(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _refused_page(
            request, material_request, error=_("Revise la programación."), status=400, schedule_form=form
        )
    try:
        scheduled = scheduling.schedule_publication(request.user, material_request, **form.service_kwargs())
    except REFUSALS as refused:
        if isinstance(refused, WorkflowError):
            _apply_service_error(form, refused)
        error, status = refusal(refused)
        return _refused_page(request, material_request, error=error, status=status, schedule_form=form)
    messages.success(
        request,
        _("Publicación de %(reference)s programada para el %(when)s.")
        % {
            "reference": scheduled.reference,
            "when": formats.date_format(timezone.localtime(scheduled.publish_scheduled_at), "d/m/Y H:i"),
        },
    )
    return redirect("workflows:request_detail", pk=pk)


@login_required
@require_POST
def unschedule_publication(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    form = UnscheduleForm(request.POST)
    if not form.is_valid():
        return _refused_page(
            request,
            material_request,
            error=_("Indique el motivo para anular la publicación programada."),
            status=400,
            unschedule_form=form,
        )
    try:
        scheduling.unschedule_publication(
            request.user,
            material_request,
            reason=form.cleaned_data["reason"],
            expected_revision=form.cleaned_data["revision"],
        )
    except REFUSALS as refused:
        error, status = refusal(refused)
        return _refused_page(request, material_request, error=error, status=status, unschedule_form=form)
    messages.success(
        request, _("Se anuló la publicación programada de %(reference)s.") % {"reference": material_request.reference}
    )
    return redirect("workflows:request_detail", pk=pk)
