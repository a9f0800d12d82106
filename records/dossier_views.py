"""Dossier exports: ask for one, watch it being built, download it (its requester only)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import ExportJob
from transparency.models import TransparencyRequest
from workflows.exceptions import InvalidInput
from workflows.models import MaterialRequest

from . import jobs


class DossierForm(forms.Form):
    redact = forms.BooleanField(
        label=gettext_lazy("Ocultar datos personales (copia para entregar al solicitante)"), required=False
    )
    private_names = forms.CharField(
        label=gettext_lazy("Nombres de personas particulares a ocultar (uno por línea)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


def _ask(request, *, target_label, back_url, create):
    """The form of a dossier; its views have checked who asks, before any lookup."""
    form = DossierForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = create(form.cleaned_data["redact"], form.cleaned_data["private_names"])
            except InvalidInput as error:
                form.add_error(None, error.message)
                for field, errors in error.field_errors.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            except PermissionError as error:
                raise Http404 from error
            else:
                messages.success(request, _("Se está preparando el expediente."))
                return redirect("dossier:job", job_id=job.pk)
        status = 400
    return render(
        request,
        "records/dossier/ask.html",
        {"form": form, "target_label": target_label, "back_url": back_url},
        status=status,
    )


@login_required
def request_dossier(request, pk):
    if not jobs.may_export(request.user):
        raise PermissionDenied
    material_request = MaterialRequest.objects.filter(pk=pk).first()
    if material_request is None or not jobs.may_export_request(request.user, material_request):
        raise Http404(_("No existe la solicitud o no tiene acceso a ella."))
    return _ask(
        request,
        target_label=f"{material_request.reference} — {material_request.title}",
        back_url=reverse("workflows:request_detail", args=[material_request.pk]),
        create=lambda redact, names: jobs.request_dossier(
            request.user, material_request, redact=redact, private_names=names
        ),
    )


@login_required
def transparency_dossier(request, pk):
    if not jobs.may_export(request.user):
        raise PermissionDenied
    entry = get_object_or_404(TransparencyRequest, pk=pk)
    return _ask(
        request,
        target_label=_("Pedido de acceso a la información %(reference)s") % {"reference": entry.reference},
        back_url=reverse("transparency:detail", args=[entry.pk]),
        create=lambda redact, names: jobs.transparency_dossier(request.user, entry, redact=redact, private_names=names),
    )


def _own_job(request, job_id) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None:
        raise Http404(_("No existe esa exportación o no es suya."))
    return job


def _status(job: ExportJob) -> dict:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": job.percent,
        "done": job.steps_done,
        "total": job.steps_total,
        "error": job.error,
        "download_url": reverse("dossier:download", args=[job.pk]) if job.status == ExportJob.Status.DONE else "",
    }


@login_required
def job_list(request):
    if not jobs.may_export(request.user):
        raise PermissionDenied
    own = ExportJob.objects.filter(requested_by=request.user).order_by("-created_at")[:50]
    return render(request, "records/dossier/list.html", {"jobs": own})


@login_required
def job_detail(request, job_id):
    job = _own_job(request, job_id)
    return render(request, "records/dossier/job.html", {"job": job, "state": _status(job)})


@login_required
def job_status(request, job_id):
    return JsonResponse(_status(_own_job(request, job_id)))


@login_required
def job_download(request, job_id):
    job = _own_job(request, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        return render(
            request, "records/dossier/job.html", {"job": job, "state": _status(job), "not_ready": True}, status=409
        )
    jobs.record_download(request.user, job)
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
