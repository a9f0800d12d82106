"""Per-object permissions (django-guardian) on material requests.

Who holds what on a request is a function of its state, its unit, its shares and its
urgent flag: `sync_object_permissions` writes exactly that set, and services call it
after every change. Reads go through guardian's tables, so lists filter in SQL.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from organization.roles import Role
from organization.selectors import delegators_for

from .models import (
    MaterialRequest,
    MaterialRequestGroupObjectPermission,
    MaterialRequestUserObjectPermission,
    State,
)

VIEW = "view_materialrequest"
CHANGE = "change_materialrequest"
SUBMIT = "submit_materialrequest"
REVIEW = "review_materialrequest"
APPROVE = "approve_materialrequest"
PUBLISH = "publish_materialrequest"
CANCEL = "cancel_materialrequest"
WITHDRAW = "withdraw_materialrequest"
POSTREVIEW = "postreview_materialrequest"
ALL_CODENAMES = (VIEW, CHANGE, SUBMIT, REVIEW, APPROVE, PUBLISH, CANCEL, WITHDRAW, POSTREVIEW)

# Audiences that are not role groups.
UNIT = "unit"  # the requesting unit's group
SHARED = "shared"  # units and people a unit head shared the request with

READERS = {Role.TRANSPARENCIA: {VIEW}, Role.AUDITOR: {VIEW}}
GRANTS = {
    State.DRAFT: {UNIT: {VIEW, CHANGE, SUBMIT, CANCEL}, SHARED: {VIEW, CHANGE}},
    State.IN_REVIEW: {
        UNIT: {VIEW, CANCEL},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW, CHANGE, REVIEW},
        # APPROVE here serves the urgent path; the FSM keeps ordinary approval for later.
        Role.GERENTE: {VIEW, CHANGE, CANCEL, APPROVE},
    },
    State.PENDING_APPROVAL: {
        UNIT: {VIEW, CANCEL},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW, CHANGE},
        Role.GERENTE: {VIEW, CHANGE, CANCEL, APPROVE},
    },
    State.APPROVED: {
        UNIT: {VIEW},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW, CHANGE},
        Role.GERENTE: {VIEW, CHANGE},
        Role.PUBLICADOR: {VIEW, PUBLISH},
    },
    State.PUBLISHED: {
        UNIT: {VIEW},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW},
        Role.GERENTE: {VIEW, WITHDRAW},
        Role.PUBLICADOR: {VIEW, WITHDRAW},
        **READERS,
    },
    State.CANCELLED: {UNIT: {VIEW}, SHARED: {VIEW}},
    State.WITHDRAWN: {
        UNIT: {VIEW},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW},
        Role.GERENTE: {VIEW},
        Role.PUBLICADOR: {VIEW},
        **READERS,
    },
}
# Once submitted, the office keeps seeing a request, even back in draft or cancelled.
AFTER_SUBMISSION = {Role.REVISOR: {VIEW}, Role.GERENTE: {VIEW}}
# An urgent publication waits for a second person's review.
URGENT_UNREVIEWED = {Role.REVISOR: {POSTREVIEW}, Role.GERENTE: {POSTREVIEW}}
# What an active delegate (encargado) holds in the gerente's name.
DELEGABLE = {VIEW, APPROVE}


def grants_for(material_request: MaterialRequest) -> dict[str, set[str]]:
    """Audience -> codenames for the request as it is now."""
    grants = {audience: set(codenames) for audience, codenames in GRANTS[State(material_request.state)].items()}
    if material_request.submitted_at is not None:
        for audience, codenames in AFTER_SUBMISSION.items():
            grants.setdefault(audience, set()).update(codenames)
    if material_request.urgent and material_request.urgent_reviewed_at is None:
        for audience, codenames in URGENT_UNREVIEWED.items():
            grants.setdefault(audience, set()).update(codenames)
    return grants


def sync_object_permissions(material_request: MaterialRequest) -> dict:
    """Replace the request's per-object permissions with those its state calls for.
    Runs inside the service's transaction. Returns what changed, for the audit event:
    {"granted": [[holder, id, codename], ...], "revoked": [...]} (holder "group"/"user"),
    empty when nothing did."""
    grants = grants_for(material_request)
    content_type = ContentType.objects.get_for_model(MaterialRequest)
    permission_ids = dict(
        Permission.objects.filter(content_type=content_type, codename__in=ALL_CODENAMES).values_list("codename", "pk")
    )
    role_groups = dict(Group.objects.filter(name__in=[a for a in grants if a in Role.values]).values_list("name", "pk"))

    wanted_groups: set[tuple[int, int]] = set()
    wanted_users: set[tuple[int, int]] = set()
    for audience, codenames in grants.items():
        if audience == UNIT:
            group_ids = [material_request.unit.group_id]
        elif audience == SHARED:
            shares = material_request.shares.filter(revoked_at__isnull=True).select_related("unit")
            group_ids = []
            for share in shares:
                if share.user_id:
                    wanted_users.update((share.user_id, permission_ids[c]) for c in codenames)
                else:
                    group_ids.append(share.unit.group_id)
        else:
            group_ids = [role_groups[audience]] if audience in role_groups else []
        wanted_groups.update((group_id, permission_ids[c]) for group_id in group_ids if group_id for c in codenames)

    codenames = {pk: codename for codename, pk in permission_ids.items()}
    granted, revoked = [], []
    for model, holder_field, wanted in (
        (MaterialRequestGroupObjectPermission, "group_id", wanted_groups),
        (MaterialRequestUserObjectPermission, "user_id", wanted_users),
    ):
        added, removed = _replace(model, holder_field, material_request, wanted)
        holder = holder_field.removesuffix("_id")
        granted += [[holder, who, codenames[permission]] for who, permission in sorted(added)]
        revoked += [[holder, who, codenames[permission]] for who, permission in sorted(removed)]
    return {"granted": granted, "revoked": revoked} if granted or revoked else {}


def _replace(model, holder_field: str, material_request, wanted: set[tuple[int, int]]):
    """Make the rows match `wanted`; returns the (holder, permission) pairs added and removed."""
    rows = model.objects.filter(content_object=material_request)
    existing = {
        (holder, permission): pk for pk, holder, permission in rows.values_list("pk", holder_field, "permission_id")
    }
    stale = {key: pk for key, pk in existing.items() if key not in wanted}
    if stale:
        model.objects.filter(pk__in=stale.values()).delete()
    missing = wanted - existing.keys()
    if missing:
        model.objects.bulk_create(
            model(content_object=material_request, permission_id=permission, **{holder_field: holder})
            for holder, permission in missing
        )
    return missing, set(stale)


# --- reads -------------------------------------------------------------------------------


def _direct_perms(user, material_request) -> set[str]:
    # guardian's checker without its superuser shortcut: an administrator reads
    # everything but acts only through the roles they hold.
    checker = ObjectPermissionChecker(user)
    return set(checker.get_user_perms(material_request)) | set(checker.get_group_perms(material_request))


def perms_of(user, material_request: MaterialRequest) -> set[str]:
    """The codenames a user holds on a request, their own and, while an encargatura is
    active, the delegable ones of the gerente they stand in for. Cached on the instance."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cache = material_request.__dict__.setdefault("_perms_cache", {})
    if user.pk not in cache:
        perms = _direct_perms(user, material_request)
        for delegator in delegators_for(user):
            perms |= _direct_perms(delegator, material_request) & DELEGABLE
        if user.is_superuser:
            perms.add(VIEW)
        cache[user.pk] = perms
    return cache[user.pk]


def acting_for(user, material_request: MaterialRequest, codename: str):
    """Whose power the user uses for `codename`: None when it is their own, else the
    delegator (gerente) whose encargatura grants it."""
    if codename in _direct_perms(user, material_request):
        return None
    for delegator in delegators_for(user):
        if codename in DELEGABLE and codename in _direct_perms(delegator, material_request):
            return delegator
    return None


def objects_with_perm(user, codename: str):
    """Requests on which the user holds `codename` (their own, or an active encargado's
    delegable one), as one query whatever their number."""
    if not user.is_authenticated or not user.is_active:
        return MaterialRequest.objects.none()
    requests = get_objects_for_user(
        user, f"workflows.{codename}", MaterialRequest, accept_global_perms=False, with_superuser=False
    )
    if codename in DELEGABLE:
        for delegator in delegators_for(user):
            requests = requests | get_objects_for_user(
                delegator, f"workflows.{codename}", MaterialRequest, accept_global_perms=False, with_superuser=False
            )
    return requests


def objects_visible_to(user):
    """Requests the user may see; an administrator sees all."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return MaterialRequest.objects.all()
    return objects_with_perm(user, VIEW)
