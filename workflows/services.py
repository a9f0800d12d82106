"""Every change to a material request happens here, each in one transaction.

A service checks the actor's permission, applies the change (the FSM transition for
state changes), bumps the revision that forms use to catch stale pages, and writes the
audit event, all inside one `transaction.atomic()`. Views, commands and the admin call
these functions; none of them changes a request itself.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import IntegrityError, router, transaction
from django.db.models import Aggregate, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from audit.models import AuditEvent
from audit.services import chain_expression, record_event
from core.prepared import PreparedQuery
from organization.selectors import knows_groups, remember_groups

from . import duties, lifecycle, permissions, policies
from .attachments import inspect_upload
from .exceptions import ActionNotAvailable, DecisionAlreadyRecorded, InvalidInput, StaleRequest
from .hooks import DocumentVersion, flow_sync, notify_transition, record_version
from .models import (
    ATTACHMENT_SNAPSHOT_FIELDS,
    DETAILS_MODELS,
    DETAILS_RELATIONS,
    SHORT_TEXT_MAX,
    Attachment,
    Decision,
    Kind,
    MaterialRequest,
    Share,
    State,
)
from .references import next_reference

# Transitions that freeze a document version (what was sent, approved and published),
# as the lifecycle specification says.
VERSIONED_ACTIONS = tuple(row.code for row in lifecycle.TRANSITIONS if row.freezes_version)

# Fields of the request itself that a form may set; everything else moves only
# through transitions.
CONTENT_FIELDS = ("title", "requested_by", "summary", "body", "emergency")


def _clean_reason(action: policies.Action, comment: str) -> str:
    comment = (comment or "").strip()
    if action.reason_required and not comment:
        raise InvalidInput(
            _("Indique el motivo: «%(label)s» es obligatorio para esta acción.") % {"label": action.reason_label},
            field_errors={"comment": [_("Este campo es obligatorio.")]},
        )
    if len(comment) > SHORT_TEXT_MAX:
        raise InvalidInput(
            _("El texto es demasiado largo (máximo %(max)d caracteres).") % {"max": SHORT_TEXT_MAX},
            field_errors={"comment": [_("Texto demasiado largo.")]},
        )
    return comment


class _JSONList(Aggregate):
    """The JSON array of the values of a group (json_group_array; jsonb_agg on PostgreSQL,
    whose jsonb Django's connection hands to the field as text, as it expects)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _attachments_changed(material_request: MaterialRequest) -> None:
    material_request.__dict__.pop("prefetched_attachments", None)


def _locked_query(pk, actor_pk=None):
    """The request under its lock with everything a change continues from (see _lock);
    with `actor_pk`, the actor's groups too."""
    head = AuditEvent.objects.filter(chain=chain_expression(MaterialRequest, "pk")).order_by("-sequence")
    queryset = MaterialRequest.objects.all()
    if actor_pk is not None:
        memberships = get_user_model().groups.through.objects.filter(user_id=actor_pk)
        queryset = queryset.annotate(
            prefetched_actor_groups=Subquery(
                memberships.values("user_id")
                .annotate(rows=_JSONList(JSONObject(id="group_id", name="group__name")))
                .values("rows")
            )
        )
    return (
        queryset.select_for_update(of=("self",))
        # The kind's details too: the document version of the change reads them.
        .select_related("unit__municipality", "author", *DETAILS_RELATIONS)
        # Read with the lock, in the same statement: what the change's document version
        # and audit event continue from (each used once, see record_version/record_event).
        .annotate(
            prefetched_last_version=Subquery(
                DocumentVersion.objects.filter(request=OuterRef("pk")).order_by("-number").values("number")[:1]
            ),
            prefetched_audit_sequence=Subquery(head.values("sequence")[:1]),
            prefetched_audit_hash=Subquery(head.values("hash")[:1]),
            # The attachments as the version's snapshot lists them (documents.snapshots);
            # a service that adds or removes one drops this first (_attachments_changed).
            prefetched_attachments=Subquery(
                Attachment.objects.filter(request=OuterRef("pk"))
                .order_by()
                .values("request")
                .annotate(rows=_JSONList(JSONObject(**ATTACHMENT_SNAPSHOT_FIELDS)))
                .values("rows")
            ),
        )
        .filter(pk=pk)
    )


# Every change starts with this statement: compiled once (core.prepared).
_LOCKED = PreparedQuery(_locked_query, int)
_LOCKED_WITH_ACTOR_GROUPS = PreparedQuery(_locked_query, int, int)


_COLUMNS = tuple(field.attname for field in MaterialRequest._meta.concrete_fields if not field.primary_key)


def _changed_columns(current: MaterialRequest) -> list[str] | None:
    """The columns a transition changed on the locked request (with `updated_at`, which
    saving sets), or None (all) if it was not read by _lock."""
    as_locked = current.__dict__.pop("_as_locked", None)
    if as_locked is None:
        return None
    return [name for name in _COLUMNS if current.__dict__[name] != as_locked[name]] + ["updated_at"]


def _lock(material_request: MaterialRequest, actor=None) -> MaterialRequest:
    """Re-read the request under a row lock (PostgreSQL) or the write lock that SQLite's
    BEGIN IMMEDIATE already holds, so concurrent actors queue instead of racing. With
    `actor`, their groups come along in the same statement unless already known (their
    permission check and the version's signature need them)."""
    using = router.db_for_write(MaterialRequest)
    if not transaction.get_connection(using).in_atomic_block:
        # As select_for_update says: a lock outside a transaction would hold nothing.
        raise TransactionManagementError("the request is locked inside the transaction of its change")
    with_actor_groups = actor is not None and actor.is_authenticated and not knows_groups(actor)
    if with_actor_groups:
        current = _LOCKED_WITH_ACTOR_GROUPS.get(material_request.pk, actor.pk, using=using)
    else:
        current = _LOCKED.get(material_request.pk, using=using)
    # What was read with the lock is what this transaction writes through (the details
    # included): documents.snapshots may trust it instead of reading it again.
    current.__dict__["_read_under_lock"] = True
    # And the values it had, so a transition saves only the columns it changed.
    current.__dict__["_as_locked"] = {name: current.__dict__[name] for name in _COLUMNS}
    if with_actor_groups:
        groups = current.__dict__.pop("prefetched_actor_groups") or []
        remember_groups(actor, ((group["id"], group["name"]) for group in groups))
    return current


def _check_revision(current: MaterialRequest, expected_revision: int | None) -> None:
    if expected_revision is not None and current.revision != expected_revision:
        raise StaleRequest()


def _check_decision_revision(actor, current: MaterialRequest, code: str, expected_revision: int | None) -> None:
    """A stale page, unless the one change since it is this very decision by this person:
    the same form sent twice, or sent again after the connection dropped while the first
    was being recorded. Then it is said once, not refused and not repeated. Read from the
    history only on this path: a fresh page costs nothing more."""
    if expected_revision is None or current.revision == expected_revision:
        return
    if current.revision == expected_revision + 1:
        newest = (
            Decision.objects.filter(request=current)
            .order_by("-created_at", "-audit_event_id")
            .values("actor_id", "action")
            .first()
        )
        if newest == {"actor_id": actor.pk, "action": code}:
            raise DecisionAlreadyRecorded(current)
    raise StaleRequest()


def _validate(instance, exclude=()):
    # The state is never validated by assignment: it is protected and moves only by transition.
    try:
        instance.full_clean(exclude=[*exclude, "state"], validate_unique=False)
    except ValidationError as error:
        raise InvalidInput(_("Revise los datos: hay campos con errores."), field_errors=error.message_dict) from error


@dataclass(frozen=True)
class Authority:
    """Who acts, in whose name (an encargatura), and when: what a transition records."""

    actor: object
    on_behalf_of: object | None
    at: datetime


def _transition(
    actor,
    material_request: MaterialRequest,
    code: str,
    *,
    comment: str = "",
    expected_revision: int | None = None,
    transition_kwargs: Callable[[Authority], dict] | None = None,
    audit_data: dict | None = None,
    by_system: bool = False,
) -> MaterialRequest:
    """Run one FSM transition: the request's one way to change state.

    Checks run from the most to the least general answer: a stale page (409), an
    action the state does not allow (409), then the actor's permission (403)."""
    action = policies.ACTIONS[code]
    comment = _clean_reason(action, comment)
    with transaction.atomic():
        current = _lock(material_request, actor)
        _check_decision_revision(actor, current, code, expected_revision)
        transition_method = getattr(current, action.method)
        if not can_proceed(transition_method):
            raise ActionNotAvailable(
                _("La acción «%(action)s» no está disponible en el estado «%(state)s».")
                % {"action": action.label_for(current), "state": current.state_label}
            )
        policies.check_action(actor, current, action)
        flow_sync.check_task_owner(actor, current, code)
        authority = Authority(actor, permissions.acting_for(actor, current, action.permission), timezone.now())
        from_state = current.state
        duties.note(current, actor.pk, code, from_state)
        transition_method(**(transition_kwargs(authority) if transition_kwargs else {}))
        current.revision += 1
        try:
            current.save(update_fields=_changed_columns(current))
        except ConcurrentTransition as error:
            raise StaleRequest() from error
        _settle_state_change(
            actor,
            current,
            code,
            from_state,
            authority,
            comment=comment,
            freeze_version=code in VERSIONED_ACTIONS,
            audit_data=audit_data,
            by_system=by_system,
            chain_head_read=True,
        )
    return current


def _settle_state_change(
    actor,
    current: MaterialRequest,
    code: str,
    from_state: str,
    authority: Authority,
    *,
    comment: str,
    freeze_version: bool,
    version=None,
    audit_data: dict | None = None,
    by_system: bool = False,
    chain_head_read: bool = False,
) -> None:
    """Everything a state change leaves behind, in one order, for the actions and for the
    reopening an edit causes alike: the per-object permissions of the new state, the
    flow's tasks, the frozen version (or `version`, one the caller froze), the
    notifications, the audit event and the decision row, linked both ways.
    `chain_head_read`: the audit chain's head came with the request's lock."""
    permission_changes = permissions.sync_object_permissions(current, for_audience=True)
    flow_sync.advance(actor, current, action=code)
    frozen = record_version(actor=actor, material_request=current, reason=code) if freeze_version else None
    notify_transition(actor=actor, material_request=current, action=code, from_state=from_state)
    decision_id = uuid.uuid4()
    event = record_event(
        # by_system: a scheduled job acts for `actor` (workflows.scheduling).
        actor=None if by_system else actor,
        on_behalf_of=actor if by_system else authority.on_behalf_of,
        action=code,
        target=current,
        from_state=from_state,
        to_state=current.state,
        comment=comment,
        version_hash=frozen.snapshot_sha256 if frozen else "",
        data=_with_permissions({**(audit_data or {}), "decision": str(decision_id)}, permission_changes),
        locked=chain_head_read,
    )
    _record_decision(
        decision_id, current, code, from_state, authority, comment, frozen or version, event, by_system=by_system
    )


def _record_decision(decision_id, current, code, from_state, authority, reason, version, event, *, by_system=False):
    """The change as a write-once row (one INSERT), linked both ways with its audit event."""
    return current.decisions.create(
        id=decision_id,
        action=code,
        from_state=from_state,
        to_state=current.state,
        actor=authority.actor,
        acting_for=authority.on_behalf_of,
        by_system=by_system,
        reason=reason,
        version=version,
        # The version it was taken on: the one frozen with it, else the newest (read by _lock).
        version_number=version.number if version else current.__dict__.get("prefetched_last_version"),
        created_at=authority.at,
        audit_event=event,
    )


def _with_permissions(data: dict | None, changes: dict) -> dict:
    """An event's data plus the per-object permissions its change granted and revoked."""
    return {**(data or {}), "permissions": changes} if changes else (data or {})


def _record_content_change(actor, current: MaterialRequest, *, action: str, data: dict) -> None:
    """Save a content change of a locked request: bump its revision, audit it, and, if it
    was approved, send it back to approval (the gerente approved a text, not whatever
    it becomes later)."""
    from_state = current.state
    duties.note(current, actor.pk, action, from_state)
    if current.state == State.APPROVED:
        current.reopen()
    current.revision += 1
    try:
        current.save()
    except ConcurrentTransition as error:
        raise StaleRequest() from error
    # Once submitted, every content change is a new document version.
    version = (
        record_version(actor=actor, material_request=current, reason="edit")
        if current.submitted_at is not None
        else None
    )
    record_event(
        actor=actor,
        action=action,
        target=current,
        from_state=from_state,
        to_state=current.state,
        version_hash=version.snapshot_sha256 if version else "",
        data=data,
    )
    if from_state != current.state:
        _settle_state_change(
            actor,
            current,
            "reopen",
            from_state,
            Authority(actor, None, timezone.now()),
            comment=_("Contenido modificado después de la aprobación: vuelve a aprobación."),
            freeze_version=False,
            version=version,
        )


# --- content ------------------------------------------------------------------------


def create_request(actor, *, unit, kind: str, fields: dict, details: dict, client_token=None) -> MaterialRequest:
    """A unit member starts a draft of any kind.

    `client_token` identifies the form page that sent it: a second submit of the same
    page returns the request the first one made.
    """
    if kind not in Kind.values:
        raise InvalidInput(_("Tipo de solicitud desconocido."))
    if not policies.can_create_for(actor, unit):
        raise PermissionDenied(_("Solo puede crear solicitudes para una unidad a la que pertenece."))
    with transaction.atomic():
        if client_token is not None:
            existing = MaterialRequest.objects.filter(client_token=client_token).first()
            if existing is not None and existing.author_id == actor.pk:
                return existing
            if existing is not None:
                client_token = None  # someone else's page token: never reuse it
        material_request = MaterialRequest(
            kind=kind,
            unit=unit,
            author=actor,
            client_token=client_token,
            **{name: fields[name] for name in CONTENT_FIELDS if name in fields},
        )
        _validate(material_request, exclude=("reference",))
        detail = DETAILS_MODELS[Kind(kind)](**details)
        _validate(detail, exclude=("request",))
        material_request.reference = next_reference(timezone.localdate().year)
        try:
            with transaction.atomic():
                material_request.save()
        except IntegrityError:
            # Two submits of one page racing on PostgreSQL: the other one won.
            existing = MaterialRequest.objects.filter(client_token=client_token, author=actor).first()
            if client_token is None or existing is None:
                raise
            return existing
        detail.request = material_request
        detail.save()
        permission_changes = permissions.sync_object_permissions(material_request)
        record_event(
            actor=actor,
            action="create",
            target=material_request,
            to_state=material_request.state,
            data=_with_permissions({}, permission_changes),
        )
    return material_request


def update_request(
    actor, material_request: MaterialRequest, *, fields: dict, details: dict, expected_revision: int | None
) -> MaterialRequest:
    """Edit the content; after approval this sends the request back for approval."""
    with transaction.atomic():
        current = _lock(material_request)
        policies.check_edit(actor, current)
        detail = current.details
        changed = []
        for name in CONTENT_FIELDS:
            if name in fields and getattr(current, name) != fields[name]:
                setattr(current, name, fields[name])
                changed.append(name)
        for name, value in details.items():
            if getattr(detail, name) != value:
                setattr(detail, name, value)
                changed.append(name)
        if not changed:
            # Nothing to save: also how a repeated submit of an already saved form ends.
            return current
        _check_revision(current, expected_revision)
        _validate(current)
        _validate(detail, exclude=("request",))
        detail.save()
        _record_content_change(actor, current, action="edit", data={"changed": sorted(changed)})
    return current


# --- attachments ----------------------------------------------------------------------


def add_attachment(actor, material_request: MaterialRequest, uploaded_file, *, description: str = "") -> Attachment:
    """Attach a file while the content may still be edited. The file is checked by its
    content; if the database write fails, the stored file is removed again."""
    name, content_type, sha256 = inspect_upload(uploaded_file)
    description = (description or "").strip()[:200]
    stored_name = None
    try:
        with transaction.atomic():
            current = _lock(material_request)
            policies.check_edit(actor, current)
            attachment = Attachment(
                request=current,
                original_name=name,
                content_type=content_type,
                size=uploaded_file.size,
                sha256=sha256,
                description=description,
                uploaded_by=actor,
            )
            attachment.file.save(name, uploaded_file, save=False)
            stored_name = attachment.file.name
            attachment.save()
            _attachments_changed(current)
            _record_content_change(
                actor, current, action="attach", data={"attachment": name, "sha256": sha256, "size": uploaded_file.size}
            )
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return attachment


def remove_attachment(actor, attachment: Attachment) -> None:
    with transaction.atomic():
        current = _lock(attachment.request)
        policies.check_edit(actor, current)
        stored_name = attachment.file.name
        attachment.delete()
        _attachments_changed(current)
        _record_content_change(
            actor, current, action="detach", data={"attachment": attachment.original_name, "sha256": attachment.sha256}
        )
        # The file goes only once the row is gone for good.
        transaction.on_commit(lambda: default_storage.delete(stored_name))


# --- sharing (co-authoring) ---------------------------------------------------------------


def share_request(actor, material_request: MaterialRequest, *, reason: str, unit=None, user=None) -> Share:
    """The unit head shares one request with another unit or a named person."""
    reason = (reason or "").strip()
    errors = {}
    if (unit is None) == (user is None):
        errors["__all__"] = [_("Elija una unidad o una persona, no ambas.")]
    if not reason:
        errors["reason"] = [_("Indique el motivo por el que comparte la solicitud.")]
    elif len(reason) > SHORT_TEXT_MAX:
        errors["reason"] = [_("Texto demasiado largo.")]
    if unit is not None and unit.pk == material_request.unit_id:
        errors["unit"] = [_("La solicitud ya pertenece a esa unidad.")]
    if user is not None and not user.is_active:
        errors["user"] = [_("Ese usuario está desactivado.")]
    if errors:
        raise InvalidInput(_("Revise los datos para compartir."), field_errors=errors)
    with transaction.atomic():
        current = _lock(material_request)
        policies.check_share(actor, current)
        already = current.shares.filter(revoked_at__isnull=True, unit=unit, user=user).exists()
        if already:
            raise InvalidInput(
                _("La solicitud ya está compartida con %(who)s.") % {"who": unit or user.get_username()},
                field_errors={"unit" if unit else "user": [_("Ya compartida.")]},
            )
        share = Share.objects.create(request=current, unit=unit, user=user, reason=reason, granted_by=actor)
        permissions.forget_shares(current)
        permission_changes = permissions.sync_object_permissions(current)
        record_event(
            actor=actor,
            action="share",
            target=current,
            from_state=current.state,
            to_state=current.state,
            comment=reason,
            data=_with_permissions(
                {"unit": unit.code if unit else "", "user": user.get_username() if user else ""}, permission_changes
            ),
        )
    return share


def revoke_share(actor, share: Share, *, reason: str) -> Share:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Indique el motivo para dejar de compartir."), field_errors={"reason": [_("Este campo es obligatorio.")]}
        )
    with transaction.atomic():
        current = _lock(share.request)
        policies.check_share(actor, current)
        share = Share.objects.select_for_update().get(pk=share.pk)
        if share.revoked_at is not None:
            raise ActionNotAvailable(_("Ese acceso ya fue revocado."))
        share.revoked_at = timezone.now()
        share.revoked_by = actor
        share.revoke_reason = reason[:SHORT_TEXT_MAX]
        share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        permissions.forget_shares(current)
        permission_changes = permissions.sync_object_permissions(current)
        record_event(
            actor=actor,
            action="unshare",
            target=current,
            from_state=current.state,
            to_state=current.state,
            comment=reason,
            data=_with_permissions(
                {
                    "unit": share.unit.code if share.unit else "",
                    "user": share.user.get_username() if share.user else "",
                },
                permission_changes,
            ),
        )
    return share


# --- transitions --------------------------------------------------------------------


def _reason_kwargs(comment):
    reason = (comment or "").strip()
    return lambda authority: {"reason": reason}


def submit_request(actor, material_request, *, comment="", expected_revision=None):
    return _transition(
        actor,
        material_request,
        "submit",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=lambda authority: {"at": authority.at},
    )


def forward_request(actor, material_request, *, comment="", expected_revision=None):
    return _transition(
        actor,
        material_request,
        "forward",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=lambda authority: {"by": authority.actor},
    )


def take_action(actor, material_request, *, code: str, comment="", expected_revision=None):
    """An action of the lifecycle specification that needs nothing but a comment: the
    service of every row without one of its own below (`ACTION_SERVICES`)."""
    return _transition(actor, material_request, code, comment=comment, expected_revision=expected_revision)


def observe_request(actor, material_request, *, comment="", expected_revision=None):
    return take_action(actor, material_request, code="observe", comment=comment, expected_revision=expected_revision)


def return_request(actor, material_request, *, comment="", expected_revision=None):
    return take_action(actor, material_request, code="return", comment=comment, expected_revision=expected_revision)


def approve_request(actor, material_request, *, comment="", expected_revision=None):
    """Approve; an encargado approves in the gerente's name, and the record says so."""
    return _transition(
        actor,
        material_request,
        "approve",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=lambda authority: {
            "by": authority.actor,
            "at": authority.at,
            "on_behalf_of": authority.on_behalf_of,
        },
    )


def reject_request(actor, material_request, *, comment="", expected_revision=None):
    return _transition(
        actor,
        material_request,
        "reject",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=_reason_kwargs(comment),
    )


def cancel_request(actor, material_request, *, comment="", expected_revision=None):
    return _transition(
        actor,
        material_request,
        "cancel",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=_reason_kwargs(comment),
    )


def withdraw_request(actor, material_request, *, comment="", expected_revision=None):
    return _transition(
        actor,
        material_request,
        "withdraw",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=_reason_kwargs(comment),
    )


def _clean_publication(channel, date, url) -> tuple[str, object, str]:
    channel = (channel or "").strip()[:120]
    if not channel or date is None:
        raise InvalidInput(
            _("Indique el medio y la fecha de publicación."),
            field_errors={"channel" if not channel else "date": [_("Este campo es obligatorio.")]},
        )
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as error:
            raise InvalidInput(
                _("El enlace de la publicación no es válido: use una dirección http:// o https://."),
                field_errors={"url": [_("Introduzca una URL válida.")]},
            ) from error
    if date > timezone.localdate():
        raise InvalidInput(
            _("La fecha de publicación no puede ser futura: registre la publicación cuando ocurra."),
            field_errors={"date": [_("Fecha futura.")]},
        )
    return channel, date, url


def _publication_transition(
    actor, material_request, code, *, channel, date, url, comment, expected_revision, by_system=False, **extra
):
    channel, date, url = _clean_publication(channel, date, url)
    return _transition(
        actor,
        material_request,
        code,
        comment=comment,
        expected_revision=expected_revision,
        by_system=by_system,
        transition_kwargs=lambda authority: {
            "by": authority.actor,
            "at": authority.at,
            "channel": channel,
            "date": date,
            "url": url,
            **extra,
        },
        audit_data={"channel": channel, "date": date.isoformat(), "url": url}
        | ({"urgent": True} if code == "urgent_publish" else {}),
    )


def publish_request(
    actor, material_request, *, channel, date, url="", comment="", expected_revision=None, by_system=False
):
    """`by_system`: the scheduled job publishes on behalf of `actor`, the publicador who
    scheduled it; the audit event then names the system as actor, on their behalf."""
    return _publication_transition(
        actor,
        material_request,
        "publish",
        channel=channel,
        date=date,
        url=url,
        comment=comment,
        expected_revision=expected_revision,
        by_system=by_system,
    )


def publish_urgently(actor, material_request, *, channel, date, url="", comment="", expected_revision=None):
    """The urgent path for emergency and prevention messages: the gerente approves and
    publishes at once, with a stated reason; the request stays flagged until a second
    person reviews it afterwards (`review_urgent_publication`)."""
    return _publication_transition(
        actor,
        material_request,
        "urgent_publish",
        channel=channel,
        date=date,
        url=url,
        comment=comment,
        expected_revision=expected_revision,
        reason=(comment or "").strip(),
    )


def review_urgent_publication(actor, material_request, *, comment="", expected_revision=None):
    return _transition(
        actor,
        material_request,
        "post_review",
        comment=comment,
        expected_revision=expected_revision,
        transition_kwargs=lambda authority: {"by": authority.actor, "at": authority.at},
    )


# The service of each action a person may take, by its code: every offered row of the
# specification, through its own service above or the plain one.
_OWN_SERVICES = {
    "submit": submit_request,
    "forward": forward_request,
    "observe": observe_request,
    "return": return_request,
    "approve": approve_request,
    "reject": reject_request,
    "publish": publish_request,
    "urgent_publish": publish_urgently,
    "post_review": review_urgent_publication,
    "cancel": cancel_request,
    "withdraw": withdraw_request,
}
ACTION_SERVICES = {
    row.code: _OWN_SERVICES.get(row.code) or partial(take_action, code=row.code) for row in lifecycle.OFFERED
}
