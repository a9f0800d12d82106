"""The migration that takes the old `route` gateway out of existing processes' history:
the task after each gateway is linked straight to the one before it, and nothing else
changes."""

import importlib

import pytest
from django.apps import apps
from viewflow.workflow.models import Task

from approvals import services as flow_sync
from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

migration = importlib.import_module("approvals.migrations.0003_drop_route_gateway_tasks")


def test_gateway_tasks_leave_the_history_and_their_neighbours_are_linked(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    review, approval = Task.objects.filter(flow_task_type="HUMAN").order_by("pk")
    assert flow_sync.current_task(material_request) == approval
    # As the old flow recorded it: review -> route -> approval.
    Task.previous.through.objects.filter(from_task=approval).delete()
    gateway = Task.objects.create(process=review.process, flow_task_type="SWITCH", status="DONE", token=review.token)
    Task.objects.filter(pk=gateway.pk).update(flow_task=migration.ROUTE)
    gateway.previous.add(review)
    approval.previous.add(gateway)
    others = Task.objects.exclude(pk=gateway.pk).count()

    migration.drop_route_tasks(apps, None)

    assert not Task.objects.filter(pk=gateway.pk).exists()
    assert Task.objects.count() == others
    assert list(Task.objects.get(pk=approval.pk).previous.all()) == [review]
    assert flow_sync.current_task(material_request) == approval
    migration.drop_route_tasks(apps, None)  # nothing left to do the second time
    assert Task.objects.count() == others
