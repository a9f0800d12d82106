"""Decisions for the requests that changed state before decisions were rows (issue 14),
rebuilt from the audit log, which recorded every transition in its own transaction.

Each state change left one event in the request's chain (`materialrequest:<pk>`): its
action is the lifecycle code (`reopen` for the return to approval an edit of an approved
request caused), with the actor, the gerente an encargado acted for (`on_behalf_of`),
the states, the reason (`comment`), the time and, for the changes that froze a version,
that version's hash. A scheduled publication was recorded with no actor, on behalf of
the publicador who scheduled it: that is the publicador's decision, carried out by the
system (`by_system`).

The document versions are found by walking each chain in order: every version was made
with exactly one event of a versioning action that carries its hash (submit, edit, attach,
detach, approve, publish, urgent publication; a download or a press distribution names a
version it did not make), so the n-th such event is version n (checked against the stored
hash). A decision that froze none was taken on the newest version before it; a
`reopen` carries the version of the edit that caused it, as the service records it.

Idempotent (an event that already has its decision is skipped; ids derive from the
event's hash) and in order (oldest first). The events are not touched: they are
append-only, and the rows point at them. Going back is a no-op: 0004's reversal drops
the table.
"""

import uuid

from django.db import migrations

# The actions of the lifecycle (workflows/lifecycle.py) at the time of this migration.
STATE_CHANGES = frozenset(
    {
        "submit",
        "forward",
        "observe",
        "approve",
        "return",
        "reject",
        "publish",
        "urgent_publish",
        "post_review",
        "cancel",
        "withdraw",
        "reopen",
    }
)
FREEZING = frozenset({"submit", "approve", "publish", "urgent_publish"})
# The events that made a version (an edit, attach or detach once submitted). Others carry a
# version's hash too (a download, a press distribution) but made none.
VERSIONING = FREEZING | {"edit", "attach", "detach"}
REQUEST_OBJECT = "workflows.materialrequest"
# uuid5(NAMESPACE, event hash): the same event always gives the same decision id.
NAMESPACE = uuid.UUID("0b7f6a4e-5d0c-4c2b-9f0e-8a1d3c6e2f14")
BATCH = 500


def _chains(AuditEvent):
    """Each request's events, in chain order, as (request id, [event values])."""
    events = (
        AuditEvent.objects.filter(object_type=REQUEST_OBJECT)
        .order_by("chain", "sequence")
        .values(
            "pk",
            "chain",
            "object_id",
            "action",
            "occurred_at",
            "actor_id",
            "on_behalf_of_id",
            "from_state",
            "to_state",
            "comment",
            "version_hash",
            "hash",
        )
        .iterator(chunk_size=2000)
    )
    chain, batch = None, []
    for event in events:
        if event["chain"] != chain:
            if batch:
                yield batch
            chain, batch = event["chain"], []
        batch.append(event)
    if batch:
        yield batch


def _decisions_of(events, versions, request_ids, done, Decision):
    request_id = int(events[0]["object_id"])
    if request_id not in request_ids:
        return
    number, version_pk = 0, None
    for event in events:
        if event["version_hash"] and event["action"] in VERSIONING:
            number += 1
            stored = versions.get((request_id, number))
            version_pk = stored[0] if stored and stored[1] == event["version_hash"] else None
        if event["action"] not in STATE_CHANGES or event["pk"] in done:
            continue
        if event["action"] in FREEZING and event["version_hash"]:
            frozen = version_pk
        elif event["action"] == "reopen":
            frozen = version_pk  # the edit just before it
        else:
            frozen = None
        by_system = event["actor_id"] is None and event["on_behalf_of_id"] is not None
        yield Decision(
            id=uuid.uuid5(NAMESPACE, event["hash"]),
            request_id=request_id,
            action=event["action"],
            from_state=event["from_state"],
            to_state=event["to_state"],
            actor_id=event["on_behalf_of_id"] if by_system else event["actor_id"],
            acting_for_id=None if by_system else event["on_behalf_of_id"],
            by_system=by_system,
            reason=event["comment"],
            version_id=frozen,
            version_number=number or None,
            created_at=event["occurred_at"],
            audit_event_id=event["pk"],
        )


def build_decisions(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Decision = apps.get_model("workflows", "Decision")
    DocumentVersion = apps.get_model("documents", "DocumentVersion")
    MaterialRequest = apps.get_model("workflows", "MaterialRequest")

    done = set(Decision.objects.values_list("audit_event_id", flat=True))
    request_ids = set(MaterialRequest.objects.values_list("pk", flat=True))
    versions = {
        (request_id, number): (pk, sha)
        for pk, request_id, number, sha in DocumentVersion.objects.values_list(
            "pk", "request_id", "number", "snapshot_sha256"
        ).iterator(chunk_size=2000)
    }
    rows = [
        row
        for events in _chains(AuditEvent)
        for row in _decisions_of(events, versions, request_ids, done, Decision)
    ]
    rows.sort(key=lambda row: (row.created_at, row.audit_event_id))
    for start in range(0, len(rows), BATCH):
        Decision.objects.bulk_create(rows[start : start + BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_decision"),
        ("audit", "0007_sqlite_append_only_triggers"),
        ("documents", "0003_sqlite_write_once_trigger"),
    ]

    operations = [migrations.RunPython(build_decisions, migrations.RunPython.noop)]
