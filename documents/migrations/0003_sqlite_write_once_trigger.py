"""On SQLite too, document versions are write-once in the database (as 0002 makes them on
PostgreSQL): the triggers refuse UPDATE and DELETE, `DELETE FROM` without WHERE included.

Beware: Django rebuilds a SQLite table for most later schema changes, and the rebuilt table
has no triggers; a migration that alters this table must create them again
(tests/concurrency/test_triggers_stay_on.py fails otherwise)."""

from django.db import migrations

TABLE = "documents_documentversion"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation in ("UPDATE", "DELETE"):
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_{operation.lower()} BEFORE {operation} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'Las versiones de documentos son de solo adición: {operation} en {TABLE} "
            "rechazado'); END;",
            params=None,
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation in ("update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{operation};")


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_append_only_trigger")]

    operations = [migrations.RunPython(install, uninstall)]
