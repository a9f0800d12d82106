"""Who may do what with a request: one policy, three faces.

In the spirit of Wagtail's permission policies, every who-may question is answered here,
from the lifecycle specification (workflows.lifecycle) and django-guardian's per-object
permissions (workflows.permissions), in three forms that always agree:

- `may(user, code, request)`: may this person take this action on this request now?
  A `Verdict` that is truthy or carries the Spanish reason why not;
- `requests_where(user, code, field)`: the same answer for many requests at once, as a
  `Q` on a column holding a request id (lists, exports, the inbox);
- `holders(code, request)`: the people who may take it (whom to notify, who sees the
  task).

The separation-of-duties rules are objects (`RULES`), each written once with its three
forms side by side. A row of the specification names the rules that apply to its action;
`tests/workflows/test_policy_faces.py` runs the three faces over the permission-matrix
data and shows they agree for every person, action and request.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django_fsm import can_proceed

from core.prepared import PreparedQuery
from organization.models import Delegation, Membership
from organization.roles import Role
from organization.selectors import roles_of, unit_ids_of

from . import duties
from . import lifecycle as spec
from . import permissions as perm
from .models import CampaignType, Kind, MaterialRequest, MaterialRequestGroupObjectPermission
from .models import MaterialRequestUserObjectPermission as UserPermission

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def _on_request(field: str, condition: Q) -> Q:
    """`condition` on the request whose id is in `field` of the outer query."""
    if field == "pk":
        return condition
    return Q(Exists(MaterialRequest.objects.filter(condition, pk=OuterRef(field))))


# --- who stands where around one request (the holders face reads it) ---------------------------

# Read at every change's notifications: compiled once per number of ids (core.prepared).
_GROUP_MEMBERS = PreparedQuery(
    lambda group_ids: (
        get_user_model().objects.filter(groups__in=group_ids, is_active=True).annotate(member_of=F("groups__id"))
    ),
    list,
)
_DELEGATES = PreparedQuery(
    lambda delegator_ids, day: (
        Delegation.objects.active_on(day)
        .filter(delegator_id__in=delegator_ids, delegate__is_active=True)
        .values_list("delegator_id", "delegate_id")
    ),
    list,
    date,
)
_UNIT_MEMBERS = PreparedQuery(
    lambda unit_ids: Membership.objects.filter(unit_id__in=unit_ids, user__is_active=True).values_list(
        "unit_id", "user_id"
    ),
    list,
)


@dataclass
class Standing:
    """Who stands where around one request, as the services just wrote its permissions
    (handed over on the instance by workflows.permissions, else read from guardian's
    tables): a fixed number of queries, whatever the number of people."""

    material_request: MaterialRequest
    holders: dict[str, set[int]] = field(default_factory=dict)  # codename -> active user ids
    delegated: dict[str, set[int]] = field(default_factory=dict)  # held only through an encargatura
    unit_members: set[int] = field(default_factory=set)
    coauthors: set[int] = field(default_factory=set)  # the author and whoever it is shared with
    share_people: set[int] = field(default_factory=set)  # people and unit members it is shared with
    reviewers: set[int] = field(default_factory=set)  # who forwarded, observed or edited it once sent
    users: dict = field(default_factory=dict)  # user id -> active user, those already read

    @classmethod
    def of(cls, material_request: MaterialRequest, *, unit_members: bool = True) -> "Standing":
        """`unit_members`: whether the unit's members are needed (they are read only then,
        or when an encargado's own unit matters)."""
        standing = cls(material_request)
        holders: dict[str, set[int]] = {}
        # The permissions the service just synced travel on the instance: no need to read
        # them back (direct grants to inactive people are dropped with the recipients).
        granted = material_request.__dict__.pop("_granted", None)
        if granted is not None:
            user_rows = [(user_id, c) for user_id, codenames in granted.users.items() for c in codenames]
            group_codenames = {group_id: set(codenames) for group_id, codenames in granted.groups.items()}
        else:
            user_rows = UserPermission.objects.filter(
                content_object=material_request, user__is_active=True
            ).values_list("user_id", "permission__codename")
            group_codenames = {}
            for group_id, codename in MaterialRequestGroupObjectPermission.objects.filter(
                content_object=material_request
            ).values_list("group_id", "permission__codename"):
                group_codenames.setdefault(group_id, set()).add(codename)
        for user_id, codename in user_rows:
            holders.setdefault(codename, set()).add(user_id)
        if group_codenames:
            # The members themselves, not only their ids: most recipients are among them,
            # so the notifications seldom read users again.
            for user in _GROUP_MEMBERS(list(group_codenames), using=router.db_for_read(get_user_model())):
                standing.users[user.pk] = user
                for codename in group_codenames[user.member_of]:
                    holders.setdefault(codename, set()).add(user.pk)
        # An active encargado holds the delegable powers the gerente they stand in for holds
        # directly (as workflows.permissions.perms_of: never passed on further).
        direct = {codename: set(holders.get(codename, ())) for codename in spec.DELEGABLE}
        delegators = set().union(*direct.values())
        if delegators:
            delegations = _DELEGATES(list(delegators), timezone.localdate(), using=router.db_for_read(Delegation))
            for delegator_id, delegate_id in delegations:
                for codename, direct_holders in direct.items():
                    if delegator_id in direct_holders:
                        holders.setdefault(codename, set()).add(delegate_id)
            standing.delegated = {codename: holders.get(codename, set()) - direct[codename] for codename in direct}
        standing.holders = holders

        # Who stands where in the request's history (workflows.duties): read with its
        # shares by the permission sync of the same change, so no statement more here.
        history = duties.history_of(material_request)
        share_users, share_units = set(), set()
        share_rows = granted.shares if granted is not None and granted.shares is not None else None
        if share_rows is None:
            share_rows = [(user_id, unit_id) for user_id, unit_id, _group_id in history.active_shares]
        for user_id, unit_id in share_rows:
            if user_id:
                share_users.add(user_id)
            if unit_id:
                share_units.add(unit_id)
        shared_unit_members, once_shared_unit_members = set(), set()
        member_units = set(history.share_units)
        if unit_members or any(standing.delegated.values()):
            member_units.add(material_request.unit_id)
        memberships = _UNIT_MEMBERS(list(member_units), using=router.db_for_read(Membership)) if member_units else []
        for unit_id, user_id in memberships:
            if unit_id == material_request.unit_id:
                standing.unit_members.add(user_id)
            if unit_id in share_units:
                shared_unit_members.add(user_id)
            if unit_id in history.share_units:
                once_shared_unit_members.add(user_id)
        # As duties.History.is_author: nobody reviews, approves or publishes what they
        # helped write, even once, even if the share was revoked.
        standing.coauthors = (
            {material_request.author_id} | history.share_users | history.author_acts | once_shared_unit_members
        )
        standing.reviewers = set(history.review_acts)
        standing.share_people = share_users | shared_unit_members
        return standing

    def with_perm(self, codename: str) -> set[int]:
        return set(self.holders.get(codename, ()))

    @property
    def viewers(self) -> set[int]:
        return self.with_perm(perm.VIEW)


# --- the rules, each in its three forms ------------------------------------------------------


class Rule:
    """A separation-of-duties rule: whom it refuses, in Python (one person, one request),
    in SQL (a Q true on the requests where it refuses the person) and among the holders
    of one request."""

    name = ""

    def refuses(self, user, material_request, row: spec.Transition) -> bool:
        raise NotImplementedError

    def refused_where(self, user, row: spec.Transition, field: str) -> Q | None:
        """None: it refuses the person nowhere."""
        raise NotImplementedError

    def refused_among(self, standing: Standing, row: spec.Transition) -> set[int]:
        raise NotImplementedError


class NotAuthor(Rule):
    """The author, whoever it was ever shared with and whoever edited it as a draft."""

    name = spec.NOT_AUTHOR

    def refuses(self, user, material_request, row):
        history = duties.history_of(material_request)
        # The person's units matter only if the request was ever shared with a unit.
        return history.is_author(user.pk, unit_ids_of(user) if history.share_units else ())

    def refused_where(self, user, row, field):
        return duties.authored_by(user, field)

    def refused_among(self, standing, row):
        return standing.coauthors


class NotReviewer(Rule):
    """Whoever forwarded, observed or edited it once submitted: four eyes."""

    name = spec.NOT_REVIEWER

    def refuses(self, user, material_request, row):
        return duties.history_of(material_request).is_reviewer(user.pk)

    def refused_where(self, user, row, field):
        return duties.reviewed_by(user, field)

    def refused_among(self, standing, row):
        return standing.reviewers


class NotOwnUnitDelegate(Rule):
    """An encargado, holding the power only through the encargatura, never decides the
    requests of a unit they belong to."""

    name = spec.NOT_OWN_UNIT_DELEGATE

    def refuses(self, user, material_request, row):
        # Whose power first: a person acting on their own needs no read of their units.
        return perm.acting_for(
            user, material_request, row.permission
        ) is not None and material_request.unit_id in unit_ids_of(user)

    def refused_where(self, user, row, field):
        units = unit_ids_of(user)
        if not units or row.permission not in spec.DELEGABLE:
            return None
        return _on_request(field, Q(unit_id__in=units)) & ~perm.perm_filter(user, row.permission, field, own=True)

    def refused_among(self, standing, row):
        return standing.delegated.get(row.permission, set()) & standing.unit_members


class InPerson(Rule):
    """The power must be the person's own, not an encargado's."""

    name = spec.IN_PERSON

    def refuses(self, user, material_request, row):
        return perm.acting_for(user, material_request, row.permission) is not None

    def refused_where(self, user, row, field):
        return ~perm.perm_filter(user, row.permission, field, own=True)

    def refused_among(self, standing, row):
        return standing.delegated.get(row.permission, set())


class NotUrgentPublisher(Rule):
    """The post-review is someone else's than who published urgently."""

    name = spec.NOT_URGENT_PUBLISHER

    def refuses(self, user, material_request, row):
        return user.pk in (material_request.published_by_id, material_request.approved_by_id)

    def refused_where(self, user, row, field):
        return _on_request(field, Q(published_by=user) | Q(approved_by=user))

    def refused_among(self, standing, row):
        request = standing.material_request
        return {request.published_by_id, request.approved_by_id} - {None}


RULES: dict[str, Rule] = {
    rule.name: rule for rule in (NotAuthor(), NotReviewer(), NotOwnUnitDelegate(), InPerson(), NotUrgentPublisher())
}

# The conditions the specification names (methods of the request), as SQL.
CONDITIONS = {
    "is_urgent_eligible": Q(emergency=True)
    | Q(kind=Kind.CAMPAIGN, campaign_details__campaign_type=CampaignType.PREVENTION),
    "awaits_post_review": Q(urgent=True, urgent_reviewed_at__isnull=True),
}


# --- the three faces -----------------------------------------------------------------------


def row_of(code: str) -> spec.Transition:
    return spec.TRANSITIONS_BY_CODE[code]


def may(user, code: str, material_request: MaterialRequest) -> Verdict:
    """Whether the person may take the action on the request as it is now: the permission
    its state grants them, then each separation-of-duties rule of the action. Whether the
    state allows the action at all is the state machine's question (`legal`)."""
    row = row_of(code)
    if not perm.has_perm(user, material_request, row.permission):
        return Verdict(False, str(row.refusal))
    for name, message in row.duties.items():
        if RULES[name].refuses(user, material_request, row):
            return Verdict(False, str(message))
    return ALLOWED


def legal(code: str, material_request: MaterialRequest) -> bool:
    """Whether the request's state (and the action's condition) allows the action."""
    return can_proceed(getattr(material_request, row_of(code).method))


def requests_where(user, code: str, field: str = "pk", *, legal: bool = True) -> Q:
    """A filter on `field` (a column holding a request id) true exactly on the requests
    where `may(user, code, request)` holds and, with `legal`, the state allows the action
    now. Lean subqueries on guardian's tables and the request's history."""
    row = row_of(code)
    if not perm.could_hold(user, row.permission):
        return NOTHING  # no request gives it to them: a branch fewer to build and to run
    where = perm.perm_filter(user, row.permission, field)
    if legal:
        state = Q(state__in=row.sources)
        if row.condition:
            state &= CONDITIONS[row.condition]
        where &= _on_request(field, state)
    for name in row.duties:
        refused = RULES[name].refused_where(user, row, field)
        if refused is not None:
            where &= ~refused
    return where


def holders(code: str, material_request: MaterialRequest, standing: Standing | None = None) -> set[int]:
    """The active people who may take the action on the request as it is now (`may` for
    each of them), in a fixed number of queries whatever their number."""
    row = row_of(code)
    if standing is None:
        standing = Standing.of(material_request, unit_members=spec.NOT_OWN_UNIT_DELEGATE in row.duties)
    people = standing.with_perm(row.permission)
    for name in row.duties:
        people -= RULES[name].refused_among(standing, row)
    return people


# --- the queue: tasks someone took ------------------------------------------------------------


def may_act_on_task_taken_by(user, owner_id: int | None) -> bool:
    """A task someone took is theirs to finish; the queue's manager (the gerente) may still."""
    return owner_id in (None, user.pk) or bool(roles_of(user) & set(spec.QUEUE_MANAGERS))


def may_release_task_taken_by(user, owner_id: int | None) -> bool:
    """Who took a task, or the queue's manager, may release or reassign it."""
    return owner_id == user.pk or bool(roles_of(user) & set(spec.QUEUE_MANAGERS))


def office_task_roles() -> tuple[str, ...]:
    """The roles that hold the office's steps (whom a task may be reassigned to)."""
    office_actions = {step.action for step in spec.STEPS if step.office}
    roles = []
    for row in spec.TRANSITIONS:
        if row.code in office_actions:
            for audiences in row.holders.values():
                roles += [audience for audience in audiences if audience in Role.values and audience not in roles]
    return tuple(roles)
