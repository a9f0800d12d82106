"""The page action that imports a .docx as a draft's body. The URL is wired by the lead."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workflows import policies, selectors
from workflows.exceptions import WorkflowError
from workflows.views import _detail_context

from .importing import import_docx_into_draft


class DocxImportForm(forms.Form):
    # Empty files reach the service, which answers in the same words as for any upload.
    file = forms.FileField(label=gettext_lazy("Documento de Word (.docx)"), allow_empty_file=True)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)


@login_required
@require_POST
def import_docx(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    policies.check_edit(request.user, material_request)
    form = DocxImportForm(request.POST, request.FILES)
    error, status = _("Elija un documento de Word (.docx) para importar."), 400
    if form.is_valid():
        try:
            updated = import_docx_into_draft(
                request.user,
                material_request,
                form.cleaned_data["file"],
                expected_revision=form.cleaned_data.get("revision"),
            )
        except WorkflowError as refused:
            error, status = refused.message, refused.status_code
        else:
            messages.success(
                request,
                _("Documento importado: el contenido del borrador %(reference)s se reemplazó por el del documento.")
                % {"reference": updated.reference},
            )
            return redirect("workflows:request_detail", pk=updated.pk)
    material_request.refresh_from_db()
    context = _detail_context(request.user, material_request, error=error)
    return render(request, "workflows/request_detail.html", context, status=status)
