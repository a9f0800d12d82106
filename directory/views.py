"""The directory's pages. Thin: read through selectors, write through services.

Answers: anonymous → login; who may not read the directory (anyone outside the
communications office but the administrator) → 404 on every page, form and export;
a reader who may not change it (the administrator without an office role) → 403 on
forms; an invalid form or file → 400, re-rendered with its errors in Spanish; a preview
already confirmed or expired, or a send the request's state does not allow → 409.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.wording import quote
from workflows.exceptions import REFUSALS, WorkflowError, refusal

from . import distribution as sending
from . import exports, policies, selectors, services
from .forms import (
    ContactFilterForm,
    ContactForm,
    DistributeForm,
    ImportForm,
    JournalistFilterForm,
    JournalistForm,
    ListForm,
    OutletFilterForm,
    OutletForm,
)
from .models import Delivery, DistributionList, ImportBatch, InstitutionalContact, Journalist, MediaOutlet

PAGE_SIZE = 50


def _apply_service_error(form, error: WorkflowError) -> None:
    for name, problems in error.field_errors.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
    if not error.field_errors:
        form.add_error(None, error.message)


def _filters(form) -> dict:
    if form.is_bound and form.is_valid():
        return {key: value for key, value in form.cleaned_data.items() if value not in ("", None)}
    return {}


def _page(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _list_context(request, section, filter_form, rows, **extra):
    page, query = _page(request, rows)
    return {
        "section": section,
        "filter_form": filter_form,
        "page": page,
        "query": query,
        "can_edit": policies.can_edit(request.user),
        **extra,
    }


# --- lists -----------------------------------------------------------------------------------


@login_required
@require_safe
def journalist_list(request):
    policies.require_reader(request.user)
    form = JournalistFilterForm(request.GET or None)
    filters = _filters(form)
    rows = selectors.journalists(
        request.user,
        search=filters.get("q", "").strip(),
        outlet_type=filters.get("outlet_type", ""),
        beat=filters.get("beat", ""),
        active=filters.get("active", ""),
        list_id=filters["lista"].pk if filters.get("lista") else None,
    )
    context = _list_context(request, "journalists", form, rows)
    return render(request, "directory/journalist_list.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def outlet_list(request):
    policies.require_reader(request.user)
    form = OutletFilterForm(request.GET or None)
    filters = _filters(form)
    rows = selectors.outlets(
        request.user,
        search=filters.get("q", "").strip(),
        outlet_type=filters.get("outlet_type", ""),
        coverage=filters.get("coverage", ""),
        active=filters.get("active", ""),
    )
    context = _list_context(request, "outlets", form, rows)
    return render(request, "directory/outlet_list.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def contact_list(request):
    policies.require_reader(request.user)
    form = ContactFilterForm(request.GET or None)
    filters = _filters(form)
    rows = selectors.contacts(
        request.user,
        search=filters.get("q", "").strip(),
        kind=filters.get("kind", ""),
        active=filters.get("active", ""),
        list_id=filters["lista"].pk if filters.get("lista") else None,
    )
    context = _list_context(request, "contacts", form, rows)
    return render(request, "directory/contact_list.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def list_list(request):
    rows = selectors.distribution_lists(request.user)
    return render(
        request,
        "directory/list_list.html",
        {"section": "lists", "rows": rows, "can_edit": policies.can_edit(request.user)},
    )


# --- create and edit --------------------------------------------------------------------------

EDITABLE = {
    "journalist": (Journalist, JournalistForm, services.save_journalist, "directory:journalist_list"),
    "outlet": (MediaOutlet, OutletForm, services.save_outlet, "directory:outlet_list"),
    "contact": (InstitutionalContact, ContactForm, services.save_contact, "directory:contact_list"),
}
TITLES = {
    "journalist": (_("Nuevo periodista"), _("Periodista")),
    "outlet": (_("Nuevo medio"), _("Medio de comunicación")),
    "contact": (_("Nuevo contacto institucional"), _("Contacto institucional")),
}
SECTIONS = {"journalist": "journalists", "outlet": "outlets", "contact": "contacts"}


def _edit(request, what, pk=None):
    model, form_class, save, list_url = EDITABLE[what]
    instance = selectors.get_object(request.user, model, pk) if pk is not None else None
    if instance is None:
        policies.require_reader(request.user)
    if request.method == "POST" or instance is None:
        policies.check_editor(request.user)
    form = form_class(request.POST if request.method == "POST" else None, instance=instance)
    if not policies.can_edit(request.user):
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = save(request.user, form.service_data(), instance=instance)
            except REFUSALS as error:
                if isinstance(error, WorkflowError):
                    _apply_service_error(form, error)
                _message, status = refusal(error)
            else:
                messages.success(request, _("Datos de %(name)s guardados.") % {"name": quote(saved)})
                return redirect(list_url)
    title_new, title_edit = TITLES[what]
    return render(
        request,
        "directory/object_form.html",
        {
            "section": SECTIONS[what],
            "form": form,
            "object": instance,
            "title": title_edit if instance else title_new,
            "list_url": reverse(list_url),
            "can_edit": policies.can_edit(request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def journalist_create(request):
    return _edit(request, "journalist")


@login_required
@require_http_methods(["GET", "POST"])
def journalist_edit(request, pk):
    return _edit(request, "journalist", pk)


@login_required
@require_http_methods(["GET", "POST"])
def outlet_create(request):
    return _edit(request, "outlet")


@login_required
@require_http_methods(["GET", "POST"])
def outlet_edit(request, pk):
    return _edit(request, "outlet", pk)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request):
    return _edit(request, "contact")


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    return _edit(request, "contact", pk)


def _list_edit(request, pk=None):
    instance = selectors.get_object(request.user, DistributionList, pk) if pk is not None else None
    policies.require_reader(request.user)
    if request.method == "POST" or instance is None:
        policies.check_editor(request.user)
    form = ListForm(request.POST if request.method == "POST" else None, instance=instance)
    if not policies.can_edit(request.user):
        for field in form.fields.values():
            field.disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = services.save_list(
                    request.user,
                    form.service_data(),
                    journalists=form.cleaned_data["journalists"],
                    contacts=form.cleaned_data["contacts"],
                    instance=instance,
                )
            except REFUSALS as error:
                if isinstance(error, WorkflowError):
                    _apply_service_error(form, error)
                _message, status = refusal(error)
            else:
                messages.success(request, _("Lista %(name)s guardada.") % {"name": quote(saved.name)})
                return redirect("directory:list_list")
    return render(
        request,
        "directory/list_form.html",
        {"section": "lists", "form": form, "object": instance, "can_edit": policies.can_edit(request.user)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_create(request):
    return _list_edit(request)


@login_required
@require_http_methods(["GET", "POST"])
def list_edit(request, pk):
    return _list_edit(request, pk)


# --- import ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    policies.require_reader(request.user)
    policies.check_editor(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # A file over the cap is refused by its size, never read.
                services.check_upload_size(upload.size)
                batch = services.upload_import(
                    request.user,
                    kind=form.cleaned_data["kind"],
                    filename=upload.name,
                    data=upload.read(services.MAX_UPLOAD_BYTES + 1),
                )
            except REFUSALS as error:
                if isinstance(error, WorkflowError):
                    _apply_service_error(form, error)
                _message, status = refusal(error)
            else:
                return redirect("directory:import_preview", token=batch.token)
    return render(
        request,
        "directory/import_upload.html",
        {"section": "import", "form": form, "max_rows": services.importing.MAX_ROWS},
        status=status,
    )


def _preview_response(request, batch, *, error="", status=200):
    preview = services.build_preview(batch) if batch.content else None
    usable, stale = True, ""
    try:
        services.check_usable(batch)
    except WorkflowError as refused:
        usable, stale = False, refused.message
    columns = [c for c in services.importing.COLUMNS[batch.kind] if preview and c.name in preview.parsed.columns]
    for row in preview.rows if preview else []:
        row.display = row.cells(columns)
    return render(
        request,
        "directory/import_preview.html",
        {
            "section": "import",
            "batch": batch,
            "preview": preview,
            "usable": usable,
            "stale": stale,
            "error": error,
            "columns": columns,
        },
        status=status,
    )


def _token(token):
    import uuid

    try:
        return uuid.UUID(str(token))
    except ValueError as error:
        raise Http404(_("No existe esa importación.")) from error


@login_required
@require_safe
def import_preview(request, token):
    batch = services.get_batch(request.user, _token(token))
    return _preview_response(request, batch, status=200)


@login_required
@require_POST
def import_confirm(request, token):
    batch = services.get_batch(request.user, _token(token))
    try:
        count = services.confirm_import(request.user, batch)
    except REFUSALS as error:
        message, status = refusal(error)
        batch.refresh_from_db()
        return _preview_response(request, batch, error=message, status=status)
    messages.success(
        request,
        ngettext("Se importó %(n)d registro.", "Se importaron %(n)d registros.", count) % {"n": count},
    )
    target = "directory:journalist_list" if batch.kind == ImportBatch.Kind.JOURNALISTS else "directory:contact_list"
    return redirect(target)


# --- export ----------------------------------------------------------------------------------

EXPORTS = {
    "periodistas": (JournalistFilterForm, exports.JOURNALIST_HEADER, exports.journalist_row),
    "medios": (OutletFilterForm, exports.OUTLET_HEADER, exports.outlet_row),
    "instituciones": (ContactFilterForm, exports.CONTACT_HEADER, exports.contact_row),
}


@login_required
@require_safe
def export_csv(request, what):
    policies.require_reader(request.user)
    if what not in EXPORTS:
        raise Http404(_("No existe esa exportación."))
    form_class, header, to_cells = EXPORTS[what]
    form = form_class(request.GET or None)
    filters = _filters(form)
    search = filters.get("q", "").strip()
    list_id = filters["lista"].pk if filters.get("lista") else None
    if what == "periodistas":
        rows = selectors.journalists(
            request.user,
            search=search,
            outlet_type=filters.get("outlet_type", ""),
            beat=filters.get("beat", ""),
            active=filters.get("active", ""),
            list_id=list_id,
        ).prefetch_related("lists")
    elif what == "medios":
        rows = selectors.outlets(
            request.user,
            search=search,
            outlet_type=filters.get("outlet_type", ""),
            coverage=filters.get("coverage", ""),
            active=filters.get("active", ""),
        )
    else:
        rows = selectors.contacts(
            request.user, search=search, kind=filters.get("kind", ""), active=filters.get("active", ""), list_id=list_id
        ).prefetch_related("lists")
    rows = list(rows)
    recorded = {key: (value.pk if hasattr(value, "pk") else value) for key, value in filters.items()}
    services.record_export(request.user, what=what, filters=recorded, count=len(rows))
    # The directory is thousands of rows at most: built whole, like any page.
    response = HttpResponse(b"".join(exports.csv_lines(header, rows, to_cells)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="directorio-{what}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- distribution of a press release ----------------------------------------------------------


def _distribution_context(request, material_request, *, form=None, error=""):
    user = request.user
    may_send = policies.may_distribute(user, material_request)
    distributions = list(selectors.distributions_of(material_request))
    for item in distributions:
        statuses = [delivery.status for delivery in item.deliveries.all()]
        item.counts = {
            "enviado": statuses.count(Delivery.Status.SENT),
            "fallido": statuses.count(Delivery.Status.FAILED),
            "pending": statuses.count(Delivery.Status.PENDING) + statuses.count(Delivery.Status.SENDING),
        }
    initial = {"subject": sending.default_subject(material_request)}
    return {
        "item": material_request,
        "distributions": distributions,
        "may_send": may_send,
        "form": form or (DistributeForm(initial=initial) if may_send else None),
        "error": error,
        "published": material_request.state == "publicado",
        "version": sending.published_version(material_request),
    }


@login_required
@require_safe
def distributions(request, pk):
    material_request = selectors.press_release(request.user, pk)
    return render(request, "directory/distribution.html", _distribution_context(request, material_request))


@login_required
@require_POST
def distribute(request, pk):
    material_request = selectors.press_release(request.user, pk)
    form = DistributeForm(request.POST)
    try:
        policies.check_distributable(material_request)
        policies.check_distributor(request.user, material_request)
    except REFUSALS as error:
        message, status = refusal(error)
        context = _distribution_context(request, material_request, error=message)
        return render(request, "directory/distribution.html", context, status=status)
    if not form.is_valid():
        context = _distribution_context(
            request, material_request, form=form, error=_("Revise el formulario de la difusión.")
        )
        return render(request, "directory/distribution.html", context, status=400)
    try:
        sent, recipients = sending.distribute(request.user, material_request, **form.service_kwargs())
    except REFUSALS as error:
        if isinstance(error, WorkflowError):
            _apply_service_error(form, error)
        message, status = refusal(error)
        context = _distribution_context(request, material_request, form=form, error=message)
        return render(request, "directory/distribution.html", context, status=status)
    messages.success(
        request,
        ngettext(
            "Nota enviada a %(n)d destinatario.",
            "Nota enviada a %(n)d destinatarios.",
            len(recipients.chosen),
        )
        % {"n": len(recipients.chosen)},
    )
    if recipients.skipped:
        messages.warning(request, _("Se omitieron: %(who)s.") % {"who": recipients.skip_text()})
    return redirect(reverse("directory:distributions", args=[pk]) + f"#difusion-{sent.pk}")


@login_required
@require_POST
def distribution_retry(request, pk, distribution_id):
    material_request = selectors.press_release(request.user, pk)
    distribution = selectors.get_distribution(material_request, distribution_id)
    try:
        policies.check_distributable(material_request)
        policies.check_distributor(request.user, material_request)
        ids = sending.retry_failed(request.user, distribution)
    except REFUSALS as error:
        message, status = refusal(error)
        context = _distribution_context(request, material_request, error=message)
        return render(request, "directory/distribution.html", context, status=status)
    messages.success(
        request,
        ngettext("Se reintenta %(n)d envío.", "Se reintentan %(n)d envíos.", len(ids)) % {"n": len(ids)},
    )
    return redirect(reverse("directory:distributions", args=[pk]) + f"#difusion-{distribution.pk}")
