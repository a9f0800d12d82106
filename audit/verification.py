"""Recompute the audit log's hash chains and checkpoints; find the first divergence.

Reads every event once, in (chain, sequence) order, so memory stays flat in events (it keeps
each chain's head, as a checkpoint does). A chain breaks where an event's content no longer
gives its stored hash, where its previous-hash link does not match, or where a position is
missing. A checkpoint breaks where its own hash or link is wrong, where its seal (HMAC with a
key the database does not hold) does not verify, where it differs from its line in the copy
outside the database (or one of the two lacks it), or where a head it recorded is no longer in
the log as it was: a chain cut short, a chain gone, a chain rewritten.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from . import outside_copy, sealing
from .hashing import compute_checkpoint_hash, compute_hash
from .labels import action_label, person_label
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
    place: str = ""  # instead of a chain position: e.g. a line of the outside copy

    def describe(self) -> str:
        if self.place:
            return f"{self.place}: {self.reason}"
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

    def plain(self) -> str:
        """The same for a reader of a dossier: the position in the request's trail, the
        event by its date, action and person, never by its codes."""
        if self.place or self.checkpoint is not None:
            return self.describe()
        where = f"posición {self.sequence} del registro"
        if self.event is not None:
            event = self.event
            moment = timezone.localtime(event.occurred_at).strftime("%d/%m/%Y %H:%M:%S")
            who = person_label(event.actor, event.actor_username) or "el sistema"
            where += f" (evento del {moment}: {action_label(event.action)}, por {who})"
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
    unsealed_checkpoints: int = 0  # made before seals existed; covered by the first sealed one's link
    outside_copy: Path | None = None
    outside_lines: int | None = None  # None: the file does not exist
    newer_outside_lines: int = 0  # lines past the database's newest checkpoint (a backup, from_backup)
    # The first break of each broken chain, then the checkpoints' breaks by checkpoint number.
    breaks: list[Break] = field(default_factory=list)

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
        return "el enlace al evento anterior no coincide (se eliminó, reordenó o reescribió un evento anterior)"
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


def verify_all(*, chain: str | None = None, checkpoint_file: Path | None = None, from_backup: bool = False) -> Report:
    """Every chain (or one), then every checkpoint: its seal, its line in the outside copy
    (`checkpoint_file`, by default the configured one) and its heads against the log as it
    is now. `from_backup`: the database is a restored backup and the outside copy is newer,
    so its lines past the database's newest checkpoint are counted, not reported."""
    report = Report()
    events = AuditEvent.objects.order_by("chain", "sequence")
    if chain:
        events = events.filter(chain=chain)
    heads_now: dict[str, tuple[int, str]] = {}

    def chain_done(result: ChainResult) -> None:
        report.chains += 1
        report.events += result.events
        heads_now[result.chain] = (result.head_sequence, result.head_hash)
        if result.first_break is not None:
            report.breaks.append(result.first_break)

    _walk(events.iterator(chunk_size=CHUNK), chain_done)
    report.outside_copy = Path(checkpoint_file) if checkpoint_file else outside_copy.default_path()
    checkpoint_breaks = _verify_checkpoints(report, heads_now, only_chain=chain, from_backup=from_backup)
    # By checkpoint number (stable: for one checkpoint, its own faults before its heads').
    report.breaks.extend(sorted(checkpoint_breaks, key=lambda b: b.checkpoint or 0))
    return report


def _checkpoint_break(sequence: int, reason: str) -> Break:
    return Break("", sequence, reason, checkpoint=sequence)


def _verify_checkpoints(report: Report, heads_now: dict, *, only_chain: str | None, from_backup: bool) -> list[Break]:
    # The database's checkpoints as of now, then the file: a checkpoint committed meanwhile
    # is in the file but past `newest` (looked up again below), never "missing from the file".
    newest_at_start = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    lines = outside_copy.read(report.outside_copy)
    report.outside_lines = None if lines is None else len(lines)
    by_sequence, breaks = _check_outside_lines(lines or [], report.outside_copy)
    prev_hash = ""
    expected = 1
    sealed_seen = False
    for checkpoint in AuditCheckpoint.objects.filter(sequence__lte=newest_at_start).order_by("sequence").iterator():
        report.checkpoints += 1
        gap = checkpoint.sequence != expected
        for missing in range(expected, checkpoint.sequence):
            reason = "falta este punto de control en la base de datos"
            if missing in by_sequence:
                reason += " (la copia externa lo registra: fue eliminado)"
            breaks.append(_checkpoint_break(missing, reason))
        expected = checkpoint.sequence + 1
        sealed = bool(checkpoint.key_id or checkpoint.mac)
        reason = _checkpoint_fault(checkpoint, None if gap else prev_hash, sealed_seen)
        if reason:
            breaks.append(_checkpoint_break(checkpoint.sequence, reason))
        if not sealed and not sealed_seen:
            report.unsealed_checkpoints += 1
        sealed_seen = sealed_seen or sealed
        prev_hash = checkpoint.hash
        reason = _compare_with_outside(checkpoint, by_sequence.get(checkpoint.sequence), lines is not None, sealed)
        if reason:
            breaks.append(_checkpoint_break(checkpoint.sequence, reason))
        heads = checkpoint.heads
        if only_chain:
            heads = {only_chain: heads[only_chain]} if only_chain in heads else {}
        breaks.extend(_head_breaks(checkpoint.sequence, heads, heads_now))
    newest = expected - 1
    later = sorted(sequence for sequence in by_sequence if sequence > newest)
    made_meanwhile = set(
        AuditCheckpoint.objects.filter(sequence__in=[s for s in later if s > newest_at_start]).values_list(
            "sequence", flat=True
        )
    )
    later = [sequence for sequence in later if sequence not in made_meanwhile]
    if from_backup:
        report.newer_outside_lines = len(later)
    else:
        for sequence in later:
            breaks.append(
                _checkpoint_break(
                    sequence,
                    "está en la copia externa pero no en la base de datos: se eliminaron los últimos puntos de control",
                )
            )
    if lines is None and sealed_seen:
        breaks.insert(
            0,
            Break(
                "",
                0,
                "no existe: sin ella no se puede descartar que se hayan reescrito o eliminado puntos de control",
                place=f"copia externa {report.outside_copy}",
            ),
        )
    return breaks


def _checkpoint_fault(checkpoint: AuditCheckpoint, prev_hash: str | None, sealed_seen: bool) -> str:
    """What is wrong with the checkpoint itself (link, hash, seal); "" if nothing."""
    if prev_hash is not None and checkpoint.prev_hash != prev_hash:
        return "el enlace al punto de control anterior no coincide (se eliminó o reescribió uno anterior)"
    if compute_checkpoint_hash(checkpoint) != checkpoint.hash:
        return "el punto de control fue modificado: su contenido no corresponde a su hash"
    if not (checkpoint.key_id or checkpoint.mac):
        if sealed_seen:
            return "no tiene sello (HMAC) aunque le preceden puntos de control sellados: se hizo sin la clave"
        return ""  # made before seals existed; the first sealed checkpoint's link covers it
    problem = sealing.check(sealing.summary(checkpoint), checkpoint.mac)
    return problem


def _check_outside_lines(lines: list, path: Path) -> tuple[dict[int, dict], list[Break]]:
    """The outside copy's lines by checkpoint number, and what is wrong with them on their
    own: unreadable, a bad seal, a number twice or out of order, a broken link."""
    by_sequence: dict[int, dict] = {}
    breaks = []
    previous = None
    for line in lines:
        place = f"línea {line.number} de la copia externa {path}"
        sequence = line.sequence
        if sequence is None:
            breaks.append(Break("", 0, "no se puede leer (la copia fue alterada)", place=place))
            continue
        problem = sealing.check(line.values, line.values.get("mac"))
        if problem:
            breaks.append(Break("", sequence, problem, checkpoint=sequence, place=place))
        elif sequence in by_sequence or (previous is not None and sequence < previous["sequence"]):
            breaks.append(Break("", sequence, "número repetido o fuera de orden", checkpoint=sequence, place=place))
        elif previous and sequence == previous["sequence"] + 1 and line.values.get("prev_hash") != previous.get("hash"):
            breaks.append(
                Break("", sequence, "el enlace a la línea anterior no coincide", checkpoint=sequence, place=place)
            )
        by_sequence.setdefault(sequence, line.values)
        previous = line.values
    return by_sequence, breaks


def _compare_with_outside(checkpoint: AuditCheckpoint, line: dict | None, file_exists: bool, sealed: bool) -> str:
    if line is None:
        if sealed and file_exists:
            return (
                "no está en la copia externa: se añadió a la base de datos sin la aplicación, "
                "o falló su escritura (véase el registro del servidor)"
            )
        return ""
    expected = outside_copy.line_for(checkpoint)
    if line.get("hash") != expected["hash"]:
        return (
            f"la copia externa registra otro hash ({str(line.get('hash'))[:16]}…, la base de datos "
            f"{checkpoint.hash[:16]}…): la base de datos o la copia fueron reescritas"
        )
    differing = sorted(name for name in expected if line.get(name) != expected[name])
    if differing:
        return f"difiere de su línea en la copia externa en: {', '.join(differing)}"
    return ""


def _head_breaks(checkpoint_sequence: int, heads: dict, heads_now: dict) -> list[Break]:
    """Heads the checkpoint recorded that the log no longer holds as they were: a chain gone,
    a chain cut short (its newest events deleted), an event rewritten."""
    breaks = []
    to_read = []
    for chain, (sequence, head_hash) in sorted(heads.items()):
        now = heads_now.get(chain)
        if now is None:
            reason = f"la cadena completa fue eliminada (el punto de control registró {sequence} evento(s))"
        elif now[0] < sequence:
            reason = (
                f"se eliminaron los últimos eventos de la cadena: el punto de control registró hasta la "
                f"posición {sequence} y el registro llega solo hasta la {now[0]}"
            )
        elif now == (sequence, head_hash):
            continue
        else:
            to_read.append((chain, sequence, head_hash))  # an older head, or a changed one
            continue
        breaks.append(Break(chain, sequence, reason, checkpoint=checkpoint_sequence))
    for start in range(0, len(to_read), HEAD_BATCH):
        batch = to_read[start : start + HEAD_BATCH]
        condition = Q()
        for chain, sequence, _hash in batch:
            condition |= Q(chain=chain, sequence=sequence)
        found = {(e.chain, e.sequence): e for e in AuditEvent.objects.filter(condition)}
        for chain, sequence, head_hash in batch:
            event = found.get((chain, sequence))
            if event is None:
                reason = "el evento que el punto de control registró como último de la cadena ya no existe"
            elif event.hash != head_hash:
                reason = "el evento difiere del registrado en el punto de control (la cadena fue reescrita)"
            else:
                continue
            breaks.append(Break(chain, sequence, reason, event, checkpoint=checkpoint_sequence))
    return breaks
