"""Per-object permissions (django-guardian) on material requests.

Who holds what on a request is a function of its state, its unit, its shares and its
urgent flag: `sync_object_permissions` writes exactly that set, and services call it
after every change. Reads go through guardian's tables, so lists filter in SQL.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Q
from guardian.shortcuts import get_objects_for_user

from organization.roles import Role
from organization.selectors import delegators_for, group_ids_of, roles_of, unit_ids_of

from . import duties

# The codenames and audiences are the lifecycle specification's; re-exported here.
from .lifecycle import (  # noqa: F401
    ACCESS,
    ALL_CODENAMES,
    APPROVE,
    CANCEL,
    CHANGE,
    DELEGABLE,
    POSTREVIEW,
    PUBLISH,
    REVIEW,
    SEEN_ONCE_SUBMITTED,
    SHARED,
    SUBMIT,
    TRANSITIONS,
    UNIT,
    VIEW,
    WITHDRAW,
)
from .models import (
    MaterialRequest,
    MaterialRequestGroupObjectPermission,
    MaterialRequestUserObjectPermission,
    State,
)


def _derive_grants():
    """State -> audience -> codenames, from the specification: who sees and edits the
    request in each state, plus each action's permission for its holders in its source
    states (those of an action whose grant follows its condition are kept apart)."""
    grants: dict = {}
    conditional: dict = {}
    for state, access in ACCESS.items():
        in_state = grants.setdefault(state, {})
        for audience in access.view:
            in_state.setdefault(audience, set()).add(VIEW)
        for audience in access.change:
            in_state.setdefault(audience, set()).add(CHANGE)
    for row in TRANSITIONS:
        for state, audiences in row.holders.items():
            target = conditional.setdefault(row.condition, {}) if row.grant_follows_condition else grants
            for audience in audiences:
                target.setdefault(state, {}).setdefault(audience, set()).add(row.permission)
    return grants, conditional


GRANTS, CONDITIONAL_GRANTS = _derive_grants()
# Once submitted, the office keeps seeing a request, even back in draft or cancelled.
AFTER_SUBMISSION = {audience: {VIEW} for audience in SEEN_ONCE_SUBMITTED}


def grants_for(material_request: MaterialRequest) -> dict[str, set[str]]:
    """Audience -> codenames for the request as it is now."""
    state = State(material_request.state)
    grants = {audience: set(codenames) for audience, codenames in GRANTS.get(state, {}).items()}
    if material_request.submitted_at is not None:
        for audience, codenames in AFTER_SUBMISSION.items():
            grants.setdefault(audience, set()).update(codenames)
    for condition, by_state in CONDITIONAL_GRANTS.items():
        if state in by_state and getattr(material_request, condition)():
            for audience, codenames in by_state[state].items():
                grants.setdefault(audience, set()).update(codenames)
    return grants


# Rows that never change while the application runs (permissions come from migrations,
# role groups are made once), read once per process instead of once per transition.
# Cleared when they could have changed: after migrate/flush and when a group is saved.
_static: dict[str, dict] = {}


def clear_static_cache(**kwargs) -> None:
    _static.clear()


def _permission_ids() -> dict[str, int]:
    if "permissions" not in _static:
        content_type = ContentType.objects.get_for_model(MaterialRequest)
        _static["permissions"] = dict(
            Permission.objects.filter(content_type=content_type, codename__in=ALL_CODENAMES).values_list(
                "codename", "pk"
            )
        )
    return _static["permissions"]


def permission_ids(codenames) -> tuple[int, ...]:
    """The ids of these codenames' permission rows (read once per process)."""
    ids = _permission_ids()
    return tuple(ids[codename] for codename in codenames)


def _role_group_ids() -> dict[str, int]:
    if "roles" in _static:
        return _static["roles"]
    found = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))
    # Kept only once every role's group exists (a fresh installation creates them after
    # the server may have started).
    if len(found) == len(Role.values):
        _static["roles"] = found
    return found


def active_shares(material_request: MaterialRequest) -> list[tuple[int | None, int | None, int | None]]:
    """(user id, unit id, unit's group id) of the request's active shares, read once per
    instance with the rest of its history (workflows.duties, one statement): the
    policies' separation of duties, the permission sync and the notifications' audience
    of one change all need them. Services that change shares forget them first."""
    return duties.history_of(material_request).active_shares


def forget_shares(material_request: MaterialRequest) -> None:
    duties.forget(material_request)


def _forget_perms(material_request: MaterialRequest) -> None:
    for name in ("_perms_cache", "_direct_perms_cache", "_perm_rows"):
        material_request.__dict__.pop(name, None)
    duties.forget_permission_rows(material_request)


def sync_object_permissions(material_request: MaterialRequest, *, for_audience: bool = False) -> dict:
    """Replace the request's per-object permissions with those its state calls for.
    Runs inside the service's transaction. Returns what changed, for the audit event:
    {"granted": [[holder, id, codename], ...], "revoked": [...]} (holder "group"/"user"),
    empty when nothing did."""
    grants = grants_for(material_request)
    permission_ids = _permission_ids()
    role_groups = _role_group_ids()
    # The rows as they are: those the service's permission check read under the lock,
    # when it did, else read now (a new request has none to read).
    existing_rows = _object_rows(material_request) if material_request.pk else {"group_id": set(), "user_id": set()}
    _forget_perms(material_request)

    share_rows: list[tuple[int | None, int | None]] | None = None
    wanted_groups: set[tuple[int, int]] = set()
    wanted_users: set[tuple[int, int]] = set()
    for audience, codenames in grants.items():
        if audience == UNIT:
            group_ids = [material_request.unit.group_id]
        elif audience == SHARED:
            shares = active_shares(material_request)
            share_rows = [(user_id, unit_id) for user_id, unit_id, _group_id in shares]
            group_ids = []
            for user_id, _unit_id, unit_group_id in shares:
                if user_id:
                    wanted_users.update((user_id, permission_ids[c]) for c in codenames)
                else:
                    group_ids.append(unit_group_id)
        else:
            group_ids = [role_groups[audience]] if audience in role_groups else []
        wanted_groups.update((group_id, permission_ids[c]) for group_id in group_ids if group_id for c in codenames)

    codenames = {pk: codename for codename, pk in permission_ids.items()}
    granted, revoked = [], []
    for model, holder_field, wanted in (
        (MaterialRequestGroupObjectPermission, "group_id", wanted_groups),
        (MaterialRequestUserObjectPermission, "user_id", wanted_users),
    ):
        added, removed = _replace(model, holder_field, material_request, wanted, existing_rows[holder_field])
        holder = holder_field.removesuffix("_id")
        granted += [[holder, who, codenames[permission]] for who, permission in sorted(added)]
        revoked += [[holder, who, codenames.get(permission, permission)] for who, permission in sorted(removed)]
    # What the request's audience is now, handed to the notifications of the same change
    # (notifications.services.Audience takes it off the instance), so they need not read
    # the rows back. Only when they follow at once: a long-lived instance must not keep it.
    if for_audience:
        material_request.__dict__["_granted"] = Granted(
            groups=_by_holder(wanted_groups, codenames), users=_by_holder(wanted_users, codenames), shares=share_rows
        )
    return {"granted": granted, "revoked": revoked} if granted or revoked else {}


@dataclass(frozen=True)
class Granted:
    """The per-object permissions a request holds after a sync: holder id -> codenames."""

    groups: dict[int, set[str]]
    users: dict[int, set[str]]
    shares: list[tuple[int | None, int | None]] | None  # active shares (user id, unit id), if read


def _by_holder(pairs, codenames) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    for holder, permission in pairs:
        result.setdefault(holder, set()).add(codenames[permission])
    return result


def _replace(model, holder_field: str, material_request, wanted: set[tuple[int, int]], existing: set):
    """Make the rows match `wanted` (`existing`: the (holder, permission) pairs there are);
    returns the pairs added and removed."""
    stale = existing - wanted
    if stale:
        _delete_rows(model, holder_field, material_request.pk, sorted(stale))
    missing = wanted - existing
    if missing:
        model.objects.bulk_create(
            model(content_object=material_request, permission_id=permission, **{holder_field: holder})
            for holder, permission in missing
        )
    return missing, stale


def _delete_rows(model, holder_field: str, request_id: int, pairs: list[tuple[int, int]]) -> None:
    """Delete the request's rows of these (holder, permission) pairs: one DELETE, written
    out because every state change runs it and Django's delete() (a queryset of OR-ed
    filters, then its collector) cost more than the statement; guardian's rows have no
    dependants and no delete signals."""
    using = router.db_for_write(model)
    quote = connections[using].ops.quote_name
    holder = quote(model._meta.get_field(holder_field.removesuffix("_id")).column)
    permission = quote(model._meta.get_field("permission").column)
    content_object = quote(model._meta.get_field("content_object").column)
    matches = " OR ".join([f"({holder} = %s AND {permission} = %s)"] * len(pairs))
    with connections[using].cursor() as cursor:
        cursor.execute(
            # Names from the model's meta, quoted; every value is a parameter.
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {content_object} = %s AND ({matches})",  # noqa: S608
            [request_id, *(value for pair in pairs for value in pair)],
        )


# --- reads -------------------------------------------------------------------------------


def _object_rows(material_request) -> dict[str, set[tuple[int, int]]]:
    """Every per-object permission row of the request, of people and of groups:
    {"user_id" | "group_id": {(holder id, permission id)}}, cached on the instance until
    its permissions are synced again. Read with the request's history (workflows.duties,
    the same statement the separation of duties needs); a service reads them once under
    its lock for the actor's check and reuses them to sync the change."""
    rows = material_request.__dict__.get("_perm_rows")
    if rows is None:
        rows = duties.history_of(material_request).permission_rows
        if rows is None:  # the history was read before the last sync: the rows alone
            rows = duties.permission_rows_of(material_request)
        material_request.__dict__["_perm_rows"] = rows
    return rows


def _direct_perms(user, material_request) -> set[str]:
    # guardian's checker without its superuser shortcut: an administrator reads
    # everything but acts only through the roles they hold. Read from the request's rows
    # (one statement for everyone) and the user's groups (cached on the user).
    cache = material_request.__dict__.setdefault("_direct_perms_cache", {})
    if user.pk not in cache:
        rows = _object_rows(material_request)
        groups = group_ids_of(user)
        codenames = {pk: codename for codename, pk in _permission_ids().items()}
        held = {codenames.get(permission) for holder, permission in rows["user_id"] if holder == user.pk}
        held |= {codenames.get(permission) for holder, permission in rows["group_id"] if holder in groups}
        held.discard(None)  # a row of another permission (an administrator's) gives none of these
        cache[user.pk] = held
    return cache[user.pk]


def perms_of(user, material_request: MaterialRequest) -> set[str]:
    """The codenames a user holds on a request, their own and, while an encargatura is
    active, the delegable ones of the gerente they stand in for. Cached on the instance."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cache = material_request.__dict__.setdefault("_perms_cache", {})
    if user.pk not in cache:
        perms = set(_direct_perms(user, material_request))  # a copy: the cache stays direct
        for delegator in delegators_for(user):
            perms |= _direct_perms(delegator, material_request) & DELEGABLE
        if user.is_superuser:
            perms.add(VIEW)
        cache[user.pk] = perms
    return cache[user.pk]


def has_perm(user, material_request: MaterialRequest, codename: str) -> bool:
    """Whether the user holds `codename` on the request, like `codename in perms_of(...)`,
    but without reading the encargaturas when their own permissions already suffice."""
    if not user.is_authenticated or not user.is_active:
        return False
    if codename in _direct_perms(user, material_request):
        return True
    return codename in perms_of(user, material_request)


def acting_for(user, material_request: MaterialRequest, codename: str):
    """Whose power the user uses for `codename`: None when it is their own, else the
    delegator (gerente) whose encargatura grants it."""
    if codename in _direct_perms(user, material_request):
        return None
    for delegator in delegators_for(user):
        if codename in DELEGABLE and codename in _direct_perms(delegator, material_request):
            return delegator
    return None


def _audiences_of(codename: str) -> frozenset:
    """Every audience that some state of some request gives `codename` to."""
    audiences = set()
    conditional = [grants for by_state in CONDITIONAL_GRANTS.values() for grants in by_state.values()]
    for grants in (*GRANTS.values(), AFTER_SUBMISSION, *conditional):
        audiences.update(audience for audience, codenames in grants.items() if codename in codenames)
    return frozenset(audiences)


def could_hold(user, codename: str) -> bool:
    """Whether any request could give `codename` to the user: they belong to an audience
    the grants ever give it to (a role, a requesting unit, or anyone, for what a share
    gives), or stand in for someone who does through an active encargatura. A query may
    skip a codename nobody could give them. No query beyond the user's cached roles,
    units and encargaturas."""
    if not user.is_authenticated or not user.is_active:
        return False
    audiences = _audiences_of(codename)
    if SHARED in audiences or audiences & roles_of(user) or (UNIT in audiences and unit_ids_of(user)):
        return True
    return codename in DELEGABLE and any(could_hold(delegator, codename) for delegator in delegators_for(user))


def objects_with_perm(user, codename: str, *, among=None):
    """Requests on which the user holds `codename` (their own, or an active encargado's
    delegable one), as one query whatever their number. `among` (request ids) narrows
    the check to those requests, read by `perm_filter`'s indexed lookups."""
    if not user.is_authenticated or not user.is_active:
        return MaterialRequest.objects.none()
    if among is not None:
        return MaterialRequest.objects.filter(perm_filter(user, codename, among=among), pk__in=among)
    requests = get_objects_for_user(
        user, f"workflows.{codename}", MaterialRequest, accept_global_perms=False, with_superuser=False
    )
    if codename in DELEGABLE:
        for delegator in delegators_for(user):
            requests = requests | get_objects_for_user(
                delegator, f"workflows.{codename}", MaterialRequest, accept_global_perms=False, with_superuser=False
            )
    return requests


def perm_filter(user, codename: str, field: str = "pk", *, among=None, own: bool = False) -> Q:
    """A filter on `field` (a request id) that holds exactly where `objects_with_perm`
    would include the request: the user's own rows, their groups' rows and, for a
    delegable codename, those of the gerentes they stand in for. Lean subqueries on
    guardian's direct tables (their covering indexes, no join, no cast), cheap to build
    and to run inside a larger query; an inactive or anonymous user matches nothing.
    `among` (request ids) restricts the subqueries to those requests' rows; `own` leaves
    the encargaturas out (the power held in person)."""
    if not user.is_authenticated or not user.is_active:
        return Q(**{f"{field}__in": []})
    delegated = codename in DELEGABLE and not own
    holders = [user.pk, *(delegator.pk for delegator in delegators_for(user) if delegated)]
    permission_id = _permission_ids()[codename]
    own = MaterialRequestUserObjectPermission.objects.filter(user_id__in=holders, permission_id=permission_id)
    groups = get_user_model().groups.through.objects.filter(user_id__in=holders).values("group_id")
    through_groups = MaterialRequestGroupObjectPermission.objects.filter(
        group_id__in=groups, permission_id=permission_id
    )
    if among is not None:
        own = own.filter(content_object_id__in=among)
        through_groups = through_groups.filter(content_object_id__in=among)
    # One IN over both sources: a query that ORs such filters stays a plain OR of ANDs,
    # which SQLite's planner answers branch by branch from these indexes.
    return Q(
        **{f"{field}__in": own.values("content_object_id").union(through_groups.values("content_object_id"), all=True)}
    )


def objects_visible_to(user, *, among=None):
    """Requests the user may see; an administrator sees all. `among`: as for objects_with_perm."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return MaterialRequest.objects.all() if among is None else MaterialRequest.objects.filter(pk__in=among)
    return objects_with_perm(user, VIEW, among=among)
