"""Separation of duties, decided from the request's history.

Nobody reviews, approves or publishes what they helped write, and nobody approves or
publishes what they reviewed. "Helped write" and "reviewed" are read from what happened,
never from what someone holds today: the audit trail of the request (who created it, who
changed its content and in which state, who forwarded or observed it) and every share it
ever had, revoked ones included. Revoking a share, ending an encargatura or moving a
person to another role does not wash their part away.

Two circles of people around a request:

- its **authors**: the author, everyone it was ever shared with (a person, or the members
  of a unit), and whoever changed its content while it was a draft (the unit's side);
- its **reviewers**: whoever forwarded it, observed it back to the unit, or changed its
  content once it had been submitted (the office's side).

Authors may not review, approve, publish, withdraw or post-review it; reviewers may not
approve or publish it (`FOUR_EYES`). The approver's own decisions (return, reject) do not
make them a reviewer: a gerente who returns a request with observations decides it again
when it comes back. A request has one approval cycle, from its creation to its
publication: nothing in between (a return, an observation, a reopening) starts a new one,
so what someone did before a return still counts after it.

The rule is written here once, in its two forms: `history_of(...)` (Python, for one
request: policies and notifications) and `authored_by(...)`/`reviewed_by(...)` (SQL, for
lists and the inbox). Both read the same rows, and tests check they agree.
"""

from dataclasses import dataclass, field

from django.db import router
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from audit.models import AuditEvent
from audit.services import chain_expression, chain_name
from core.prepared import PreparedQuery

from .models import (
    MaterialRequest,
    MaterialRequestGroupObjectPermission,
    MaterialRequestUserObjectPermission,
    Share,
    State,
)

# Audit actions that change a request's content (create is the author's first draft).
CONTENT_ACTIONS = ("create", "edit", "attach", "detach")
# Audit actions of the review itself.
REVIEW_ACTIONS = ("forward", "observe")
# The actions that need a pair of eyes that neither wrote nor reviewed the text.
FOUR_EYES = frozenset({"approve", "publish", "urgent_publish"})

_ACTIVE_SHARE, _REVOKED_SHARE, _AUTHOR_ACT, _REVIEW_ACT, _USER_GRANT, _GROUP_GRANT = 0, 1, 2, 3, 4, 5


@dataclass
class History:
    """Who took part in one request, and its active shares (what the permission sync
    needs), read in one statement."""

    author_id: int
    active_shares: list[tuple[int | None, int | None, int | None]] = field(default_factory=list)
    share_users: set[int] = field(default_factory=set)  # every share ever, revoked too
    share_units: set[int] = field(default_factory=set)
    author_acts: set[int] = field(default_factory=set)  # created or edited it as a draft
    review_acts: set[int] = field(default_factory=set)  # forwarded, observed, edited once sent
    # The request's per-object permission rows as read with the rest (workflows.permissions
    # takes them; None once it has forgotten them): {"user_id"|"group_id": {(holder, permission)}}.
    permission_rows: dict[str, set[tuple[int, int]]] | None = None

    def is_author(self, user_id: int, unit_ids) -> bool:
        return (
            user_id == self.author_id
            or user_id in self.share_users
            or user_id in self.author_acts
            or bool(self.share_units & set(unit_ids))
        )

    def is_reviewer(self, user_id: int) -> bool:
        return user_id in self.review_acts

    def note(self, user_id: int | None, action: str, from_state: str) -> None:
        kind = act_kind(action, from_state)
        if user_id is not None and kind is not None:
            (self.review_acts if kind == _REVIEW_ACT else self.author_acts).add(user_id)


def act_kind(action: str, from_state: str) -> int | None:
    if action in REVIEW_ACTIONS:
        return _REVIEW_ACT
    if action in CONTENT_ACTIONS:
        return _AUTHOR_ACT if from_state in ("", State.DRAFT) else _REVIEW_ACT
    return None


def _rows(request_id, chain):
    """The request's shares, the acts of its history (its audit chain is `chain`) and its
    per-object permission rows, as one UNION ALL: (user id, unit id or permission id,
    group id, kind). Everyone who asks whether a person may act on the request needs both
    (workflows.policy), and the permission sync of the same change reuses the permission
    rows."""
    no_id = Value(None, output_field=IntegerField())
    shares = (
        Share.objects.filter(request_id=request_id)
        .order_by()
        .values_list(
            "user_id",
            "unit_id",
            "unit__group_id",
            Case(When(revoked_at__isnull=True, then=Value(_ACTIVE_SHARE)), default=Value(_REVOKED_SHARE)),
        )
    )
    acts = (
        AuditEvent.objects.filter(
            chain=chain,
            actor__isnull=False,
            action__in=CONTENT_ACTIONS + REVIEW_ACTIONS,
        )
        .order_by()
        .values_list("actor_id", no_id, no_id, _act_kind_sql())
    )
    return shares.union(acts, *_grant_rows(request_id), all=True)


# Read at every change and on every request page: compiled once (core.prepared).
_ROWS = PreparedQuery(_rows, int, str)


def _grant_rows(request_id):
    """The request's per-object permission rows, in the same columns: (user id, permission
    id, group id, kind)."""
    no_id = Value(None, output_field=IntegerField())
    user_grants = (
        MaterialRequestUserObjectPermission.objects.filter(content_object_id=request_id)
        .order_by()
        .values_list("user_id", "permission_id", no_id, Value(_USER_GRANT, output_field=IntegerField()))
    )
    group_grants = (
        MaterialRequestGroupObjectPermission.objects.filter(content_object_id=request_id)
        .order_by()
        .values_list(no_id, "permission_id", "group_id", Value(_GROUP_GRANT, output_field=IntegerField()))
    )
    return user_grants, group_grants


def _permission_rows_from(rows) -> dict[str, set[tuple[int, int]]]:
    found: dict[str, set[tuple[int, int]]] = {"user_id": set(), "group_id": set()}
    for user_id, permission_id, group_id, kind in rows:
        if kind == _USER_GRANT:
            found["user_id"].add((user_id, permission_id))
        elif kind == _GROUP_GRANT:
            found["group_id"].add((group_id, permission_id))
    return found


def permission_rows_of(material_request: MaterialRequest) -> dict[str, set[tuple[int, int]]]:
    """The permission rows alone (one statement), for a request whose history was read
    before its permissions last changed."""
    return _permission_rows_from(_GRANT_ROWS(material_request.pk, using=router.db_for_read(MaterialRequest)))


def _grant_union(request_id):
    user_grants, group_grants = _grant_rows(request_id)
    return user_grants.union(group_grants, all=True)


_GRANT_ROWS = PreparedQuery(_grant_union, int)


def _act_kind_sql():
    return Case(
        When(action__in=REVIEW_ACTIONS, then=Value(_REVIEW_ACT)),
        When(~Q(from_state__in=("", State.DRAFT)), then=Value(_REVIEW_ACT)),
        default=Value(_AUTHOR_ACT),
        output_field=IntegerField(),
    )


def history_of(material_request: MaterialRequest) -> History:
    """Read once per instance (the services' locked instance, a page's request) and kept
    on it; `forget` drops it after a share changes."""
    cached = material_request.__dict__.get("_duties_history")
    if cached is not None:
        return cached
    history = History(author_id=material_request.author_id)
    rows = _ROWS(
        material_request.pk,
        chain_name(MaterialRequest, material_request.pk),
        using=router.db_for_read(MaterialRequest),
    )
    history.permission_rows = _permission_rows_from(rows)
    for user_id, unit_id, group_id, kind in rows:
        if kind in (_USER_GRANT, _GROUP_GRANT):
            continue
        if kind in (_ACTIVE_SHARE, _REVOKED_SHARE):
            if kind == _ACTIVE_SHARE:
                history.active_shares.append((user_id, unit_id, group_id))
            if user_id:
                history.share_users.add(user_id)
            if unit_id:
                history.share_units.add(unit_id)
        elif kind == _AUTHOR_ACT:
            history.author_acts.add(user_id)
        else:
            history.review_acts.add(user_id)
    history.active_shares.sort(key=lambda row: (row[0] or 0, row[1] or 0))
    material_request.__dict__["_duties_history"] = history
    return history


def note(material_request: MaterialRequest, user_id: int | None, action: str, from_state: str) -> None:
    """Add an act the running service records, if the history was already read, so the
    rest of the same change (its notifications) counts it without reading it again."""
    cached = material_request.__dict__.get("_duties_history")
    if cached is not None:
        cached.note(user_id, action, from_state)


def forget(material_request: MaterialRequest) -> None:
    material_request.__dict__.pop("_duties_history", None)


def forget_permission_rows(material_request: MaterialRequest) -> None:
    """The permission rows read with the history are no longer the request's (a sync)."""
    cached = material_request.__dict__.get("_duties_history")
    if cached is not None:
        cached.permission_rows = None


# --- the same rules in SQL, for lists and the inbox ------------------------------------------


def authored_by(user, request_ref: str) -> Q:
    """True where the user is one of the request's authors. `request_ref` names the
    outer query's column holding the request id (for example "pk" or
    "process__artifact_object_id")."""
    the_request = MaterialRequest.objects.filter(pk=OuterRef(request_ref), author=user)
    shared = Share.objects.filter(request_id=OuterRef(request_ref)).filter(
        Q(user=user) | Q(unit__memberships__user=user)
    )
    drafted = AuditEvent.objects.filter(
        chain=chain_expression(MaterialRequest, request_ref),
        actor=user,
        action__in=CONTENT_ACTIONS,
        from_state__in=("", State.DRAFT),
    )
    return Q(Exists(the_request)) | Q(Exists(shared)) | Q(Exists(drafted))


def reviewed_by(user, request_ref: str) -> Q:
    """True where the user forwarded, observed or edited the submitted request."""
    acts = AuditEvent.objects.filter(chain=chain_expression(MaterialRequest, request_ref), actor=user).filter(
        Q(action__in=REVIEW_ACTIONS) | (Q(action__in=CONTENT_ACTIONS) & ~Q(from_state__in=("", State.DRAFT)))
    )
    return Q(Exists(acts))
