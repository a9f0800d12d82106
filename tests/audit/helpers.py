"""Helpers of the audit tests.

Tampering as someone with the SQLite database file would do it: drop the write-once
triggers (audit/0007, documents/0003, workflows/0004), change rows with raw SQL, put the triggers back.
On PostgreSQL the triggers refuse the tampering itself, so the tests that use this are
SQLite-only."""

import io
from contextlib import contextmanager

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase

from audit.services import create_checkpoint
from tests.conftest import sqlite_write_once_triggers


@contextmanager
def triggers_dropped():
    with connection.cursor() as cursor:
        triggers = sqlite_write_once_triggers(cursor)
        assert triggers, "the SQLite write-once triggers are missing"
        for name in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in triggers.values():
                cursor.execute(statement)


def raw(sql, params=()):
    """One tampering statement, past the triggers."""
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def delete_events(where, params=()):
    """Remove audit events past the triggers, as someone with the database file would:
    with the decisions that point at them (workflows.Decision), or the file's foreign
    keys would no longer hold."""
    selected = f"SELECT id FROM audit_auditevent WHERE {where}"  # noqa: S608 - the tests' own clauses
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM workflows_decision WHERE audit_event_id IN ({selected})", params)  # noqa: S608
        cursor.execute(f"DELETE FROM audit_auditevent WHERE {where}", params)  # noqa: S608


def checkpoint(**kwargs):
    """create_checkpoint() with its after-commit work (the outside copy) run at once, as the
    commit of a real transaction would; a test's transaction never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return create_checkpoint(**kwargs)


def run_verify(*args):
    """`manage.py audit_verify` as an auditor runs it: (exit status, output, errors)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()
