"""An index on viewflow's task table for the inbox: the open tasks of a few kinds
(flow_task, status) come straight from it instead of a walk over every open task.

viewflow's Task is another app's model, so the index is plain SQL (the same on SQLite
and PostgreSQL) and the model state is left alone."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            sql='CREATE INDEX "approvals_task_flow_status_idx" ON "viewflow_task" ("flow_task", "status")',
            reverse_sql='DROP INDEX "approvals_task_flow_status_idx"',
        ),
    ]
