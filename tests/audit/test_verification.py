"""audit_verify and checkpoints: tampering with raw SQL (what the model forbids) is found,
named, and makes the command exit non-zero."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from audit.hashing import compute_hash
from audit.models import AppendOnlyError, AuditCheckpoint, AuditEvent
from audit.services import chain_for, chain_heads, record_event
from audit.verification import verify_all, verify_chain
from tests.audit.helpers import checkpoint, delete_events, raw, run_verify
from tests.conftest import sqlite_only_because
from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

# Rewriting or removing audit rows with raw SQL: on PostgreSQL the append-only triggers
# refuse the tampering itself (tests/audit/test_postgres_append_only.py), so what
# audit_verify would find can only be staged on SQLite.
TAMPERS = sqlite_only_because("PostgreSQL's append-only triggers refuse the tampering itself")


@pytest.fixture
def published(users, units):
    return request_in_state(users, units, State.PUBLISHED)


def event_at(material_request, sequence):
    return AuditEvent.objects.get(chain=chain_for(material_request), sequence=sequence)


def test_an_untouched_log_verifies(published):
    checkpoint(created_by="auditor")
    code, out, err = run_verify()
    assert code == 0, err
    assert "íntegro" in out
    report = verify_all()
    assert report.ok
    assert report.events == AuditEvent.objects.count()
    assert report.chains == AuditEvent.objects.values("chain").distinct().count()
    assert report.checkpoints == 1


@TAMPERS
@pytest.mark.parametrize(
    ("column", "value"),
    [("comment", "Aprobado sin observaciones."), ("actor_username", "otro"), ("to_state", "anulado")],
)
def test_one_raw_sql_change_is_found_and_named(published, column, value):
    tampered = event_at(published, 3)
    raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, tampered.pk])  # noqa: S608 (fixed names)
    code, _out, err = run_verify()
    assert code == 1
    assert f"evento id {tampered.pk}" in err
    assert f"cadena «{chain_for(published)}», posición 3" in err
    assert "modificado" in err
    # Only the changed event is the first break of its chain, not the ones after it.
    assert verify_chain(chain_for(published)).first_break.event.pk == tampered.pk


@TAMPERS
def test_a_hash_recomputed_after_the_change_breaks_the_next_link(published):
    tampered = event_at(published, 2)
    tampered.comment = "Texto cambiado"
    new_hash = compute_hash(tampered)
    raw("UPDATE audit_auditevent SET comment = %s, hash = %s WHERE id = %s", [tampered.comment, new_hash, tampered.pk])
    result = verify_chain(chain_for(published))
    assert result.first_break.sequence == 3
    assert "enlace" in result.first_break.reason


@TAMPERS
def test_a_deleted_event_in_the_middle_is_a_gap(published):
    delete_events("id = %s", [event_at(published, 2).pk])
    code, _out, err = run_verify()
    assert code == 1
    assert "falta el evento de la posición 2" in err


@TAMPERS
def test_a_deleted_newest_event_is_caught_by_the_checkpoint_only(published):
    checkpoint()
    newest = AuditEvent.objects.filter(chain=chain_for(published)).order_by("-sequence").first()
    delete_events("id = %s", [newest.pk])
    # The chain that is left is consistent in itself...
    assert verify_chain(chain_for(published)).ok
    # ...but no longer reaches the head the checkpoint sealed.
    code, _out, err = run_verify()
    assert code == 1
    assert "punto de control #1" in err
    assert f"posición {newest.sequence}" in err
    assert "se eliminaron los últimos eventos de la cadena" in err
    assert f"hasta la posición {newest.sequence} y el registro llega solo hasta la {newest.sequence - 1}" in err


@TAMPERS
def test_a_whole_chain_rewritten_consistently_is_caught_by_the_checkpoint(published):
    checkpoint()
    chain = chain_for(published)
    prev_hash = ""
    for event in AuditEvent.objects.filter(chain=chain).order_by("sequence"):
        event.comment = "reescrito"
        event.prev_hash = prev_hash
        event.hash = compute_hash(event)
        raw(
            "UPDATE audit_auditevent SET comment = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.comment, event.prev_hash, event.hash, event.pk],
        )
        prev_hash = event.hash
    assert verify_chain(chain).ok
    report = verify_all()
    assert not report.ok
    assert report.first_break.checkpoint == 1
    assert report.first_break.chain == chain
    assert "reescrita" in report.first_break.reason


@TAMPERS
def test_a_tampered_checkpoint_is_found(published):
    first = checkpoint()
    checkpoint()
    raw("UPDATE audit_auditcheckpoint SET event_count = event_count + 1 WHERE id = %s", [first.pk])
    report = verify_all()
    assert {b.checkpoint for b in report.breaks} == {1}
    assert report.first_break.describe().startswith("punto de control #1: el punto de control fue modificado")
    # The outside copy still holds what was sealed.
    assert "difiere de su línea en la copia externa en: event_count" in report.breaks[1].reason


@TAMPERS
def test_a_deleted_checkpoint_is_found(published):
    first = checkpoint()
    checkpoint()
    raw("DELETE FROM audit_auditcheckpoint WHERE id = %s", [first.pk])
    assert "falta este punto de control" in verify_all().first_break.reason


def test_a_checkpoint_seals_every_chain_head(users, units, published):
    other = request_in_state(users, units, State.DRAFT, author="social1", unit="social")
    sealed = checkpoint(created_by="auditor")
    for material_request in (published, other):
        newest = AuditEvent.objects.filter(chain=chain_for(material_request)).order_by("-sequence").first()
        assert sealed.heads[chain_for(material_request)] == [newest.sequence, newest.hash]
    assert sealed.chain_count == AuditEvent.objects.values("chain").distinct().count()
    assert sealed.event_count == AuditEvent.objects.count()
    assert sealed.heads == chain_heads()
    second = checkpoint()
    assert (second.sequence, second.prev_hash) == (2, sealed.hash)


def test_checkpoints_are_write_once(published):
    sealed = checkpoint()
    sealed.created_by = "otro"
    with pytest.raises(AppendOnlyError):
        sealed.save()
    with pytest.raises(AppendOnlyError):
        sealed.delete()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.update(created_by="x")


@pytest.mark.django_db(transaction=True)
def test_the_checkpoint_command_prints_what_it_sealed(published, checkpoint_dir):
    out = io.StringIO()
    call_command("audit_checkpoint", "--by", "cron", stdout=out)
    sealed = AuditCheckpoint.objects.get()
    assert sealed.created_by == "cron"
    assert f"#{sealed.sequence}" in out.getvalue()
    assert sealed.hash in out.getvalue()
    assert f"clave «{sealed.key_id}»" in out.getvalue()
    assert f"Copia externa: {checkpoint_dir / 'checkpoints.jsonl'}" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_checkpoint_command_fails_when_the_outside_copy_cannot_be_written(published, settings, tmp_path, caplog):
    (tmp_path / "un-archivo").write_text("no es una carpeta")
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "un-archivo" / "puntos-de-control"
    with pytest.raises(CommandError, match="No se pudo escribir la copia externa"):
        call_command("audit_checkpoint", stdout=io.StringIO())
    # The checkpoint is committed all the same; the failure is in the log, and
    # audit_verify reports the checkpoint the copy lacks.
    assert AuditCheckpoint.objects.count() == 1
    assert "No se pudo escribir la copia externa" in caplog.text


def test_verify_one_chain_and_an_unknown_one(published):
    code, out, _err = run_verify("--chain", chain_for(published))
    assert code == 0
    assert "Cadenas: 1" in out
    code, _out, err = run_verify("--chain", "materialrequest:999999")
    assert code == 2
    assert "No existe la cadena" in err


def test_an_empty_log_verifies():
    assert verify_all().ok
    assert verify_all().events == 0


def test_events_added_after_a_checkpoint_still_verify(users, published):
    checkpoint()
    with transaction.atomic():
        record_event(actor=users["gerente"], action="download", target=published)
    assert verify_all().ok


@TAMPERS
def test_unit_and_kind_are_hashed_when_set(published):
    event = event_at(published, 1)
    assert event.unit_id == published.unit_id
    assert event.request_kind == published.kind
    raw("UPDATE audit_auditevent SET request_kind = '' WHERE id = %s", [event.pk])
    assert verify_chain(chain_for(published)).first_break.event.pk == event.pk


def test_events_written_before_the_optional_fields_keep_their_hash(users):
    # An event with no unit and kind hashes exactly as the original field set did.
    with transaction.atomic():
        event = record_event(actor=users["gerente"], action="login", target=users["gerente"])
    assert event.unit_id is None and event.request_kind == ""
    payload = (
        "{"
        + ",".join(
            f'"{name}":{value}'
            for name, value in sorted(
                {
                    "action": '"login"',
                    "actor_username": '"gerente"',
                    "chain": f'"user:{users["gerente"].pk}"',
                    "comment": '""',
                    "data": "{}",
                    "from_state": '""',
                    "ip_address": "null",
                    "object_id": f'"{users["gerente"].pk}"',
                    "object_type": '"auth.user"',
                    "occurred_at": f'"{event.occurred_at.isoformat(timespec="microseconds")}"',
                    "on_behalf_of_id": "null",
                    "prev_hash": f'"{event.prev_hash}"',
                    "reference": '""',
                    "request_id": '""',
                    "sequence": str(event.sequence),
                    "to_state": '""',
                    "user_agent": '""',
                    "version_hash": '""',
                }.items()
            )
        )
        + "}"
    )
    assert event.hash == hashlib.sha256(payload.encode()).hexdigest()


# --- the checkpoint pages ---------------------------------------------------------------


def test_the_auditor_seals_the_log_from_the_page(client_for, published):
    client = client_for("auditor")
    response = client.post("/auditoria/puntos-de-control/nuevo/")
    assert response.status_code == 302
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.created_by == "auditor"
    page = client.get("/auditoria/puntos-de-control/").content.decode()
    assert checkpoint.hash[:17] in page
    assert "Crear punto de control ahora" in page


@pytest.mark.parametrize("username", ["transparencia", "gerente", "rentas1"])
def test_only_the_auditor_and_the_administrator_seal(client_for, published, username):
    assert client_for(username).post("/auditoria/puntos-de-control/nuevo/").status_code == 403
    assert not AuditCheckpoint.objects.exists()


def test_transparency_reads_the_checkpoints_others_do_not(client_for, published):
    page = client_for("transparencia").get("/auditoria/puntos-de-control/")
    assert page.status_code == 200
    assert "Crear punto de control ahora" not in page.content.decode()
    assert client_for("gerente").get("/auditoria/puntos-de-control/").status_code == 403
