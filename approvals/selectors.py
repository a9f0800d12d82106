"""Reads of the approval process: a person's tasks, in a fixed number of queries."""

from django.db.models import Q
from django.http import Http404
from viewflow.workflow.models import Task

from organization.roles import Role
from organization.selectors import roles_of
from workflows import permissions
from workflows.models import MaterialRequest

from .flows import TASK_PERMISSIONS, PublicationFlow
from .services import OFFICE_TASKS, OPEN_TASK_STATUSES


def _workable_tasks(user):
    """Open human tasks on requests where the user holds the task's permission."""
    rule = Q()
    for node, codename in TASK_PERMISSIONS.items():
        request_ids = permissions.objects_with_perm(user, codename).values("pk")
        node_rule = Q(flow_task=node, process__artifact_object_id__in=request_ids)
        if node == PublicationFlow.approval and Role.GERENTE not in roles_of(user):
            # The reviewer who forwarded a request does not approve it (an encargado, say).
            node_rule &= ~Q(
                process__artifact_object_id__in=MaterialRequest.objects.filter(forwarded_by=user).values("pk")
            )
        if node == PublicationFlow.post_review:
            # The post-review is someone else's than who published urgently.
            node_rule &= ~Q(
                process__artifact_object_id__in=MaterialRequest.objects.filter(
                    Q(published_by=user) | Q(approved_by=user)
                ).values("pk")
            )
        if node in OFFICE_TASKS:
            # Nobody's inbox offers their own request to review, approve or publish.
            node_rule &= ~Q(process__artifact_object_id__in=MaterialRequest.objects.filter(author=user).values("pk"))
            node_rule &= ~Q(
                process__artifact_object_id__in=MaterialRequest.objects.filter(shares__revoked_at__isnull=True)
                .filter(Q(shares__user=user) | Q(shares__unit__memberships__user=user))
                .values("pk")
            )
        rule |= node_rule
    return Task.objects.filter(
        rule,
        process__flow_class=PublicationFlow,
        flow_task_type="HUMAN",
        status__in=OPEN_TASK_STATUSES,
    )


def tasks_for(user):
    """What waits for the user: tasks assigned to them and unassigned ones they may take.
    Returns (task, request) pairs, newest first; two queries whatever the numbers."""
    if not user.is_authenticated or not user.is_active:
        return []
    tasks = list(
        _workable_tasks(user)
        .filter(Q(owner=user) | Q(owner__isnull=True))
        .select_related("owner", "process")
        .order_by("-created", "-pk")
    )
    requests = MaterialRequest.objects.select_related("unit", "author").in_bulk(
        {task.process.artifact_object_id for task in tasks} if tasks else []
    )
    return [
        (task, requests[task.process.artifact_object_id])
        for task in tasks
        if task.process.artifact_object_id in requests
    ]


def task_for_user(user, task_pk) -> Task:
    task = _workable_tasks(user).filter(pk=task_pk).select_related("process").first()
    if task is None:
        raise Http404("No existe la tarea o no es suya.")
    return task
