"""Thin views: a person reads and marks only their own notifications; errors in Spanish."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workflows.exceptions import InvalidInput

from . import selectors, services
from .forms import PreferenceForm
from .payloads import notification_payload, request_state_payload

MAX_ID = 2**63 - 1


def _wants_json(request) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _parse_id(raw) -> int | None:
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


@never_cache
@login_required
@require_GET
def new_notifications(request):
    """What arrived after `despues` (the newest id the page knows): for the live script
    after a reconnection."""
    last_id = _parse_id(request.GET.get("despues", "0"))
    if last_id is None:
        return _json_error(_("El parámetro «despues» debe ser un número entero no negativo."))
    items = selectors.notifications_after(request.user, last_id)
    return JsonResponse(
        {
            "unread": selectors.unread_count(request.user),
            "last_id": max([last_id, *(item.pk for item in items)]),
            "notifications": [notification_payload(item) for item in items],
        }
    )


def _read_mark_request(request) -> tuple[bool, list]:
    """(all, ids) from a form or a JSON body."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidInput(_("El cuerpo de la solicitud no es JSON válido.")) from error
        if not isinstance(data, dict):
            raise InvalidInput(_("El cuerpo de la solicitud no es JSON válido."))
        ids = data.get("ids", [])
        if not isinstance(ids, list):
            raise InvalidInput(_("Los identificadores de notificación no son válidos."))
        return data.get("all") is True, ids
    return request.POST.get("all") in ("1", "true", "on"), request.POST.getlist("ids")


def _back(request) -> str:
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    try:
        return reverse("approvals:inbox")
    except NoReverseMatch:
        return "/"


@login_required
@require_POST
def mark_read(request):
    """Mark some (`ids`) or all (`all=1`) of the user's own notifications read."""
    try:
        mark_all, ids = _read_mark_request(request)
        changed = services.mark_all_read(request.user) if mark_all else services.mark_read(request.user, ids)
    except InvalidInput as error:
        if _wants_json(request):
            return _json_error(error.message)
        return render(request, "errors/400.html", {"message": error.message}, status=400)
    if _wants_json(request):
        return JsonResponse({"marked": changed, "unread": selectors.unread_count(request.user)})
    return redirect(_back(request))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    current = selectors.preferences_for(request.user)
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.update_preferences(request.user, email_kinds=form.cleaned_data["email_kinds"])
            except InvalidInput as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Preferencias de notificación guardadas."))
                return redirect("notifications:preferences")
        status = 400
    else:
        form = PreferenceForm(initial={"email_kinds": current.email_kinds})
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@never_cache
@login_required
@require_GET
def request_state(request, pk):
    """A request's state, for a detail page that reconnects; 404 if the user may not see it."""
    try:
        material_request = selectors.request_state(request.user, pk)
    except Http404:
        return _json_error(_("No existe la solicitud o no tiene acceso a ella."), status=404)
    return JsonResponse(request_state_payload(material_request))
