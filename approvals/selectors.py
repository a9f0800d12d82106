"""Reads of the approval process: a person's tasks, in a fixed number of queries."""

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Q
from django.http import Http404
from viewflow.workflow.models import Task

from organization.selectors import delegators_for, roles_of, unit_ids_of
from workflows import lifecycle, permissions, policy
from workflows.models import MaterialRequest

from .flows import STEP_NODES, PublicationFlow
from .services import OPEN_TASK_STATUSES

# Tasks shown on one page of the inbox: a reviewer may have hundreds waiting.
TASKS_PAGE_SIZE = 25


def _workable_tasks(user):
    """Open human tasks the user may do: for each step of the specification, the tasks of
    that step on requests where the policy lets the user take the step's own action
    (workflows.policy.requests_where: the permission and each separation-of-duties rule
    as correlated subqueries on the task's own request, never lists of every request the
    person ever touched, which grow with the years). The task being open stands for the
    state: the policy's state test is left out."""
    artifact = "process__artifact_object_id"
    rule = Q()
    nodes = []
    for step in lifecycle.STEPS:
        if not permissions.could_hold(user, step.permission):
            continue  # no request gives it to them: a branch fewer to build and to run
        node = STEP_NODES[step.name]
        nodes.append(node)
        rule |= Q(flow_task=node) & policy.requests_where(user, step.action, artifact, legal=False)
    if not rule:
        return Task.objects.none()
    return Task.objects.filter(
        rule,
        process__flow_class=PublicationFlow,
        flow_task_type="HUMAN",
        # Implied by the rule, said again for the planner: open tasks of these kinds come
        # straight from the (flow_task, status) index.
        flow_task__in=nodes,
        status__in=OPEN_TASK_STATUSES,
    )


def _inbox_tasks(user):
    """The tasks assigned to the user and the unassigned ones they may take, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    return (
        _workable_tasks(user)
        .filter(Q(owner=user) | Q(owner__isnull=True))
        .select_related("owner", "process")
        .order_by("-created", "-pk")
    )


# The SQL of a person's task ids, compiled once per shape. Building and compiling that
# query cost about as much as running it; everything it is built from is in the key: the
# database, the person, the tasks whose permission they could hold (and those
# permissions' ids), whether they are the gerente, whom they stand in for and their units.
_ID_QUERIES: dict = {}
_ID_QUERIES_MAX = 1_000


def _inbox_task_ids(user) -> list[int]:
    """The ids of `_inbox_tasks`, in order: one query."""
    if not user.is_authenticated or not user.is_active:
        return []
    held = tuple(step.permission for step in lifecycle.STEPS if permissions.could_hold(user, step.permission))
    if not held:
        return []  # no task's permission could be theirs
    key = (
        router.db_for_read(Task),
        user.pk,
        held,
        permissions.permission_ids(held),
        tuple(sorted(roles_of(user))),
        tuple(delegator.pk for delegator in delegators_for(user)),
        tuple(sorted(unit_ids_of(user))),
    )
    compiled = _ID_QUERIES.get(key)
    if compiled is None:
        if len(_ID_QUERIES) >= _ID_QUERIES_MAX:
            _ID_QUERIES.clear()
        compiled = _ID_QUERIES[key] = _inbox_tasks(user).values_list("pk", flat=True).query.sql_with_params()
    with connections[key[0]].cursor() as cursor:
        cursor.execute(*compiled)
        return [row[0] for row in cursor.fetchall()]


# What a page of the inbox shows of each task and request: nothing else is read.
PAGE_TASK_FIELDS = (
    "flow_task",
    "created",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "process__artifact_object_id",
)
PAGE_REQUEST_FIELDS = ("reference", "title", "kind", "state", "revision", "summary", "requested_by", "unit__name")


def _with_requests(tasks, requests=None) -> list:
    """(task, request) pairs, the requests read in one query with their unit and author
    (or as `requests`, a queryset, reads them)."""
    if requests is None:
        requests = MaterialRequest.objects.select_related("unit", "author")
    requests = requests.in_bulk({task.process.artifact_object_id for task in tasks} if tasks else [])
    return [
        (task, requests[task.process.artifact_object_id])
        for task in tasks
        if task.process.artifact_object_id in requests
    ]


def tasks_for(user):
    """What waits for the user: tasks assigned to them and unassigned ones they may take.
    Returns (task, request) pairs, newest first; two queries whatever the numbers."""
    if not user.is_authenticated or not user.is_active:
        return []
    return _with_requests(list(_inbox_tasks(user)))


def task_page(user, number=1, *, size: int | None = None) -> Page:
    """One page of `tasks_for` (a Django Page whose object_list holds the (task, request)
    pairs), with the count of all the user's tasks; a number out of range gives the last
    page, a non-number the first. Three queries whatever the numbers: the ids of all the
    user's tasks in order (the permission rules run once, for the count and the page
    alike), then the page's tasks, then their requests."""
    ids = _inbox_task_ids(user)
    page = Paginator(ids, size or TASKS_PAGE_SIZE).get_page(number)
    tasks = Task.objects.select_related("owner", "process").only(*PAGE_TASK_FIELDS).in_bulk(page.object_list)
    page.object_list = _with_requests(
        [tasks[pk] for pk in page.object_list if pk in tasks],
        MaterialRequest.objects.select_related("unit").only(*PAGE_REQUEST_FIELDS),
    )
    return page


def task_for_user(user, task_pk) -> Task:
    task = _workable_tasks(user).filter(pk=task_pk).select_related("process").first()
    if task is None:
        raise Http404("No existe la tarea o no es suya.")
    return task
