"""The approval process, read top to bottom as the office works.

viewflow owns who does what next (tasks, queues, assignment); the request's state
machine owns which changes are legal. Every human task ends when a workflow service
changes the request's state; the router then reads the new state and opens the next
task. Nodes never change the request themselves.
"""

from django.db import connection
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows.models import State

from .models import PublicationProcess
from .task_pages import open_task


def _state(activation):
    return activation.process.artifact.state


def _human_task(title, codename):
    """A person's task on the request, open to whoever holds `codename` on it; when done,
    the router picks the next one."""
    return (
        flow.View(open_task)
        .Annotation(title=title)
        .Permission(f"workflows.{codename}", obj=lambda process: process.artifact)
        .Next(this.route)
    )


def _process_lock(flow_class, process_pk):
    if connection.vendor == "sqlite":
        return lock.no_lock(flow_class, process_pk)
    return lock.select_for_update_lock(flow_class, process_pk)


class PublicationFlow(flow.Flow):
    process_class = PublicationProcess
    # A row lock on the process on PostgreSQL; SQLite has no row locks and already holds
    # the database's write lock (the service's BEGIN IMMEDIATE), so it takes none.
    lock_impl = staticmethod(_process_lock)
    process_title = _("Aprobación de material")
    process_description = _("Revisión, aprobación y publicación de una solicitud de material.")

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = (
        flow.Switch()
        .Case(this.review, cond=lambda activation: _state(activation) == State.IN_REVIEW)
        .Case(this.approval, cond=lambda activation: _state(activation) == State.PENDING_APPROVAL)
        .Case(this.publication, cond=lambda activation: _state(activation) == State.APPROVED)
        .Case(this.correction, cond=lambda activation: _state(activation) == State.DRAFT)
        .Case(this.post_review, cond=lambda activation: activation.process.artifact.awaits_post_review())
        .Default(this.end)
    )

    # The communications office reviews: forward to approval or observe back to the unit.
    review = _human_task(_("Revisar la solicitud"), "review_materialrequest")
    # The gerente (or the encargado) approves, returns or rejects.
    approval = _human_task(_("Decidir la aprobación"), "approve_materialrequest")
    # The publicador publishes (or records the speech delivered, the sign installed).
    publication = _human_task(_("Publicar"), "publish_materialrequest")
    # Observed or returned: the unit corrects and submits again.
    correction = _human_task(_("Corregir y volver a enviar"), "submit_materialrequest")
    # Published on the urgent path: a second person reviews it afterwards.
    post_review = _human_task(_("Revisión posterior de publicación urgente"), "postreview_materialrequest")

    end = flow.End()

    def start_process(self, activation, material_request):
        activation.process.artifact = material_request
        return activation.process


# Each human task, and the per-object permission that lets a person act on it.
TASK_PERMISSIONS = {
    PublicationFlow.review: "review_materialrequest",
    PublicationFlow.approval: "approve_materialrequest",
    PublicationFlow.publication: "publish_materialrequest",
    PublicationFlow.correction: "submit_materialrequest",
    PublicationFlow.post_review: "postreview_materialrequest",
}

# The action that completes each human task.
TASK_ACTIONS = {
    PublicationFlow.review: "forward",
    PublicationFlow.approval: "approve",
    PublicationFlow.publication: "publish",
    PublicationFlow.correction: "submit",
    PublicationFlow.post_review: "post_review",
}
