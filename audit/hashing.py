"""Canonical serialization of an audit event and its SHA-256."""

import hashlib
import json
from datetime import UTC

# The fields an event's hash covers, in a fixed order. Adding a field here changes every
# hash, so new fields go at the end and old events are verified with the set they had.
HASHED_FIELDS = (
    "chain",
    "sequence",
    "occurred_at",
    "actor_username",
    "on_behalf_of_id",
    "action",
    "object_type",
    "object_id",
    "reference",
    "from_state",
    "to_state",
    "comment",
    "version_hash",
    "data",
    "ip_address",
    "user_agent",
    "request_id",
    "prev_hash",
)
# Fields added later: part of the payload only when set, so events written before they
# existed keep their hashes, and setting or clearing one afterwards breaks the hash.
OPTIONAL_HASHED_FIELDS = ("unit_id", "request_kind")


def canonical_payload(event) -> bytes:
    values = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = value.isoformat(timespec="microseconds")
        values[name] = value
    for name in OPTIONAL_HASHED_FIELDS:
        value = getattr(event, name)
        if value not in (None, ""):
            values[name] = value
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(event) -> str:
    return hashlib.sha256(canonical_payload(event)).hexdigest()


def checkpoint_payload(checkpoint) -> bytes:
    values = {
        "sequence": checkpoint.sequence,
        # In UTC, as the database gives it back, whatever zone the creating code used.
        "created_at": checkpoint.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "created_by": checkpoint.created_by,
        "chain_count": checkpoint.chain_count,
        "event_count": checkpoint.event_count,
        "heads": checkpoint.heads,
        "prev_hash": checkpoint.prev_hash,
    }
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_checkpoint_hash(checkpoint) -> str:
    return hashlib.sha256(checkpoint_payload(checkpoint)).hexdigest()
