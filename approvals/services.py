"""Keeps the viewflow process of a request in step with its state.

Called by workflows.services inside the transaction of each change, after the FSM
transition: the open human task is completed by whoever made the change, and the step the
change's row of the lifecycle specification names is opened next (or the process ends,
or is cancelled). Also the queue operations: take, release, reassign.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audit.services import record_event
from core.prepared import PreparedQuery
from core.wording import quote
from notifications import services as notification_services
from notifications.models import Kind
from workflows import lifecycle, policy
from workflows.models import MaterialRequest

from .flows import PublicationFlow, first_step
from .models import PublicationProcess

OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _request_type_id() -> int:
    """The requests' content type, which processes name as their artifact (cached by Django)."""
    return ContentType.objects.get_for_model(MaterialRequest).pk


def _processes_of(material_request: MaterialRequest):
    """The request's running processes (one, as long as every cancel ends its process)."""
    return _running_processes(_request_type_id(), material_request.pk)


def _running_processes(content_type_id, request_id):
    return PublicationProcess.objects.filter(
        flow_class=PublicationFlow,
        artifact_content_type_id=content_type_id,
        artifact_object_id=request_id,
        status=PROCESS.NEW,
    )


def _open_task_with_process(content_type_id, request_id):
    return (
        Task.objects.filter(
            process__in=_running_processes(content_type_id, request_id),
            flow_task_type="HUMAN",
            status__in=OPEN_TASK_STATUSES,
        )
        # Not its owner: a change needs only the owner's id (a refusal reads the name).
        .select_related("process")
        .order_by("-process_id", "-pk")[:1]
    )


# Read at every change: compiled once (core.prepared).
_OPEN_TASK_WITH_PROCESS = PreparedQuery(_open_task_with_process, int, int)


def active_process(material_request: MaterialRequest) -> PublicationProcess | None:
    return _processes_of(material_request).order_by("-pk").first()


def open_task_of(process) -> Task | None:
    return (
        Task.objects.filter(process=process, flow_task_type="HUMAN", status__in=OPEN_TASK_STATUSES)
        .select_related("owner")
        .order_by("-pk")
        .first()
    )


def _flow_state(material_request: MaterialRequest) -> tuple:
    """(process, open task) of a request, read once per service call on the instance the
    service locked (check_task_owner, then advance, which forgets it): every change to a
    request's tasks takes the request's lock first."""
    cached = material_request.__dict__.get("_flow_state")
    if cached is None:
        # The usual case in one statement: the open task with its process.
        task = _OPEN_TASK_WITH_PROCESS.first(_request_type_id(), material_request.pk, using=router.db_for_read(Task))
        process = task.coerced_process if task is not None else active_process(material_request)
        if process is not None:
            process.artifact = material_request  # the flow's router reads it: no query
        cached = material_request.__dict__["_flow_state"] = (process, task)
    return cached


def current_task(material_request: MaterialRequest) -> Task | None:
    process = active_process(material_request)
    return open_task_of(process) if process is not None else None


def _complete(task: Task, actor, next_step: str | None) -> None:
    activation = task.flow_task.activation_class(task)
    activation.next_step = next_step
    if task.status == STATUS.NEW:
        # viewflow's assign() is only `owner = user` plus a save; the completion below
        # saves the task anyway, so it is assigned in memory: one UPDATE less.
        task.owner, task.status = actor, STATUS.ASSIGNED
    elif task.status == STATUS.ASSIGNED and task.owner_id != actor.pk:
        activation.reassign(actor)
    if task.status == STATUS.ASSIGNED:
        activation.start(None)
    activation.execute()


def advance(actor, material_request: MaterialRequest, *, action: str) -> None:
    """After a state change: start the process on the first submission, or do what the
    change's row of the specification says: complete the open task it closes (opening
    the step it opens, or ending the process), or cancel the process."""
    row = lifecycle.TRANSITIONS_BY_CODE[action]
    process, task = _flow_state(material_request)
    # What follows changes the flow: the next reader of this instance reads it again.
    material_request.__dict__.pop("_flow_state", None)
    if process is None:
        if row.opens == first_step():
            PublicationFlow.start.run(material_request=material_request)
        return
    # No process lock: the caller holds the request's row lock (PublicationFlow.lock_impl).
    if row.ends_process:
        PublicationFlow.instance.cancel(process)
        return
    if task is not None and task.flow_task.step.name in row.closes:
        _complete(task, actor, row.opens)


# --- the queue -----------------------------------------------------------------------------


def check_task_owner(actor, material_request: MaterialRequest, action: str) -> None:
    """A task someone took is theirs to finish; the gerente may still decide."""
    if action in lifecycle.OUTSIDE_TASKS:
        return
    # Kept on the (locked) instance for advance() in the same service call.
    task = _flow_state(material_request)[1]
    if task is None or policy.may_act_on_task_taken_by(actor, task.owner_id):
        return
    raise PermissionDenied(
        _("La tarea la tomó %(who)s: debe liberarla o reasignarla antes.")
        % {"who": task.owner.get_full_name() or task.owner.get_username()}
    )


def _may_work_on(user, task: Task, material_request: MaterialRequest) -> bool:
    """Whether the user may do the action that completes the task (same rules as the
    service that will run it: permission and separation of duties)."""
    return bool(policy.may(user, task.flow_task.step.action, material_request))


def _locked_task(task_pk) -> tuple[Task, MaterialRequest]:
    task = Task.objects.select_related("process", "owner").get(pk=task_pk)
    material_request = MaterialRequest.objects.select_for_update().get(pk=task.process.artifact_object_id)
    task.refresh_from_db()
    return task, material_request


# The unit's own correction (a step not of the office, `Step.office`) is not a queue:
# any member of the unit corrects and sends it again, so nobody takes or reassigns it.
NOT_QUEUED = gettext_lazy("La corrección le toca a la unidad solicitante: esta tarea no se toma ni se reasigna.")


def is_queued(task: Task) -> bool:
    """Whether the task is one of the office's queue (take, release, reassign)."""
    return task.flow_task.step.office


def _refuse_unqueued(task: Task) -> None:
    if not is_queued(task):
        raise PermissionDenied(str(NOT_QUEUED))


def take_task(actor, task_pk) -> Task:
    with transaction.atomic():
        task, material_request = _locked_task(task_pk)
        _refuse_unqueued(task)
        if task.status != STATUS.NEW:
            raise PermissionDenied(_("La tarea ya fue tomada o terminada."))
        if not _may_work_on(actor, task, material_request):
            raise PermissionDenied(_("No puede tomar esta tarea."))
        task.flow_task.activation_class(task).assign(actor)
        record_event(actor=actor, action="take_task", target=material_request, data={"task": task.flow_task.name})
    return task


def release_task(actor, task_pk) -> Task:
    with transaction.atomic():
        task, material_request = _locked_task(task_pk)
        if task.status != STATUS.ASSIGNED:
            raise PermissionDenied(_("La tarea no está tomada."))
        if not policy.may_release_task_taken_by(actor, task.owner_id):
            raise PermissionDenied(_("Solo quien tomó la tarea o el gerente pueden liberarla."))
        task.flow_task.activation_class(task).unassign()
        record_event(actor=actor, action="release_task", target=material_request, data={"task": task.flow_task.name})
    return task


def reassign_task(actor, task_pk, to_user) -> Task:
    with transaction.atomic():
        task, material_request = _locked_task(task_pk)
        _refuse_unqueued(task)
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise PermissionDenied(_("La tarea ya está terminada."))
        if not policy.may_release_task_taken_by(actor, task.owner_id):
            raise PermissionDenied(_("Solo quien tomó la tarea o el gerente pueden reasignarla."))
        if not _may_work_on(to_user, task, material_request):
            raise PermissionDenied(
                _("%(who)s no puede encargarse de esta tarea.") % {"who": to_user.get_full_name() or to_user}
            )
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(to_user)
        else:
            activation.reassign(to_user)
        record_event(
            actor=actor,
            action="reassign_task",
            target=material_request,
            data={"task": task.flow_task.name, "to": to_user.get_username()},
        )
        if to_user.pk != actor.pk:
            notification_services.store_notifications(
                recipients={to_user: Kind.TASK_ASSIGNED},
                actor=actor,
                material_request=material_request,
                messages={
                    Kind.TASK_ASSIGNED: _("%(who)s le asignó la tarea «%(task)s» de %(reference)s %(title)s.")
                    % {
                        "who": actor.get_full_name() or actor.get_username(),
                        "task": task.flow_task.task_title,
                        "reference": material_request.reference,
                        "title": quote(material_request.title),
                    }
                },
            )
    return task
