"""On SQLite too, the database refuses UPDATE and DELETE of the audit log and its checkpoints,
as PostgreSQL's triggers (0003) do: a raw SQL session through the application's database
cannot rewrite history. (SQLite has no TRUNCATE: `DELETE FROM` without WHERE fires the
triggers. Someone with the file itself can drop a trigger; `audit_verify` then finds the
change through the sealed checkpoints and their outside copy.)

Beware: Django rebuilds a SQLite table for most later schema changes (a new NOT NULL column,
a changed constraint), and the rebuilt table has no triggers. A migration that alters these
tables must create the triggers again; tests/concurrency/test_triggers_stay_on.py fails
otherwise.
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_auditcheckpoint")


def trigger_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'El registro de auditoría es de solo adición: {operation} en {table} rechazado'); END;"
        for operation in ("UPDATE", "DELETE")
    ]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for statement in trigger_statements(table):
            schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for operation in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation};")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_checkpoint_seal")]

    operations = [migrations.RunPython(install, uninstall)]
