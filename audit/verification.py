"""Recompute the audit log's hash chains and checkpoints; find the first broken link.

Reads every event once, in (chain, sequence) order, so memory stays flat however long
the log is. A chain breaks where an event's content no longer gives its stored hash, where
its previous-hash link does not match, or where a position is missing; a checkpoint breaks
where its own hash or link is wrong or a head it recorded is no longer in the log as it was.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .hashing import compute_checkpoint_hash, compute_hash
from .models import AuditCheckpoint, AuditEvent

CHUNK = 2_000
HEAD_BATCH = 500


@dataclass(frozen=True)
class Break:
    chain: str
    sequence: int
    reason: str
    event: AuditEvent | None = None  # None when the event itself is missing
    checkpoint: int | None = None

    def describe(self) -> str:
        where = f"cadena «{self.chain}», posición {self.sequence}"
        if self.checkpoint is not None:
            where = (
                f"punto de control #{self.checkpoint}, {where}"
                if self.chain
                else f"punto de control #{self.checkpoint}"
            )
        if self.event is not None:
            event = self.event
            where += (
                f" (evento id {event.pk}, {event.occurred_at:%Y-%m-%d %H:%M:%S} UTC, "
                f"acción «{event.action}», usuario «{event.actor_username or '-'}»"
                + (f", referencia {event.reference}" if event.reference else "")
                + ")"
            )
        return f"{where}: {self.reason}"


@dataclass
class ChainResult:
    chain: str
    events: int = 0
    head_sequence: int = 0
    head_hash: str = ""
    first_break: Break | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None


@dataclass
class Report:
    chains: int = 0
    events: int = 0
    checkpoints: int = 0
    breaks: list[Break] = field(default_factory=list)  # the first break of each broken chain

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def _check_event(event: AuditEvent, expected_sequence: int, prev_hash: str) -> str:
    if event.sequence != expected_sequence:
        return f"falta el evento de la posición {expected_sequence} (la cadena salta a la {event.sequence})"
    if event.prev_hash != prev_hash:
        return "el enlace al evento anterior no coincide (se eliminó o reescribió un evento anterior)"
    if compute_hash(event) != event.hash:
        return "el contenido del evento no corresponde a su hash (el registro fue modificado)"
    return ""


def _walk(events, on_chain_done) -> None:
    """Feed events ordered by (chain, sequence); call on_chain_done(ChainResult) per chain."""
    result = None
    for event in events:
        if result is None or event.chain != result.chain:
            if result is not None:
                on_chain_done(result)
            result = ChainResult(chain=event.chain)
        result.events += 1
        if result.first_break is None:
            reason = _check_event(event, result.head_sequence + 1, result.head_hash)
            if reason:
                result.first_break = Break(event.chain, event.sequence, reason, event)
        result.head_sequence, result.head_hash = event.sequence, event.hash
    if result is not None:
        on_chain_done(result)


def verify_chain(chain: str) -> ChainResult:
    """One chain, e.g. the timeline of one request ("materialrequest:42")."""
    results = []
    _walk(AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=CHUNK), results.append)
    return results[0] if results else ChainResult(chain=chain)


def verify_all(*, chain: str | None = None) -> Report:
    """Every chain (or one), then every checkpoint against the log as it is now."""
    report = Report()
    events = AuditEvent.objects.order_by("chain", "sequence")
    if chain:
        events = events.filter(chain=chain)

    def chain_done(result: ChainResult) -> None:
        report.chains += 1
        report.events += result.events
        if result.first_break is not None:
            report.breaks.append(result.first_break)

    _walk(events.iterator(chunk_size=CHUNK), chain_done)
    report.breaks.extend(_verify_checkpoints(report, only_chain=chain))
    return report


def _verify_checkpoints(report: Report, *, only_chain: str | None) -> list[Break]:
    breaks = []
    prev_hash = ""
    for expected, checkpoint in enumerate(AuditCheckpoint.objects.order_by("sequence").iterator(), start=1):
        report.checkpoints += 1
        if checkpoint.sequence != expected:
            breaks.append(Break("", expected, "falta este punto de control", checkpoint=expected))
        elif checkpoint.prev_hash != prev_hash or compute_checkpoint_hash(checkpoint) != checkpoint.hash:
            breaks.append(
                Break("", checkpoint.sequence, "el punto de control fue modificado", checkpoint=checkpoint.sequence)
            )
        prev_hash = checkpoint.hash
        heads = checkpoint.heads
        if only_chain:
            heads = {only_chain: heads[only_chain]} if only_chain in heads else {}
        breaks.extend(_missing_heads(checkpoint.sequence, heads))
    return breaks


def _missing_heads(checkpoint_sequence: int, heads: dict) -> list[Break]:
    """Heads the checkpoint recorded that the log no longer holds with the same hash."""
    breaks = []
    items = sorted(heads.items())
    for start in range(0, len(items), HEAD_BATCH):
        batch = items[start : start + HEAD_BATCH]
        condition = Q()
        for chain, (sequence, _hash) in batch:
            condition |= Q(chain=chain, sequence=sequence)
        found = {(e.chain, e.sequence): e for e in AuditEvent.objects.filter(condition)}
        for chain, (sequence, head_hash) in batch:
            event = found.get((chain, sequence))
            if event is None:
                reason = "el evento que el punto de control registró como último de la cadena ya no existe"
            elif event.hash != head_hash:
                reason = "el evento difiere del registrado en el punto de control (la cadena fue reescrita)"
            else:
                continue
            breaks.append(Break(chain, sequence, reason, event, checkpoint=checkpoint_sequence))
    return breaks
