"""Writes to the organization: units, members and their roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Membership, Municipality, Unit
from .roles import Role


@transaction.atomic
def ensure_municipality(name: str, **fields) -> Municipality:
    municipality, _ = Municipality.objects.get_or_create(name=name, defaults=fields)
    return municipality


@transaction.atomic
def ensure_unit(municipality: Municipality, *, code: str, name: str) -> Unit:
    unit, _ = Unit.objects.get_or_create(code=code, defaults={"municipality": municipality, "name": name})
    return unit


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
        Membership.objects.get_or_create(user=user, unit=unit, defaults={"is_head": unit in head_of})
    return user
