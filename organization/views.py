from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import DelegationForm, RevokeDelegationForm
from .models import Delegation
from .roles import Role
from .selectors import has_role


def _delegations_for(user):
    delegations = Delegation.objects.select_related("delegator", "delegate", "revoked_by")
    if user.is_superuser:
        return delegations
    if has_role(user, Role.GERENTE):
        return delegations.filter(delegator=user) | delegations.filter(delegate=user)
    raise PermissionDenied(_("Solo el gerente de comunicaciones gestiona las encargaturas."))


def _render(request, form, status=200):
    return render(
        request,
        "organization/delegation_list.html",
        {
            "delegations": _delegations_for(request.user),
            "form": form,
            "can_delegate": has_role(request.user, Role.GERENTE),
        },
        status=status,
    )


@login_required
def delegation_list(request):
    _delegations_for(request.user)  # refuses who may not see the page
    form = DelegationForm(delegator=request.user) if has_role(request.user, Role.GERENTE) else None
    return _render(request, form)


@login_required
@require_POST
def delegation_create(request):
    if not has_role(request.user, Role.GERENTE):
        raise PermissionDenied(_("Solo el gerente de comunicaciones puede encargar su aprobación."))
    form = DelegationForm(request.POST, delegator=request.user)
    if form.is_valid():
        try:
            delegation = services.create_delegation(
                request.user,
                delegate=form.cleaned_data["delegate"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                resolution=form.cleaned_data["resolution"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(None if field == "__all__" else field, message)
        else:
            messages.success(
                request,
                _("Encargatura registrada: %(who)s aprobará por encargo suyo del %(start)s al %(end)s.")
                % {
                    "who": delegation.delegate.get_full_name() or delegation.delegate.username,
                    "start": delegation.starts_on.strftime("%d/%m/%Y"),
                    "end": delegation.ends_on.strftime("%d/%m/%Y"),
                },
            )
            return redirect("organization:delegation_list")
    return _render(request, form, status=400)


@login_required
@require_POST
def delegation_revoke(request, pk):
    delegation = get_object_or_404(_delegations_for(request.user), pk=pk)
    form = RevokeDelegationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indique el motivo de la revocación."))
        return redirect("organization:delegation_list")
    try:
        services.revoke_delegation(request.user, delegation, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render(request, DelegationForm(delegator=request.user), status=409)
    messages.success(request, _("Encargatura revocada."))
    return redirect("organization:delegation_list")
