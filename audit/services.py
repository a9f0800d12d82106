"""The one way to write to the audit log."""

from django.db import IntegrityError, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from . import context, outside_copy, sealing
from .hashing import compute_checkpoint_hash, compute_hash
from .models import GLOBAL_CHAIN, AuditCheckpoint, AuditEvent

APPEND_ATTEMPTS = 5
REQUEST_MODEL = "workflows.materialrequest"


def chain_for(obj) -> str:
    if obj is None:
        return GLOBAL_CHAIN
    # obj's own _meta, not type(obj)'s: a lazy user (request.user) is a proxy object.
    return chain_name(obj, obj.pk)


def chain_name(model, pk) -> str:
    """The chain of the object of `model` (a model or one of its instances) with this id:
    "<model name>:<pk>"."""
    return f"{model._meta.model_name}:{pk}"


def chain_expression(model, pk_ref: str):
    """`chain_name` in SQL, for the object whose id is the outer query's `pk_ref` column:
    a subquery on a chain's events then runs from its (chain, sequence) index."""
    return Concat(Value(f"{model._meta.model_name}:"), Cast(OuterRef(pk_ref), CharField()))


def record_event(
    *,
    actor,
    action: str,
    target=None,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    version_hash: str = "",
    on_behalf_of=None,
    data: dict | None = None,
    locked: bool = False,
) -> AuditEvent:
    """Append an event to the target's chain.

    Must run inside the caller's transaction. `locked=True` says the caller holds the
    target's row lock (the workflow services do), so nobody else can append to its chain
    meanwhile: the append needs no savepoint to retry in, and continues from the head
    the locking query read, if it did (nothing may append to the chain in between). Without it, a concurrent writer
    may take the same position first, and the append retries in a savepoint.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    ctx = context.current()
    chain = chain_for(target)
    prefetched = _prefetched_head(target) if locked else None
    for attempt in range(APPEND_ATTEMPTS):
        if prefetched is not None:
            last, prefetched = prefetched[0], None
        else:
            last = AuditEvent.objects.filter(chain=chain).order_by("-sequence").values("sequence", "hash").first()
        event = _build_event(
            chain, last, actor, action, target, from_state, to_state, comment, version_hash, on_behalf_of, data, ctx
        )
        if locked:
            event.save()
            return event
        try:
            # A savepoint: on a chain no row lock serializes (the global chain, a
            # user's logins), a concurrent writer may take the same sequence first.
            with transaction.atomic():
                event.save()
        except IntegrityError:
            if attempt == APPEND_ATTEMPTS - 1:
                raise
            continue
        return event
    raise AssertionError("unreachable")  # pragma: no cover


def _build_event(
    chain, last, actor, action, target, from_state, to_state, comment, version_hash, on_behalf_of, data, ctx
):
    event = AuditEvent(
        chain=chain,
        sequence=(last["sequence"] + 1) if last else 1,
        prev_hash=last["hash"] if last else "",
        occurred_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_username=actor.get_username() if actor is not None and actor.is_authenticated else "",
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        reference=getattr(target, "reference", "") or "",
        unit_id=_request_attr(target, "unit_id"),
        request_kind=_request_attr(target, "kind") or "",
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        version_hash=version_hash,
        data=data or {},
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
    )
    event.hash = compute_hash(event)
    return event


def _prefetched_head(target):
    """The chain's head read with the target's lock (workflows.services._lock annotates
    it), as a one-element tuple holding the `last` value (None for an empty chain); good
    for one append only, so it is taken off the instance."""
    values = getattr(target, "__dict__", {})
    if "prefetched_audit_sequence" not in values:
        return None
    sequence = values.pop("prefetched_audit_sequence")
    event_hash = values.pop("prefetched_audit_hash", None)
    return ({"sequence": sequence, "hash": event_hash} if sequence is not None else None,)


def _request_attr(target, name):
    """An attribute of the material request an event is about; None for anything else."""
    if target is None or target._meta.label_lower != REQUEST_MODEL:
        return None
    return getattr(target, name)


def chain_heads() -> dict[str, list]:
    """{chain: [sequence, hash]} of every chain's newest event, read in one statement so
    the heads belong to one moment even while others append."""
    newest = AuditEvent.objects.filter(chain=OuterRef("chain")).order_by("-sequence").values("sequence")[:1]
    rows = AuditEvent.objects.filter(sequence=Subquery(newest)).values_list("chain", "sequence", "hash")
    return {chain: [sequence, event_hash] for chain, sequence, event_hash in rows}


def create_checkpoint(*, created_by: str = "") -> AuditCheckpoint:
    """Seal the heads of all chains: a later rewrite of any of them no longer matches.
    Made on demand (an auditor, `audit_checkpoint`) and by the scheduled job.

    The checkpoint is sealed with the current key (sealing.py), and after commit appended
    to the copy outside the database (outside_copy.py)."""
    key_id = sealing.current_key_id()  # fails before writing anything when no key is configured
    for attempt in range(APPEND_ATTEMPTS):
        with transaction.atomic():
            heads = chain_heads()
            last = AuditCheckpoint.objects.order_by("-sequence").values("sequence", "hash").first()
            checkpoint = AuditCheckpoint(
                sequence=(last["sequence"] + 1) if last else 1,
                prev_hash=last["hash"] if last else "",
                created_at=timezone.now(),
                created_by=created_by[:150],
                chain_count=len(heads),
                # Sequences start at 1 without gaps, so a head's position is its chain's length.
                event_count=sum(sequence for sequence, _hash in heads.values()),
                heads=heads,
                key_id=key_id,
            )
            checkpoint.hash = compute_checkpoint_hash(checkpoint)
            checkpoint.mac = sealing.seal(sealing.summary(checkpoint))
            try:
                with transaction.atomic():
                    checkpoint.save()
            except IntegrityError:
                if attempt == APPEND_ATTEMPTS - 1:
                    raise
                continue
            # Only once committed: a line for a checkpoint that was rolled back would make
            # the outside copy and the database differ for good.
            transaction.on_commit(outside_copy.append_pending_after_commit)
            return checkpoint
    raise AssertionError("unreachable")  # pragma: no cover
