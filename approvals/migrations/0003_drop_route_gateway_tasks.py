"""The flow no longer has a `route` gateway that re-read the request's state: the step a
change opens comes from the lifecycle specification (approvals.flows). The gateway's
finished tasks are bookkeeping of that old shape; each is taken out of the task history
and the task that followed it is linked straight to the one before it, so the process
history reads step to step as new processes do.

viewflow's Task is another app's model: plain reads and writes on its tables through the
historical models, by the stored reference string (no node is resolved)."""

from django.db import migrations

ROUTE = "approvals/flows.PublicationFlow.route"


def drop_route_tasks(apps, schema_editor):
    Task = apps.get_model("viewflow", "Task")
    Link = Task.previous.through
    route_ids = list(Task.objects.filter(flow_task=ROUTE).values_list("pk", flat=True))
    if not route_ids:
        return
    before = {}
    for route_id, previous_id in Link.objects.filter(from_task_id__in=route_ids).values_list(
        "from_task_id", "to_task_id"
    ):
        before.setdefault(route_id, []).append(previous_id)
    relinks = [
        Link(from_task_id=next_id, to_task_id=previous_id)
        for next_id, route_id in Link.objects.filter(to_task_id__in=route_ids).values_list("from_task_id", "to_task_id")
        for previous_id in before.get(route_id, ())
    ]
    Link.objects.filter(from_task_id__in=route_ids).delete()
    Link.objects.filter(to_task_id__in=route_ids).delete()
    Link.objects.bulk_create(relinks)
    Task.objects.filter(pk__in=route_ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_task_flow_status_index"),
    ]

    # One way: the gateway's tasks said nothing the surrounding tasks do not.
    operations = [migrations.RunPython(drop_route_tasks, migrations.RunPython.noop)]
