"""The copy of every sealed checkpoint outside the database.

One file, AUDIT_CHECKPOINT_DIR/checkpoints.jsonl, one JSON line per checkpoint (its summary
and seal: sealing.SUMMARY_FIELDS plus "mac"). It is only ever appended to (opened in append
mode, under an exclusive lock so several processes never interleave lines, and fsynced), after
the checkpoint's transaction commits. Someone who rewrites the database, checkpoints included,
cannot make them match this file again; `audit_verify` compares the two.

The folder belongs on storage the database's users cannot rewrite (another mount, a host
that only receives appends, `chattr +a`), and is backed up with the database.
"""

import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from . import sealing
from .models import AuditCheckpoint

FILENAME = "checkpoints.jsonl"

logger = logging.getLogger(__name__)


def default_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILENAME


def line_for(checkpoint) -> dict:
    return {**sealing.summary(checkpoint), "mac": checkpoint.mac}


def encode(values: dict) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, as an editor shows it
    values: dict | None  # None when the line is not a JSON object
    text: str

    @property
    def sequence(self) -> int | None:
        value = (self.values or {}).get("sequence")
        return value if isinstance(value, int) else None


def read(path: Path) -> list[Line] | None:
    """The file's lines, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)  # never half a line being appended
            return [_parse(number, text) for number, text in enumerate(handle, start=1) if text.strip()]
    except (FileNotFoundError, NotADirectoryError):
        return None


def _parse(number: int, text: str) -> Line:
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    return Line(number, values if isinstance(values, dict) else None, text.rstrip("\n"))


def append_pending(path: Path | None = None) -> int:
    """Append every sealed checkpoint the file does not hold yet, in order; how many.

    Run after each checkpoint's commit, and by the scheduled job: a write that failed (a full
    disk, a crash between commit and write) is made up by the next one. A checkpoint whose
    seal does not verify is never copied (it was not made by this application with its key),
    nor is anything after it: `audit_verify` reports it."""
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    # "a+": every write goes to the end whatever the position; reading needs the lock too.
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        held = [line.sequence for line in (_parse(n, t) for n, t in enumerate(handle, start=1)) if line.sequence]
        last = max(held, default=0)
        text = []
        for checkpoint in AuditCheckpoint.objects.filter(sequence__gt=last).exclude(key_id="").order_by("sequence"):
            values = line_for(checkpoint)
            problem = sealing.check(values, checkpoint.mac)
            if problem:
                logger.error("Punto de control #%s no copiado a %s: %s", checkpoint.sequence, path, problem)
                break
            text.append(encode(values))
        if text:
            handle.write("".join(text))
            handle.flush()
            os.fsync(handle.fileno())
    if created:
        # The new file's name must survive a crash too.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return len(text)


def append_pending_after_commit() -> None:
    """on_commit callback: the checkpoint is committed whatever happens here, so a failure
    is logged (and caught up by the next checkpoint, reported by `audit_verify`)."""
    try:
        append_pending()
    except Exception:
        logger.exception("No se pudo escribir la copia externa de los puntos de control en %s", default_path())
