"""The calendar's pages. Thin: read through selectors, write through services.

Answers: anonymous → login (except the .ics feed, which a secret token opens); an event
the user may not see → 404; a change by someone outside the office → 403; a change the
event no longer allows (cancelled, past, nothing pending) or overdue needs awaiting
confirmation → 409; an invalid form → 400, re-rendered with its errors in Spanish.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.wording import quote
from workflows.exceptions import REFUSALS, WorkflowError, refusal
from workflows.models import MaterialRequest

from . import policies, selectors, services
from .feeds import build_feed
from .forms import CancelForm, EventForm, FilterForm, LinkForm, NeedForm, parse_month
from .leadtimes import requested_by_for
from .models import EventNeed, FeedToken

PAGE_SIZE = 30


def _apply_service_error(form, error: WorkflowError) -> None:
    for name, problems in error.field_errors.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
    if not error.field_errors:
        form.add_error(None, error.message)


def _month_label(year: int, month: int) -> str:
    return f"{MONTHS[month]} {year}"


def _feed_context(request) -> dict:
    feed = FeedToken.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(reverse("civic_calendar:ics", args=[feed.token])) if feed else ""
    return {"feed": feed, "feed_url": url}


# --- reading ---------------------------------------------------------------------------------


@login_required
@require_safe
def month_view(request):
    today = timezone.localdate()
    status, error = 200, ""
    year, month = today.year, today.month
    if request.GET.get("mes"):
        parsed = parse_month(request.GET["mes"])
        if parsed is None:
            status = 400
            error = _(
                "El mes «%(value)s» no es válido: use AAAA-MM (por ejemplo, 2026-12). Se muestra el mes actual."
            ) % {"value": request.GET["mes"][:20]}
        else:
            year, month = parsed
    prev_year, prev_month = selectors.shift_month(year, month, -1)
    next_year, next_month = selectors.shift_month(year, month, 1)
    context = {
        "weeks": selectors.month_grid(request.user, year, month, today),
        "weekdays": [WEEKDAYS_ABBR[day] for day in range(7)],
        "month_label": _month_label(year, month),
        "month_value": f"{year:04d}-{month:02d}",
        "prev_value": f"{prev_year:04d}-{prev_month:02d}",
        "next_value": f"{next_year:04d}-{next_month:02d}",
        "prev_label": _month_label(prev_year, prev_month),
        "next_label": _month_label(next_year, next_month),
        "is_current": (year, month) == (today.year, today.month),
        "can_manage": policies.can_manage(request.user),
        "error": error,
        **_feed_context(request),
    }
    return render(request, "civic_calendar/month.html", context, status=status)


@login_required
@require_safe
def event_list(request):
    filter_form = FilterForm(request.GET or None)
    filters = {}
    if filter_form.is_bound and filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = {"category": data["category"], "unit": data["unit"], "month": data["mes"]}
    page = Paginator(selectors.event_list(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "civic_calendar/list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "rows": selectors.event_rows(request.user, page.object_list),
            "query": query.urlencode(),
            "can_manage": policies.can_manage(request.user),
        },
        status=200 if not filter_form.errors else 400,
    )


def _spawn_preview(event, row, today):
    """The needs still without a request, with the requested-by date spawning would give."""
    preview = []
    for need_row in row.needs:
        if need_row.has_request:
            continue
        computed = requested_by_for(event.start_date, need_row.need.lead_days)
        preview.append({"need": need_row.need, "computed": computed, "overdue": computed < today})
    return preview


def _detail_context(request, event, **extra):
    today = timezone.localdate()
    row = selectors.event_detail(request.user, event, today)
    can_manage = policies.can_manage(request.user) and row.needs_visible
    open_event = not row.event.is_cancelled
    context = {
        "event": row.event,
        "row": row,
        "today": today,
        "can_manage": can_manage,
        "can_change": can_manage and open_event,
        "can_spawn": can_manage and open_event and row.event.end_date >= today and row.pending_count > 0,
        "preview": _spawn_preview(row.event, row, today) if can_manage else [],
        "need_form": NeedForm(),
        "cancel_form": CancelForm(),
        "link_form": LinkForm(),
        "link_need": None,
        "overdue": None,
        "error": "",
    }
    context.update(extra)
    return context


def _render_detail(request, event, status=200, **extra):
    return render(request, "civic_calendar/detail.html", _detail_context(request, event, **extra), status=status)


@login_required
@require_safe
def event_detail(request, pk):
    event = selectors.get_visible_event(request.user, pk)
    return _render_detail(request, event)


# --- writing ---------------------------------------------------------------------------------


def _form_context(form, event) -> dict:
    return {"form": form, "event": event, "time_zone": settings.TIME_ZONE}


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    policies.check_manage(request.user)
    form = EventForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                event = services.create_event(
                    request.user,
                    data=form.service_data(),
                    needs=form.service_needs(),
                    client_token=form.cleaned_data.get("client_token"),
                )
            except REFUSALS as error:
                if isinstance(error, WorkflowError):
                    _apply_service_error(form, error)
                _message, status = refusal(error)
            else:
                messages.success(request, _("Evento %(title)s registrado.") % {"title": quote(event.title)})
                return redirect("civic_calendar:event_detail", pk=event.pk)
    return render(request, "civic_calendar/form.html", _form_context(form, None), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = selectors.get_visible_event(request.user, pk)
    policies.check_manage(request.user)
    if event.is_cancelled:
        return _render_detail(request, event, status=409, error=_("El evento está anulado: ya no se modifica."))
    form = EventForm(request.POST if request.method == "POST" else None, instance=event)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_event(
                    request.user, event, data=form.service_data(), expected_revision=form.cleaned_data.get("revision")
                )
            except REFUSALS as error:
                if isinstance(error, WorkflowError):
                    _apply_service_error(form, error)
                _message, status = refusal(error)
            else:
                messages.success(request, _("Evento actualizado."))
                return redirect("civic_calendar:event_detail", pk=event.pk)
    return render(request, "civic_calendar/form.html", _form_context(form, event), status=status)


def _refused(request, event, error, **extra):
    message, status = refusal(error)
    return _render_detail(request, event, status=status, error=message, **extra)


@login_required
@require_POST
def event_cancel(request, pk):
    event = selectors.get_visible_event(request.user, pk)
    form = CancelForm(request.POST)
    try:
        policies.check_manage(request.user)
    except REFUSALS as error:
        return _refused(request, event, error)
    if not form.is_valid():
        return _render_detail(
            request, event, status=400, cancel_form=form, error=_("Indique el motivo de la anulación.")
        )
    try:
        services.cancel_event(request.user, event, reason=form.cleaned_data["reason"])
    except REFUSALS as error:
        return _refused(request, event, error, cancel_form=form)
    messages.success(request, _("Evento anulado."))
    return redirect("civic_calendar:event_detail", pk=pk)


@login_required
@require_POST
def need_add(request, pk):
    event = selectors.get_visible_event(request.user, pk)
    form = NeedForm(request.POST)
    try:
        policies.check_manage(request.user)
    except REFUSALS as error:
        return _refused(request, event, error)
    if not form.is_valid():
        return _render_detail(request, event, status=400, need_form=form, error=_("Revise el material necesario."))
    data = form.cleaned_data
    try:
        need = services.add_need(
            request.user,
            event,
            kind=data["kind"],
            publication_format=data["publication_format"],
            title=data["title"],
            lead_days=data["lead_days"],
        )
    except REFUSALS as error:
        if isinstance(error, WorkflowError):
            _apply_service_error(form, error)
        return _refused(request, event, error, need_form=form)
    messages.success(
        request,
        _("Material agregado: %(title)s, requerido para el %(date)s.")
        % {"title": quote(need.title), "date": need.requested_by.strftime("%d/%m/%Y")},
    )
    return redirect("civic_calendar:event_detail", pk=pk)


@login_required
@require_POST
def need_remove(request, pk, need_pk):
    event = selectors.get_visible_event(request.user, pk)
    try:
        policies.check_manage(request.user)
    except REFUSALS as error:
        return _refused(request, event, error)
    need = EventNeed.objects.filter(pk=need_pk, event=event).first()
    if need is None:
        raise Http404(_("Ese material no figura en este evento."))
    try:
        services.remove_need(request.user, need)
    except REFUSALS as error:
        return _refused(request, event, error)
    messages.success(request, _("Material quitado del evento."))
    return redirect("civic_calendar:event_detail", pk=pk)


@login_required
@require_POST
def need_link(request, pk, need_pk):
    event = selectors.get_visible_event(request.user, pk)
    try:
        policies.check_manage(request.user)
    except REFUSALS as error:
        return _refused(request, event, error)
    need = EventNeed.objects.filter(pk=need_pk, event=event).first()
    if need is None:
        raise Http404(_("Ese material no figura en este evento."))
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request, event, status=400, link_form=form, link_need=need.pk, error=_("Indique la referencia.")
        )
    material_request = MaterialRequest.objects.filter(reference=form.cleaned_data["reference"]).first()
    try:
        services.link_request(request.user, need, material_request)
    except REFUSALS as error:
        if isinstance(error, WorkflowError):
            _apply_service_error(form, error)
        return _refused(request, event, error, link_form=form, link_need=need.pk)
    messages.success(request, _("Solicitud %(reference)s vinculada.") % {"reference": form.cleaned_data["reference"]})
    return redirect("civic_calendar:event_detail", pk=pk)


@login_required
@require_POST
def spawn(request, pk):
    event = selectors.get_visible_event(request.user, pk)
    confirm = request.POST.get("confirmar") == "1"
    try:
        spawned = services.spawn_requests(request.user, event, confirm_overdue=confirm)
    except services.OverdueNeeds as error:
        return _render_detail(request, event, status=error.status_code, overdue=error.overdue, error=error.message)
    except REFUSALS as error:
        return _refused(request, event, error)
    late = sum(1 for need in spawned if need.spawned_late)
    text = ngettext(
        "Se generó %(n)d solicitud en borrador para la unidad %(unit)s: %(references)s.",
        "Se generaron %(n)d solicitudes en borrador para la unidad %(unit)s: %(references)s.",
        len(spawned),
    ) % {
        "n": len(spawned),
        "unit": event.unit.name,
        "references": ", ".join(need.request.reference for need in spawned),
    }
    if late:
        text += " " + ngettext(
            "%(n)d quedó marcada como fuera de plazo.", "%(n)d quedaron marcadas como fuera de plazo.", late
        ) % {"n": late}
    messages.success(request, text)
    return redirect("civic_calendar:event_detail", pk=pk)


# --- the iCalendar feed ------------------------------------------------------------------------


@login_required
@require_POST
def feed_renew(request):
    services.regenerate_feed_token(request.user)
    messages.success(
        request,
        _("Nueva dirección de suscripción creada. La anterior, si la había, dejó de funcionar."),
    )
    return redirect("civic_calendar:month")


@login_required
@require_POST
def feed_revoke(request):
    if services.revoke_feed_token(request.user):
        messages.success(request, _("Dirección de suscripción revocada: ya no muestra su calendario."))
    else:
        messages.info(request, _("No tenía una dirección de suscripción activa."))
    return redirect("civic_calendar:month")


@require_safe
def ics_feed(request, token):
    """No session: calendar clients cannot log in. The secret token names the user;
    an unknown or revoked one, or a deactivated user's, answers 404."""
    feed = FeedToken.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404(_("Esta dirección de calendario no existe o fue revocada."))
    body = build_feed(selectors.feed_events(feed.user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendario-civico.ics"'
    response["Cache-Control"] = "private, max-age=0, no-cache"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
