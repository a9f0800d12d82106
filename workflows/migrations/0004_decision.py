"""Decisions as rows (issue 14): one write-once row per state change of a request.

Like the audit log (audit/0003, audit/0007) and the document versions, the table refuses
UPDATE and DELETE in the database too: PostgreSQL through the audit log's trigger
function, SQLite through its own triggers. A later migration that makes Django rebuild
this SQLite table must create the triggers again (tests/concurrency/test_triggers_stay_on.py)."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


TABLE = "workflows_decision"


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # audit_refuse_change() comes from audit/0003.
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
        )
    elif vendor == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {TABLE}_no_{operation.lower()} BEFORE {operation} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, 'Las decisiones son de solo adición: {operation} en {TABLE} "
                "rechazado'); END;",
                params=None,
            )


def uninstall_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};")
    elif vendor == "sqlite":
        for operation in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{operation};")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0007_sqlite_append_only_triggers'),
        ('documents', '0003_sqlite_write_once_trigger'),
        ('workflows', '0003_publication_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Decision',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('action', models.CharField(max_length=40, verbose_name='acción')),
                ('from_state', models.CharField(choices=[('borrador', 'Borrador'), ('en_revision', 'En revisión'), ('pendiente_aprobacion', 'Pendiente de aprobación'), ('aprobado', 'Aprobado'), ('publicado', 'Publicado'), ('anulado', 'Anulado'), ('retirado', 'Retirado')], max_length=30, verbose_name='estado anterior')),
                ('to_state', models.CharField(choices=[('borrador', 'Borrador'), ('en_revision', 'En revisión'), ('pendiente_aprobacion', 'Pendiente de aprobación'), ('aprobado', 'Aprobado'), ('publicado', 'Publicado'), ('anulado', 'Anulado'), ('retirado', 'Retirado')], max_length=30, verbose_name='estado nuevo')),
                ('by_system', models.BooleanField(default=False, verbose_name='ejecutada por una tarea programada')),
                ('reason', models.TextField(blank=True, verbose_name='motivo o comentario')),
                ('version_number', models.PositiveIntegerField(blank=True, null=True, verbose_name='versión del documento')),
                ('created_at', models.DateTimeField(verbose_name='fecha y hora')),
                ('acting_for', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='por encargo de')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to=settings.AUTH_USER_MODEL, verbose_name='decidió')),
                ('audit_event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='decision', to='audit.auditevent', verbose_name='evento de auditoría')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='workflows.materialrequest', verbose_name='solicitud')),
                ('version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='documents.documentversion', verbose_name='versión congelada')),
            ],
            options={
                'verbose_name': 'decisión',
                'verbose_name_plural': 'decisiones',
                'ordering': ['created_at', 'audit_event_id'],
                'indexes': [models.Index(fields=['request', 'created_at'], name='decision_request_time_idx'), models.Index(fields=['action', 'created_at'], name='decision_action_time_idx')],
            },
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
