"""The register's pages. Thin: read through selectors, write through services.

Answers: anonymous → login; who may not read the register → 404 (not revealed); a
reader who may not act (auditor, administrator without the role) → 403; an action the
entry's state does not allow → 409; an invalid form → 400, re-rendered with its errors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from workflows.exceptions import REFUSALS, WorkflowError, refusal
from workflows.models import MaterialRequest

from . import policies, selectors, services
from .display import history_rows
from .forms import ACTION_FORMS, FilterForm, LinkRequestForm, LinkVersionForm, TransparencyRequestForm

PAGE_SIZE = 25


def _apply_service_error(form, error: WorkflowError) -> None:
    for field, messages_ in error.field_errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@login_required
@require_safe
def register_list(request):
    selectors.require_reader(request.user)
    filter_form = FilterForm(request.GET or None)
    filters = {}
    if filter_form.is_bound and filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = {
            "state": data["state"],
            "officer": data["officer"],
            "overdue": data["overdue"],
            "search": data["q"].strip(),
        }
    page = Paginator(selectors.register_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "transparency/list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "rows": selectors.with_deadlines(page.object_list),
            "query": query.urlencode(),
            "can_act": policies.can_act(request.user),
        },
        status=200 if not filter_form.errors else 400,
    )


def _require_actor(user) -> None:
    selectors.require_reader(user)
    policies.check_actor(user)


@login_required
@require_http_methods(["GET", "POST"])
def register_create(request):
    _require_actor(request.user)
    form = TransparencyRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                entry = services.register_request(
                    request.user, data=form.service_data(), client_token=form.cleaned_data.get("client_token")
                )
            except WorkflowError as error:
                _apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Solicitud %(reference)s registrada. Plazo de respuesta: %(date)s.")
                    % {"reference": entry.reference, "date": entry.response_due_on.strftime("%d/%m/%Y")},
                )
                return redirect("transparency:detail", pk=entry.pk)
    return render(request, "transparency/form.html", {"form": form, "entry": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def register_edit(request, pk):
    entry = selectors.get_entry(request.user, pk)
    policies.check_actor(request.user)
    status = 200
    try:
        policies.check_editable(entry)
    except WorkflowError as error:
        message, status = refusal(error)
        return render(
            request, "transparency/detail.html", _detail_context(request, entry, error=message), status=status
        )
    form = TransparencyRequestForm(request.POST if request.method == "POST" else None, instance=entry)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_request(request.user, entry, data=form.service_data())
            except REFUSALS as error:
                if isinstance(error, WorkflowError):
                    _apply_service_error(form, error)
                _message, status = refusal(error)
            else:
                messages.success(request, _("Datos de la solicitud actualizados."))
                return redirect("transparency:detail", pk=entry.pk)
    return render(request, "transparency/form.html", {"form": form, "entry": entry}, status=status)


def _action_form(code, data=None):
    # One form per action on the page: ids carry the action so no two fields share one.
    return ACTION_FORMS[code](data, auto_id=f"id_{code}_%s")


def _detail_context(
    request, entry, *, failed_action="", failed_form=None, error=None, link_form=None, version_form=None
):
    user = request.user
    actions = []
    for action in policies.available_actions(user, entry):
        form = failed_form if action.code == failed_action else _action_form(action.code)
        actions.append({"action": action, "form": form})
    can_link = policies.can_act(user) and entry.state in policies.LINKABLE_STATES
    return {
        "entry": entry,
        "row": selectors.deadline_row(entry),
        "requests": selectors.linked_requests(user, entry),
        "versions": selectors.linked_versions(user, entry),
        "history": history_rows(selectors.history(entry)),
        "actions": actions,
        "can_act": policies.can_act(user),
        "can_edit": policies.can_act(user) and entry.state in policies.EDITABLE_STATES,
        "can_link": can_link,
        "link_form": link_form or LinkRequestForm(),
        "version_form": version_form or LinkVersionForm(versions=selectors.linkable_versions(user, entry)),
        "failed_action": failed_action,
        "action_error": error,
    }


@login_required
@require_safe
def register_detail(request, pk):
    entry = selectors.get_entry(request.user, pk)
    return render(request, "transparency/detail.html", _detail_context(request, entry))


def _refused(request, entry, error, **context):
    message, status = refusal(error)
    entry.refresh_from_db()
    return render(
        request,
        "transparency/detail.html",
        _detail_context(request, entry, error=message, **context),
        status=status,
    )


@login_required
@require_POST
def register_action(request, pk, code):
    if code not in policies.ACTIONS:
        raise Http404(_("Acción desconocida."))
    entry = selectors.get_entry(request.user, pk)
    form = _action_form(code, request.POST)
    try:
        policies.check_actor(request.user)
        policies.check_available(entry, code)
    except REFUSALS as error:
        return _refused(request, entry, error, failed_action=code, failed_form=form)
    if not form.is_valid():
        return render(
            request,
            "transparency/detail.html",
            _detail_context(
                request, entry, failed_action=code, failed_form=form, error=_("Revise el formulario de la acción.")
            ),
            status=400,
        )
    try:
        updated = services.ACTION_SERVICES[code](request.user, entry, **form.service_kwargs())
    except REFUSALS as error:
        if isinstance(error, WorkflowError):
            _apply_service_error(form, error)
        return _refused(request, entry, error, failed_action=code, failed_form=form)
    messages.success(request, str(policies.ACTIONS[code].done) % {"reference": updated.reference})
    return redirect("transparency:detail", pk=pk)


@login_required
@require_POST
def link_request(request, pk):
    entry = selectors.get_entry(request.user, pk)
    form = LinkRequestForm(request.POST)
    try:
        policies.check_actor(request.user)
        policies.check_linkable(entry)
    except REFUSALS as error:
        return _refused(request, entry, error, link_form=form)
    if not form.is_valid():
        context = _detail_context(request, entry, link_form=form, error=_("Indique la referencia de la solicitud."))
        return render(request, "transparency/detail.html", context, status=400)
    material_request = MaterialRequest.objects.filter(reference=form.cleaned_data["reference"]).first()
    try:
        services.link_material_request(request.user, entry, material_request)
    except REFUSALS as error:
        if isinstance(error, WorkflowError):
            _apply_service_error(form, error)
        return _refused(request, entry, error, link_form=form)
    messages.success(request, _("Solicitud %(reference)s vinculada.") % {"reference": material_request.reference})
    return redirect("transparency:detail", pk=pk)


@login_required
@require_POST
def unlink_request(request, pk, request_pk):
    entry = selectors.get_entry(request.user, pk)
    policies.check_actor(request.user)
    material_request = entry.material_requests.filter(pk=request_pk).first()
    if material_request is None:
        raise Http404(_("Esa solicitud no está vinculada."))
    try:
        services.unlink_material_request(request.user, entry, material_request)
    except REFUSALS as error:
        return _refused(request, entry, error)
    messages.success(request, _("Solicitud %(reference)s desvinculada.") % {"reference": material_request.reference})
    return redirect("transparency:detail", pk=pk)


@login_required
@require_POST
def link_document(request, pk):
    entry = selectors.get_entry(request.user, pk)
    try:
        policies.check_actor(request.user)
        policies.check_linkable(entry)
    except REFUSALS as error:
        return _refused(request, entry, error)
    form = LinkVersionForm(request.POST, versions=selectors.linkable_versions(request.user, entry))
    if not form.is_valid():
        context = _detail_context(request, entry, version_form=form, error=_("Elija una versión del documento."))
        return render(request, "transparency/detail.html", context, status=400)
    try:
        services.link_document_version(request.user, entry, form.cleaned_data["version"])
    except REFUSALS as error:
        if isinstance(error, WorkflowError):
            _apply_service_error(form, error)
        return _refused(request, entry, error, version_form=form)
    messages.success(request, _("Versión del documento vinculada."))
    return redirect("transparency:detail", pk=pk)


@login_required
@require_POST
def unlink_document(request, pk, version_pk):
    entry = selectors.get_entry(request.user, pk)
    policies.check_actor(request.user)
    version = entry.document_versions.select_related("request").filter(pk=version_pk).first()
    if version is None:
        raise Http404(_("Esa versión no está vinculada."))
    try:
        services.unlink_document_version(request.user, entry, version)
    except REFUSALS as error:
        return _refused(request, entry, error)
    messages.success(request, _("Versión del documento desvinculada."))
    return redirect("transparency:detail", pk=pk)
