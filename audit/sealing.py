"""Checkpoints sealed with a key the database does not hold (HMAC-SHA256).

Whoever can write the database can rewrite a chain, recompute every event's hash and then
every checkpoint's hash: hashes alone prove nothing against them. A checkpoint's seal is an
HMAC over its summary (sequence, time, hash, previous hash, digest of the heads, counts and
key id) with a key from the environment, so a checkpoint rebuilt without the key carries a
seal that no longer verifies. The key id is stored beside the MAC: a new key gets a new id,
and the old keys stay in the keyring (AUDIT_CHECKPOINT_OLD_KEYS) to verify what they sealed.

The summary is also the line written to the copy outside the database (outside_copy.py),
so a line of that file verifies on its own with the key.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The fields of a summary, and so of a line of the outside copy (besides its "mac").
SUMMARY_FIELDS = (
    "sequence",
    "created_at",
    "hash",
    "prev_hash",
    "heads_digest",
    "chain_count",
    "event_count",
    "key_id",
)
# Domain separation: this key signs nothing else, and a later format gets another prefix.
MESSAGE_PREFIX = b"audit-checkpoint-seal-v1\n"


def heads_digest(heads: dict) -> str:
    """SHA-256 of the heads ({chain: [sequence, hash]}) as canonical JSON."""
    return hashlib.sha256(
        json.dumps(heads, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def summary(checkpoint) -> dict:
    return {
        "sequence": checkpoint.sequence,
        "created_at": checkpoint.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "hash": checkpoint.hash,
        "prev_hash": checkpoint.prev_hash,
        "heads_digest": heads_digest(checkpoint.heads),
        "chain_count": checkpoint.chain_count,
        "event_count": checkpoint.event_count,
        "key_id": checkpoint.key_id,
    }


def _message(values: dict) -> bytes:
    fields = {name: values.get(name) for name in SUMMARY_FIELDS}
    return MESSAGE_PREFIX + json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def keyring() -> dict[str, bytes]:
    """Every key that may verify a seal, by id: the current one and the retired ones."""
    keys = {key_id: secret.encode() for key_id, secret in settings.AUDIT_CHECKPOINT_OLD_KEYS.items() if secret}
    current_id, current = settings.AUDIT_CHECKPOINT_KEY_ID, settings.AUDIT_CHECKPOINT_KEY
    if current_id in keys and keys[current_id] != current.encode():
        # Two keys under one id would make every seal of one of them look forged.
        raise ImproperlyConfigured(
            f"AUDIT_CHECKPOINT_OLD_KEYS tiene otra clave con el id actual «{current_id}»: cada clave necesita su id."
        )
    keys[current_id] = current.encode()
    return keys


def current_key_id() -> str:
    if not settings.AUDIT_CHECKPOINT_KEY or not settings.AUDIT_CHECKPOINT_KEY_ID:
        raise ImproperlyConfigured(
            "Faltan AUDIT_CHECKPOINT_KEY y AUDIT_CHECKPOINT_KEY_ID para sellar puntos de control."
        )
    return settings.AUDIT_CHECKPOINT_KEY_ID


def seal(values: dict) -> str:
    """The MAC of a summary whose key_id is the current key's."""
    key = keyring()[values["key_id"]]
    return hmac.new(key, _message(values), hashlib.sha256).hexdigest()


def check(values: dict, mac: str) -> str:
    """Why the seal of a summary (or of an outside copy's line) is not valid; "" when it is."""
    key = keyring().get(values.get("key_id") or "")
    if key is None:
        return (
            f"sellado con una clave desconocida («{values.get('key_id')}»): falsificado, "
            "o falta esa clave retirada en AUDIT_CHECKPOINT_OLD_KEYS"
        )
    expected = hmac.new(key, _message(values), hashlib.sha256).hexdigest()
    if not isinstance(mac, str) or not hmac.compare_digest(expected, mac):
        return "sello (HMAC) no válido: rehecho o alterado sin la clave"
    return ""
