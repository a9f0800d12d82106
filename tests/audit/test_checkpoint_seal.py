"""The audit log cannot be cut short or rewritten unseen: checkpoints sealed with a key the
database does not hold, copied after commit to a file outside it, made daily by the
scheduler; audit_verify names the first divergence of each kind of tampering, built here
with raw SQL as someone with the database file would (SQLite only: PostgreSQL's triggers
refuse the tampering itself, see test_write_once_triggers.py)."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit import outside_copy, sealing
from audit.hashing import compute_checkpoint_hash, compute_hash
from audit.models import AuditCheckpoint, AuditEvent
from audit.services import chain_for, create_checkpoint, record_event
from audit.verification import verify_all
from core import periodic
from tests.audit.helpers import checkpoint, delete_events, raw, run_verify
from tests.conftest import sqlite_only_because
from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

TAMPERS = sqlite_only_because("PostgreSQL's append-only triggers refuse the tampering itself")


@pytest.fixture
def published(users, units):
    return request_in_state(users, units, State.PUBLISHED)


@pytest.fixture
def copy_path(checkpoint_dir):
    return checkpoint_dir / outside_copy.FILENAME


def first_divergence(err: str) -> str:
    return err.split("\n", 1)[0].removeprefix("Primera divergencia: ")


def lines_of(path):
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def events_of(material_request):
    return AuditEvent.objects.filter(chain=chain_for(material_request)).order_by("sequence")


# --- sealing and the outside copy ------------------------------------------------------


def test_a_checkpoint_is_sealed_and_copied_outside_after_commit(published, copy_path, settings):
    sealed = checkpoint(created_by="auditor")
    assert sealed.key_id == settings.AUDIT_CHECKPOINT_KEY_ID == "dev"
    summary = sealing.summary(sealed)
    message = sealing.MESSAGE_PREFIX + json.dumps(summary, sort_keys=True, separators=(",", ":")).encode()
    assert sealed.mac == hmac.new(settings.AUDIT_CHECKPOINT_KEY.encode(), message, hashlib.sha256).hexdigest()
    [line] = lines_of(copy_path)
    assert line == {**summary, "mac": sealed.mac}
    assert line["heads_digest"] == sealing.heads_digest(AuditCheckpoint.objects.get().heads)
    assert (line["chain_count"], line["event_count"]) == (sealed.chain_count, sealed.event_count)
    code, out, err = run_verify()
    assert code == 0, err
    assert f"Copia externa: {copy_path} (1 línea(s))" in out


def test_nothing_is_copied_before_the_commit_nor_after_a_rollback(published, copy_path):
    with pytest.raises(RuntimeError), transaction.atomic():
        create_checkpoint()
        assert not copy_path.exists()
        raise RuntimeError
    assert not AuditCheckpoint.objects.exists()
    assert not copy_path.exists()


def test_the_copy_is_appended_to_and_catches_up_a_failed_write(published, copy_path):
    first = create_checkpoint()  # its after-commit write never runs: a failed write
    second = checkpoint()
    assert [line["sequence"] for line in lines_of(copy_path)] == [first.sequence, second.sequence]
    text = copy_path.read_text(encoding="utf-8")
    checkpoint()
    assert copy_path.read_text(encoding="utf-8").startswith(text)  # appended, never rewritten
    assert outside_copy.append_pending() == 0
    assert verify_all().ok


def test_a_checkpoint_whose_seal_fails_is_never_copied(published, copy_path, settings):
    checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = "otra-clave-que-no-selló-el-segundo-punto-de-control"
    create_checkpoint()  # sealed with the new key under the same id
    settings.AUDIT_CHECKPOINT_KEY = sealing.settings.DEV_AUDIT_CHECKPOINT_KEY
    assert outside_copy.append_pending() == 0
    assert len(lines_of(copy_path)) == 1


def test_a_checkpoint_made_while_verifying_is_no_divergence(published, monkeypatch):
    checkpoint()
    read = outside_copy.read

    def read_after_another_commit(path):
        checkpoint()  # committed, and copied, after the verification read the database's newest
        return read(path)

    monkeypatch.setattr(outside_copy, "read", read_after_another_commit)
    report = verify_all()
    assert report.ok, report.first_break.describe()
    assert (report.checkpoints, report.outside_lines) == (1, 2)


def test_verification_needs_the_outside_copy_once_checkpoints_are_sealed(published, copy_path):
    checkpoint()
    copy_path.unlink()
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == (
        f"copia externa {copy_path}: no existe: sin ella no se puede descartar que se hayan reescrito o "
        "eliminado puntos de control"
    )


# --- truncation, deleted chains, reordering, edits -------------------------------------


@TAMPERS
def test_a_tail_deleted_after_the_last_checkpoint_is_reported(published):
    checkpoint()
    newest = events_of(published).last()
    delete_events("chain = %s AND sequence >= %s", [newest.chain, newest.sequence - 1])
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == (
        f"punto de control #1, cadena «{newest.chain}», posición {newest.sequence}: se eliminaron los últimos "
        f"eventos de la cadena: el punto de control registró hasta la posición {newest.sequence} y el registro "
        f"llega solo hasta la {newest.sequence - 2}"
    )


@TAMPERS
def test_a_whole_chain_deleted_is_reported(users, units, published):
    other = request_in_state(users, units, State.DRAFT, author="social1", unit="social")
    checkpoint()
    chain = chain_for(other)
    recorded = events_of(other).count()
    delete_events("chain = %s", [chain])
    report = verify_all()
    assert report.chains == AuditCheckpoint.objects.get().chain_count - 1
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == (
        f"punto de control #1, cadena «{chain}», posición {recorded}: la cadena completa fue eliminada "
        f"(el punto de control registró {recorded} evento(s))"
    )


@TAMPERS
def test_reordered_events_are_reported(published):
    second, third = events_of(published)[1:3]
    raw("UPDATE audit_auditevent SET sequence = 1000 WHERE id = %s", [second.pk])
    raw("UPDATE audit_auditevent SET sequence = 2 WHERE id = %s", [third.pk])
    raw("UPDATE audit_auditevent SET sequence = 3 WHERE id = %s", [second.pk])
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err).startswith(f"cadena «{second.chain}», posición 2 (evento id {third.pk},")
    assert "se eliminó, reordenó o reescribió un evento anterior" in first_divergence(err)


@TAMPERS
def test_an_edited_event_is_reported(published):
    checkpoint()
    edited = events_of(published)[2]
    raw("UPDATE audit_auditevent SET comment = 'Aprobado sin observaciones.' WHERE id = %s", [edited.pk])
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err).startswith(f"cadena «{edited.chain}», posición 3 (evento id {edited.pk},")
    assert first_divergence(err).endswith("no corresponde a su hash (el registro fue modificado)")


# --- forged checkpoints -----------------------------------------------------------------


def rewrite_chain_and_checkpoints(material_request):
    """What someone with the database and without the key can do: rewrite a chain with
    consistent hashes, then rebuild every checkpoint over it with consistent hashes."""
    prev_hash = ""
    for event in events_of(material_request):
        event.comment, event.prev_hash = "reescrito", prev_hash
        event.hash = compute_hash(event)
        raw(
            "UPDATE audit_auditevent SET comment = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.comment, event.prev_hash, event.hash, event.pk],
        )
        prev_hash = event.hash
    chain = chain_for(material_request)
    prev_hash = ""
    for forged in AuditCheckpoint.objects.order_by("sequence"):
        forged.heads[chain] = [event.sequence, event.hash]
        forged.prev_hash = prev_hash
        forged.hash = compute_checkpoint_hash(forged)
        raw(
            "UPDATE audit_auditcheckpoint SET heads = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(forged.heads), forged.prev_hash, forged.hash, forged.pk],
        )
        prev_hash = forged.hash


@TAMPERS
def test_a_checkpoint_rebuilt_without_the_key_fails_its_seal_and_the_outside_copy(published):
    original = checkpoint()
    rewrite_chain_and_checkpoints(published)
    report = verify_all()
    # Every chain and every head is consistent: only the seal and the copy tell.
    assert [b.reason for b in report.breaks] == [
        "sello (HMAC) no válido: rehecho o alterado sin la clave",
        f"la copia externa registra otro hash ({original.hash[:16]}…, la base de datos "
        f"{AuditCheckpoint.objects.get().hash[:16]}…): la base de datos o la copia fueron reescritas",
    ]
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == "punto de control #1: sello (HMAC) no válido: rehecho o alterado sin la clave"


@TAMPERS
def test_a_checkpoint_resealed_with_another_key_fails(published, settings):
    checkpoint()
    rewrite_chain_and_checkpoints(published)
    forged = AuditCheckpoint.objects.get()
    settings.AUDIT_CHECKPOINT_KEY = "la-clave-de-quien-falsifica-no-es-la-del-municipio"
    raw("UPDATE audit_auditcheckpoint SET mac = %s WHERE id = %s", [sealing.seal(sealing.summary(forged)), forged.pk])
    settings.AUDIT_CHECKPOINT_KEY = settings.DEV_AUDIT_CHECKPOINT_KEY
    assert verify_all().first_break.reason == "sello (HMAC) no válido: rehecho o alterado sin la clave"


@TAMPERS
def test_an_unknown_key_id_is_reported(published):
    sealed = checkpoint()
    raw("UPDATE audit_auditcheckpoint SET key_id = 'k9' WHERE id = %s", [sealed.pk])
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == (
        "punto de control #1: sellado con una clave desconocida («k9»): falsificado, o falta esa clave "
        "retirada en AUDIT_CHECKPOINT_OLD_KEYS"
    )


@TAMPERS
def test_a_seal_removed_after_sealed_checkpoints_is_reported(published):
    checkpoint()
    second = checkpoint()
    raw("UPDATE audit_auditcheckpoint SET key_id = '', mac = '' WHERE id = %s", [second.pk])
    assert verify_all().first_break.describe() == (
        "punto de control #2: no tiene sello (HMAC) aunque le preceden puntos de control sellados: se hizo sin la clave"
    )


@TAMPERS
def test_checkpoints_made_before_seals_existed_still_verify(published, copy_path):
    legacy = checkpoint()
    raw("UPDATE audit_auditcheckpoint SET key_id = '', mac = '' WHERE id = %s", [legacy.pk])
    copy_path.unlink()  # the copy began with the first sealed checkpoint
    checkpoint()
    code, out, err = run_verify()
    assert code == 0, err
    assert "1 punto(s) de control anteriores a los sellos" in out


@TAMPERS
def test_the_newest_checkpoint_deleted_from_the_database_is_in_the_copy(published):
    checkpoint()
    newest = checkpoint()
    raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [newest.pk])
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == (
        "punto de control #2: está en la copia externa pero no en la base de datos: se eliminaron los "
        "últimos puntos de control"
    )


@TAMPERS
def test_every_checkpoint_deleted_from_the_database_is_in_the_copy(published):
    checkpoint()
    checkpoint()
    raw("DELETE FROM audit_auditcheckpoint")
    report = verify_all()
    assert [b.checkpoint for b in report.breaks] == [1, 2]


@TAMPERS
def test_a_checkpoint_deleted_in_the_middle_is_named_from_the_copy(published):
    checkpoint()
    middle = checkpoint()
    checkpoint()
    raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [middle.pk])
    assert verify_all().first_break.describe() == (
        "punto de control #2: falta este punto de control en la base de datos (la copia externa lo registra: "
        "fue eliminado)"
    )


def test_a_checkpoint_missing_from_the_copy_is_reported(published, copy_path):
    checkpoint()
    second = checkpoint()
    copy_path.write_text(copy_path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    assert verify_all().first_break.describe() == (
        f"punto de control #{second.sequence}: no está en la copia externa: se añadió a la base de datos sin la "
        "aplicación, o falló su escritura (véase el registro del servidor)"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("event_count", 1), ("hash", "0" * 64), ("mac", "f" * 64), ("heads_digest", "1" * 64)],
)
def test_an_altered_line_of_the_copy_is_reported(published, copy_path, field, value):
    sealed = checkpoint()
    line = {**lines_of(copy_path)[0], field: value}
    copy_path.write_text(outside_copy.encode(line), encoding="utf-8")
    code, _out, err = run_verify()
    assert code == 1
    assert first_divergence(err) == (
        f"línea 1 de la copia externa {copy_path}: sello (HMAC) no válido: rehecho o alterado sin la clave"
    )
    assert f"punto de control #{sealed.sequence}:" in err  # and the database's checkpoint differs from it


def test_an_unreadable_line_of_the_copy_is_reported(published, copy_path):
    checkpoint()
    with open(copy_path, "a", encoding="utf-8") as handle:
        handle.write("{no es json\n")
    assert verify_all().first_break.describe() == (
        f"línea 2 de la copia externa {copy_path}: no se puede leer (la copia fue alterada)"
    )


# --- keys: rotation, configuration --------------------------------------------------------


def test_rotated_keys_keep_verifying_what_they_sealed(published, settings):
    old = checkpoint()
    settings.AUDIT_CHECKPOINT_OLD_KEYS = {"dev": settings.AUDIT_CHECKPOINT_KEY}
    settings.AUDIT_CHECKPOINT_KEY_ID = "2027"
    settings.AUDIT_CHECKPOINT_KEY = "una-clave-nueva-de-al-menos-32-caracteres"
    new = checkpoint()
    assert (old.key_id, new.key_id) == ("dev", "2027")
    assert verify_all().ok
    settings.AUDIT_CHECKPOINT_OLD_KEYS = {}  # the retired key lost: its seals cannot be checked
    assert verify_all().first_break.reason.startswith("sellado con una clave desconocida («dev»)")


def test_one_key_id_for_two_keys_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_CHECKPOINT_OLD_KEYS = {"dev": "otra"}
    with pytest.raises(ImproperlyConfigured, match="cada clave necesita su id"):
        sealing.keyring()


def test_without_a_key_nothing_is_sealed(published, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_CHECKPOINT_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="AUDIT_CHECKPOINT_KEY"):
        create_checkpoint()
    assert not AuditCheckpoint.objects.exists()


# --- an auditor with a backup -------------------------------------------------------------


def test_verify_reads_the_copy_given_on_the_command_line(published, copy_path, tmp_path):
    checkpoint()
    checkpoint()
    auditors_copy = tmp_path / "copia-del-auditor.jsonl"
    auditors_copy.write_text(copy_path.read_text(encoding="utf-8"), encoding="utf-8")
    copy_path.unlink()
    code, out, err = run_verify("--checkpoint-file", str(auditors_copy))
    assert code == 0, err
    assert f"Copia externa: {auditors_copy} (2 línea(s))" in out


@TAMPERS
def test_from_backup_counts_the_copy_s_newer_lines(published, tmp_path, copy_path):
    checkpoint()
    newer = checkpoint()
    raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [newer.pk])  # what the backup lacks
    assert run_verify()[0] == 1
    code, out, err = run_verify("--checkpoint-file", str(copy_path), "--from-backup")
    assert code == 0, err
    assert "1 punto(s) de control de la copia externa son posteriores a esta copia de seguridad" in out


# --- the scheduled checkpoint -------------------------------------------------------------


def test_the_scheduler_seals_every_day_and_a_later_tail_deletion_is_still_found(published, copy_path, monkeypatch):
    job = periodic.jobs()["audit_checkpoint"]
    assert job.task == "audit.tasks.daily_checkpoint"
    assert job.crontab.day_of_week == set(range(7))  # every day, weekends included
    assert job.crontab.day_of_month == set(range(1, 32))
    assert len(job.crontab.hour) >= 1 and len(job.crontab.minute) >= 1
    task = job.function()

    day = timezone.make_aware(datetime(2026, 11, 22, 23, 56))  # a Sunday
    monkeypatch.setattr(timezone, "now", lambda: day)
    assert job.due_today(day)
    first = checkpoint_by_task(task)
    assert first == 1
    assert checkpoint_by_task(task) == 0  # once a day
    day += timedelta(days=1)
    assert checkpoint_by_task(task) == 2
    sealed = AuditCheckpoint.objects.get(sequence=2)
    assert sealed.created_by == "programado" and sealed.key_id == "dev"
    assert [line["sequence"] for line in lines_of(copy_path)] == [1, 2]
    assert verify_all().ok


@TAMPERS
def test_a_tail_cut_after_a_scheduled_checkpoint_is_found(published, users):
    task = periodic.jobs()["audit_checkpoint"].function()
    with transaction.atomic():
        record_event(actor=users["gerente"], action="download", target=published)
    assert checkpoint_by_task(task) == 1
    newest = events_of(published).last()
    delete_events("id = %s", [newest.pk])
    report = verify_all()
    assert report.first_break.checkpoint == 1
    assert report.first_break.reason.startswith("se eliminaron los últimos eventos de la cadena")


def checkpoint_by_task(task):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return task()
