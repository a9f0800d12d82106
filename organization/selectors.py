"""Who a user is in the organization. Cached on the user object for one request."""

from django.conf import settings
from django.utils import timezone

from .models import Delegation, Municipality
from .roles import READ_ONLY_ROLES, Role


def _read_groups(user) -> None:
    """The user's groups, names and ids, in one statement cached on the user object."""
    remember_groups(user, user.groups.values_list("pk", "name"))


def remember_groups(user, pairs) -> None:
    """Cache the user's groups, (id, name) pairs another read brought along."""
    pairs = list(pairs)
    user._org_roles = frozenset(name for _pk, name in pairs)
    user._org_group_ids = frozenset(pk for pk, _name in pairs)


def knows_groups(user) -> bool:
    return getattr(user, "_org_roles", None) is not None and getattr(user, "_org_group_ids", None) is not None


def roles_of(user) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if getattr(user, "_org_roles", None) is None:
        _read_groups(user)
    return user._org_roles


def group_ids_of(user) -> frozenset[int]:
    """The ids of the user's groups (role groups and the units' groups), read with the roles."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if getattr(user, "_org_group_ids", None) is None:
        _read_groups(user)
    return user._org_group_ids


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)


def reads_the_record(user) -> bool:
    """The responsable de transparencia, the auditor (OCI) and the administrator: who
    reads the audit log, the transparency register, checkpoints and dossiers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles_of(user) & READ_ONLY_ROLES)


def unit_ids_of(user) -> frozenset[int]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_org_unit_ids", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("unit_id", flat=True))
        user._org_unit_ids = cached
    return cached


def current_municipality() -> Municipality | None:
    return Municipality.objects.order_by("pk").first()


def municipality_name() -> str:
    municipality = current_municipality()
    return municipality.name if municipality else settings.MUNICIPALITY_NAME


def delegators_for(user) -> list:
    """The gerentes whose approval power this user holds today (encargatura)."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_org_delegators", None)
    if cached is None:
        cached = [
            delegation.delegator
            for delegation in Delegation.objects.active_on(timezone.localdate())
            .filter(delegate=user, delegator__is_active=True)
            .select_related("delegator")
        ]
        user._org_delegators = cached
    return cached


def is_head_of(user, unit_id: int) -> bool:
    return user.is_authenticated and user.memberships.filter(unit_id=unit_id, is_head=True).exists()


def current_logo() -> dict | None:
    """The coat of arms documents freeze: its storage name and hash, or None."""
    return municipality_facts()["logo"]


def municipality_facts() -> dict:
    """The name and the coat of arms (frozen form and public address) in one query: what
    every page's header and every document's header show."""
    row = Municipality.objects.order_by("pk").values("name", "logo", "logo_sha256").first()
    if row is None:
        return {"name": settings.MUNICIPALITY_NAME, "logo": None, "logo_url": ""}
    if not (row["logo"] and row["logo_sha256"]):
        return {"name": row["name"], "logo": None, "logo_url": ""}
    from django.urls import reverse

    return {
        "name": row["name"],
        "logo": {"storage": row["logo"], "sha256": row["logo_sha256"]},
        "logo_url": reverse("public:logo", kwargs={"sha256": row["logo_sha256"]}),
    }
