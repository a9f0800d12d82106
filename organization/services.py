"""Writes to the organization: units, members and their roles, delegations."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event

from .models import Delegation, Membership, Municipality, Unit
from .roles import Role
from .selectors import has_role, roles_of


def unit_group_name(code: str) -> str:
    return f"unidad:{code}"


@transaction.atomic
def ensure_municipality(name: str, **fields) -> Municipality:
    municipality, _ = Municipality.objects.get_or_create(name=name, defaults=fields)
    return municipality


@transaction.atomic
def ensure_unit(municipality: Municipality, *, code: str, name: str) -> Unit:
    unit, _ = Unit.objects.get_or_create(code=code, defaults={"municipality": municipality, "name": name})
    ensure_unit_group(unit)
    return unit


def ensure_unit_group(unit: Unit) -> Group:
    """Every unit has a group holding exactly its members (see Unit.group)."""
    if unit.group_id is None:
        unit.group, _ = Group.objects.get_or_create(name=unit_group_name(unit.code))
        unit.save(update_fields=["group"])
    return unit.group


@transaction.atomic
def add_member(unit: Unit, user, *, is_head: bool = False) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, defaults={"is_head": is_head})
    if not created and membership.is_head != is_head:
        membership.is_head = is_head
        membership.save(update_fields=["is_head"])
    user.groups.add(ensure_unit_group(unit))
    return membership


@transaction.atomic
def remove_member(unit: Unit, user) -> None:
    Membership.objects.filter(user=user, unit=unit).delete()
    if unit.group_id:
        user.groups.remove(unit.group)


def sync_unit_group(unit: Unit) -> None:
    """Make the unit's group match its memberships (after edits in the admin)."""
    group = ensure_unit_group(unit)
    group.user_set.set(get_user_model().objects.filter(memberships__unit=unit))


@transaction.atomic
def ensure_user(
    username: str,
    *,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    roles: tuple[Role, ...] = (),
    units: tuple[Unit, ...] = (),
    head_of: tuple[Unit, ...] = (),
    is_superuser: bool = False,
):
    """Create the user if missing, with its roles and memberships. An existing user
    keeps its password and data: re-running a seed never resets what people changed."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "is_staff": is_superuser,
            "is_superuser": is_superuser,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    for unit in units:
        if not Membership.objects.filter(user=user, unit=unit).exists():
            add_member(unit, user, is_head=unit in head_of)
    return user


# --- delegation (encargatura) ------------------------------------------------------------


def delegation_refusal(delegate) -> str | None:
    """Why `delegate` may not receive the gerente's approval power, or None if they may.

    Only who may approve in their own right (another gerente) or office staff the
    configuration names (settings.DELEGATION_ELIGIBLE_ROLES / _USERS); never a member of
    a requesting unit, since the gerente approves every unit's requests and an encargado
    would then approve their own unit's work."""
    name = delegate.get_full_name() or delegate.get_username()
    units = sorted(Membership.objects.filter(user=delegate).values_list("unit__name", flat=True))
    if units:
        return _("%(who)s es miembro de %(units)s, cuyas solicitudes aprobaría: no puede recibir la encargatura.") % {
            "who": name,
            "units": ", ".join(units),
        }
    roles = roles_of(delegate)
    eligible_roles = {Role.GERENTE, *settings.DELEGATION_ELIGIBLE_ROLES}
    if roles & eligible_roles or delegate.get_username() in settings.DELEGATION_ELIGIBLE_USERS:
        return None
    allowed = sorted(str(Role(code).label) for code in eligible_roles if code in Role.values)
    return _(
        "%(who)s no puede recibir la encargatura: solo la reciben quienes aprueban por derecho propio "
        "o el personal de la oficina que indica la configuración (%(roles)s)."
    ) % {"who": name, "roles": ", ".join(allowed)}


def _delegation_errors(delegator, delegate, starts_on, ends_on, resolution) -> dict:
    errors = {}
    if not resolution.strip():
        errors["resolution"] = [_("Indique el número de la resolución de encargatura.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("La fecha de fin no puede ser anterior a la de inicio.")]
    if ends_on < timezone.localdate():
        errors.setdefault("ends_on", []).append(_("La encargatura ya habría terminado: revise las fechas."))
    if delegate.pk == delegator.pk:
        errors["delegate"] = [_("No puede encargarse la aprobación a sí mismo.")]
    elif not delegate.is_active:
        errors["delegate"] = [_("El usuario encargado está desactivado.")]
    elif refusal := delegation_refusal(delegate):
        errors["delegate"] = [refusal]
    overlapping = Delegation.objects.filter(
        delegator=delegator, revoked_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).first()
    if overlapping is not None and "ends_on" not in errors:
        errors["__all__"] = [
            _("Se superpone con la encargatura a %(who)s del %(start)s al %(end)s (resolución %(res)s).")
            % {
                "who": overlapping.delegate.get_full_name() or overlapping.delegate.username,
                "start": overlapping.starts_on.strftime("%d/%m/%Y"),
                "end": overlapping.ends_on.strftime("%d/%m/%Y"),
                "res": overlapping.resolution,
            }
        ]
    return errors


def create_delegation(actor, *, delegate, starts_on, ends_on, resolution: str, notes: str = "") -> Delegation:
    """The gerente delegates their own approval power for a period."""
    if not has_role(actor, Role.GERENTE):
        raise PermissionDenied(_("Solo el gerente de comunicaciones puede encargar su aprobación."))
    with transaction.atomic():
        # Lock the delegator's row so two overlapping delegations cannot both pass the check.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).exists()
        errors = _delegation_errors(actor, delegate, starts_on, ends_on, resolution)
        if errors:
            raise ValidationError(errors)
        delegation = Delegation.objects.create(
            delegator=actor,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            resolution=resolution.strip(),
            notes=notes.strip(),
            created_by=actor,
        )
        record_event(
            actor=actor,
            action="delegate",
            target=delegation,
            comment=resolution.strip(),
            data={
                "delegate": delegate.username,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
    return delegation


def revoke_delegation(actor, delegation: Delegation, *, reason: str) -> Delegation:
    reason = (reason or "").strip()
    if actor.pk != delegation.delegator_id and not actor.is_superuser:
        raise PermissionDenied(_("Solo el titular puede revocar su encargatura."))
    if not reason:
        raise ValidationError({"reason": [_("Indique el motivo de la revocación.")]})
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.revoked_at is not None or delegation.ends_on < timezone.localdate():
            raise ValidationError(_("La encargatura ya no está vigente."))
        delegation.revoked_at = timezone.now()
        delegation.revoked_by = actor
        delegation.revoke_reason = reason
        delegation.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        record_event(actor=actor, action="revoke_delegation", target=delegation, comment=reason)
    return delegation


def set_logo(actor, municipality: Municipality, upload) -> Municipality:
    """Check and store the municipality's coat of arms (organization.logos), audited. The
    previous file stays: versions that froze it keep rendering with it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .logos import check_logo

    checked = check_logo(upload)  # InvalidLogo, with a Spanish message, before anything is kept
    name = checked.storage_name
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(checked.data))
    with transaction.atomic():
        municipality.logo.name = name
        municipality.logo_sha256 = checked.sha256
        municipality.save(update_fields=["logo", "logo_sha256"])
        record_event(
            actor=actor,
            action="logo_change",
            target=municipality,
            data={
                "sha256": checked.sha256,
                "size": len(checked.data),
                "width": checked.width,
                "height": checked.height,
            },
        )
    return municipality


def remove_logo(actor, municipality: Municipality) -> Municipality:
    """Back to a header without a coat of arms (documents already made keep theirs)."""
    with transaction.atomic():
        previous = municipality.logo_sha256
        municipality.logo.name = ""
        municipality.logo_sha256 = ""
        municipality.save(update_fields=["logo", "logo_sha256"])
        record_event(actor=actor, action="logo_change", target=municipality, data={"removed": previous})
    return municipality
