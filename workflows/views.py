"""Thin views: read through selectors, write through services, answer errors in Spanish."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.submit import redirect_after_post
from organization.selectors import unit_ids_of

from . import policies, selectors, services
from .display import decision_rows, detail_rows, history_rows
from .exceptions import REFUSALS, DecisionAlreadyRecorded, WorkflowError, refusal
from .forms import (
    DETAILS_FORMS,
    AttachmentForm,
    RequestFilterForm,
    RequestForm,
    RevokeForm,
    ShareForm,
    action_form_class,
)
from .models import Kind

PAGE_SIZE = 25


@login_required
def request_list(request):
    filter_form = RequestFilterForm(request.GET or None)
    filters = {}
    if filter_form.is_bound and filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = {
            "state": data["state"],
            "kind": data["kind"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "search": data["q"].strip(),
        }
    page = Paginator(selectors.request_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workflows/request_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "can_create": bool(unit_ids_of(request.user)),
        },
        status=200 if not filter_form.errors else 400,
    )


def _require_unit(user):
    if not unit_ids_of(user):
        raise PermissionDenied(_("No pertenece a ninguna unidad orgánica: no puede crear solicitudes."))


@login_required
def request_kind_choice(request):
    _require_unit(request.user)
    return render(request, "workflows/kind_choice.html", {"kinds": Kind.choices})


def _kind_or_404(kind: str) -> Kind:
    if kind not in Kind.values:
        raise Http404(_("Tipo de solicitud desconocido."))
    return Kind(kind)


def _render_form(request, *, kind, form, details_form, material_request=None, status=200):
    return render(
        request,
        "workflows/request_form.html",
        {
            "kind": kind,
            "kind_label": kind.label,
            "form": form,
            "details_form": details_form,
            "material_request": material_request,
            "edit_bars_decision": material_request is not None
            and policies.edit_bars_decision(request.user, material_request),
        },
        status=status,
    )


def _apply_service_error(form, error: WorkflowError):
    for field, errors in error.field_errors.items():
        target = field if field in form.fields else None
        for message in errors:
            form.add_error(target, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@login_required
def request_create(request, kind):
    kind = _kind_or_404(kind)
    _require_unit(request.user)
    details_form_class = DETAILS_FORMS[kind]
    if request.method != "POST":
        return _render_form(
            request, kind=kind, form=RequestForm(user=request.user), details_form=details_form_class(prefix="d")
        )
    form = RequestForm(request.POST, user=request.user)
    details_form = details_form_class(request.POST, prefix="d")
    if form.is_valid() and details_form.is_valid():
        try:
            material_request = services.create_request(
                request.user,
                unit=form.cleaned_data["unit"],
                kind=kind,
                fields=form.cleaned_data,
                details=details_form.cleaned_data,
                client_token=form.cleaned_data.get("client_token"),
            )
        except WorkflowError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, _("Borrador %(reference)s guardado.") % {"reference": material_request.reference})
            return redirect("workflows:request_detail", pk=material_request.pk)
    return _render_form(request, kind=kind, form=form, details_form=details_form, status=400)


@login_required
def request_edit(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    policies.check_edit(request.user, material_request)
    kind = Kind(material_request.kind)
    details_form_class = DETAILS_FORMS[kind]
    if request.method != "POST":
        return _render_form(
            request,
            kind=kind,
            form=RequestForm(instance=material_request, user=request.user),
            details_form=details_form_class(instance=material_request.details, prefix="d"),
            material_request=material_request,
        )
    # Forms validate copies, so a refused save leaves the loaded objects untouched.
    form = RequestForm(request.POST, instance=material_request, user=request.user)
    details_form = details_form_class(request.POST, instance=material_request.details, prefix="d")
    status = 400
    if form.is_valid() and details_form.is_valid():
        try:
            updated = services.update_request(
                request.user,
                material_request,
                fields=form.cleaned_data,
                details=details_form.cleaned_data,
                expected_revision=form.cleaned_data.get("revision"),
            )
        except WorkflowError as error:
            _apply_service_error(form, error)
            status = error.status_code
        else:
            if updated.state != material_request.state:
                messages.warning(
                    request,
                    _(
                        "Cambios guardados. Como la solicitud %(reference)s ya estaba aprobada, vuelve a "
                        "aprobación del gerente."
                    )
                    % {"reference": updated.reference},
                )
            else:
                messages.success(request, _("Cambios guardados."))
            return redirect("workflows:request_detail", pk=updated.pk)
    # Show the page as it is in the database, not the rejected values the form applied.
    material_request.refresh_from_db()
    return _render_form(
        request, kind=kind, form=form, details_form=details_form, material_request=material_request, status=status
    )


def _detail_context(
    user, material_request, *, failed_action=None, failed_form=None, error=None, attachment_form=None, share_form=None
):
    actions = []
    for action in policies.available_actions(user, material_request):
        if failed_action is not None and action.code == failed_action.code:
            form = failed_form
        else:
            form = action_form_class(action)(action=action, initial={"revision": material_request.revision})
        actions.append({"action": action, "label": action.label_for(material_request), "form": form})
    decisions = list(selectors.request_decisions(material_request))
    standing = selectors.standing_decisions(decisions)
    return {
        "returned": selectors.returned_decision(material_request, decisions),
        "material_request": material_request,
        "detail_rows": detail_rows(material_request),
        "decisions": decision_rows(decisions),
        "submission": standing.get("submit"),
        "approval": standing.get("urgent_publish") or standing.get("approve"),
        "publication": standing.get("publish") or standing.get("urgent_publish"),
        "post_review": standing.get("post_review"),
        "history": history_rows(selectors.request_history(material_request)),
        "attachments": material_request.attachments.all(),
        "actions": actions,
        "can_edit": policies.can_edit(user, material_request),
        "attachment_form": attachment_form or AttachmentForm(),
        "shares": material_request.shares.filter(revoked_at__isnull=True).select_related("unit", "user"),
        "can_share": policies.can_share(user, material_request),
        "share_form": share_form or ShareForm(material_request=material_request),
        "failed_action": failed_action.code if failed_action else "",
        "action_error": error,
    }


@login_required
def request_detail(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    return render(request, "workflows/request_detail.html", _detail_context(request.user, material_request))


@login_required
@require_POST
def request_action(request, pk, code):
    action = policies.ACTIONS.get(code)
    if action is None:
        raise Http404(_("Acción desconocida."))
    material_request = selectors.get_visible_request(request.user, pk)
    form = action_form_class(action)(request.POST, action=action)
    error, status = None, 400
    if form.is_valid():
        try:
            updated = services.ACTION_SERVICES[code](request.user, material_request, **form.service_kwargs())
        except DecisionAlreadyRecorded as repeated:
            messages.info(request, repeated.message)
            return redirect_after_post(request, "workflows:request_detail", pk=pk)
        except REFUSALS as refused:
            if isinstance(refused, WorkflowError):
                _apply_service_error(form, refused)
            error, status = refusal(refused)
        else:
            messages.success(request, action.done_for(updated))
            if not policies.can_view(request.user, updated):
                return redirect_after_post(request, "workflows:request_list")
            return redirect_after_post(request, "workflows:request_detail", pk=pk)
    else:
        error = _("Revise el formulario de la acción.")
    material_request.refresh_from_db()
    context = _detail_context(request.user, material_request, failed_action=action, failed_form=form, error=error)
    return render(request, "workflows/request_detail.html", context, status=status)


@login_required
@require_POST
def attachment_upload(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    policies.check_edit(request.user, material_request)
    form = AttachmentForm(request.POST, request.FILES)
    error, status = _("Elija un archivo para adjuntar."), 400
    if form.is_valid():
        try:
            attachment = services.add_attachment(
                request.user, material_request, form.cleaned_data["file"], description=form.cleaned_data["description"]
            )
        except WorkflowError as refused:
            error, status = refused.message, refused.status_code
            form.add_error("file", refused.message)
        else:
            messages.success(request, _("Archivo «%(name)s» adjuntado.") % {"name": attachment.original_name})
            return redirect("workflows:request_detail", pk=pk)
    material_request.refresh_from_db()
    context = _detail_context(request.user, material_request, error=error, attachment_form=form)
    return render(request, "workflows/request_detail.html", context, status=status)


@login_required
def attachment_download(request, pk, attachment_id):
    material_request = selectors.get_visible_request(request.user, pk)
    attachment = get_object_or_404(material_request.attachments, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
@require_POST
def attachment_remove(request, pk, attachment_id):
    material_request = selectors.get_visible_request(request.user, pk)
    attachment = get_object_or_404(material_request.attachments, pk=attachment_id)
    services.remove_attachment(request.user, attachment)
    messages.success(request, _("Adjunto «%(name)s» eliminado.") % {"name": attachment.original_name})
    return redirect("workflows:request_detail", pk=pk)


@login_required
@require_POST
def share_create(request, pk):
    material_request = selectors.get_visible_request(request.user, pk)
    policies.check_share(request.user, material_request)
    form = ShareForm(request.POST, material_request=material_request)
    error, status = _("Revise los datos para compartir."), 400
    if form.is_valid():
        try:
            share = services.share_request(
                request.user,
                material_request,
                reason=form.cleaned_data["reason"],
                unit=form.cleaned_data["unit"],
                user=form.cleaned_data["user"],
            )
        except WorkflowError as refused:
            _apply_service_error(form, refused)
            error, status = refused.message, refused.status_code
        else:
            messages.success(request, _("Solicitud compartida con %(who)s.") % {"who": share.unit or share.user})
            return redirect("workflows:request_detail", pk=pk)
    context = _detail_context(request.user, material_request, error=error, share_form=form)
    return render(request, "workflows/request_detail.html", context, status=status)


@login_required
@require_POST
def share_revoke(request, pk, share_id):
    material_request = selectors.get_visible_request(request.user, pk)
    share = get_object_or_404(material_request.shares, pk=share_id)
    policies.check_share(request.user, material_request)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request.user, material_request, error=_("Indique el motivo para dejar de compartir."))
        return render(request, "workflows/request_detail.html", context, status=400)
    try:
        services.revoke_share(request.user, share, reason=form.cleaned_data["reason"])
    except WorkflowError as refused:
        context = _detail_context(request.user, material_request, error=refused.message)
        return render(request, "workflows/request_detail.html", context, status=refused.status_code)
    messages.success(request, _("Se dejó de compartir con %(who)s.") % {"who": share.unit or share.user})
    return redirect("workflows:request_detail", pk=pk)


@login_required
def urgent_publications(request):
    """Urgent publications and their share of everything published: the office's own
    check that the emergency path stays the exception."""
    policies.check_urgent_overview(request.user)
    return render(request, "workflows/urgent_list.html", selectors.urgent_overview(request.user))
