"""On PostgreSQL the database itself refuses to rewrite the audit log: the triggers the
migrations install reject UPDATE, DELETE and TRUNCATE even from a raw SQL session, and
audit_verify passes on the demo data before and after the attempts.

Runs the project's own manage.py against a fresh database on a real server the test run
starts (tests/pgserver.py), as an operator would."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.pgserver import create_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WRITE_ONCE_TABLES = ["audit_auditevent", "audit_auditcheckpoint", "documents_documentversion", "workflows_decision"]


@pytest.fixture(scope="module")
def demo_database(postgres_base_url, tmp_path_factory):
    url = create_database(postgres_base_url, f"audit_{uuid.uuid4().hex[:8]}")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        # One outside copy of the checkpoints for every manage.py run of this database.
        "AUDIT_CHECKPOINT_DIR": str(tmp_path_factory.mktemp("checkpoints")),
    }

    def manage(*args, check=True):
        result = subprocess.run(  # noqa: S603 - the project's own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
        return result

    manage("migrate", "--noinput")
    manage("seed_demo")
    manage("audit_checkpoint", "--by", "prueba")
    return url, manage


def sql(url, statement):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(statement)


def test_audit_verify_passes_on_the_demo_data(demo_database):
    _url, manage = demo_database
    result = manage("audit_verify")
    assert "íntegro" in result.stdout
    assert "puntos de control: 1" in result.stdout


@pytest.mark.parametrize("table", WRITE_ONCE_TABLES)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET id = id", "DELETE FROM {table}", "TRUNCATE {table}", "TRUNCATE {table} CASCADE"],
)
def test_raw_sql_cannot_change_the_write_once_tables(demo_database, table, statement):
    import psycopg

    url, _manage = demo_database
    count = sql(url, f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed table names
    if table != "audit_auditcheckpoint":
        assert count > 0
    if statement == "TRUNCATE {table}" and table in ("documents_documentversion", "audit_auditevent"):
        # Rendered documents and decisions reference the versions, decisions the events:
        # PostgreSQL refuses before the trigger.
        expected = pytest.raises(psycopg.errors.FeatureNotSupported)
    else:
        expected = pytest.raises(psycopg.errors.InsufficientPrivilege, match="solo adición")
    with expected:
        sql(url, statement.format(table=table))
    assert sql(url, f"SELECT count(*) FROM {table}").fetchone()[0] == count  # noqa: S608


def test_the_log_still_verifies_after_the_attempts(demo_database):
    url, manage = demo_database
    with pytest.raises(Exception, match="solo adición"):
        sql(url, "UPDATE audit_auditevent SET comment = 'cambiado' WHERE id = (SELECT min(id) FROM audit_auditevent)")
    assert manage("audit_verify").returncode == 0


def test_inserts_still_work(demo_database):
    _url, manage = demo_database
    before = manage("audit_verify").stdout
    manage("audit_checkpoint")
    after = manage("audit_verify").stdout
    assert "puntos de control: 1" in before
    assert "puntos de control: 2" in after
