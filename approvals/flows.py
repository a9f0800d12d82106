"""The approval process as viewflow carries it, generated from the lifecycle specification.

viewflow keeps the people's side of the process: tasks, queues, assignment, the inbox and
the process history. The request's state machine (workflows.lifecycle, guarded by
django-fsm-2) keeps which changes are legal. Nothing here re-reads the state to decide
what comes next: each human node is a step of the specification (`lifecycle.STEPS`),
and when a change completes a step's task, the change's own row of the specification
says which step it opens (`Transition.opens`), or that the process ends.

So one change costs viewflow what it must record and no more: the finished task, the
next one and the link between them.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS

from workflows import lifecycle

from .models import PublicationProcess
from .task_pages import open_task


class StepActivation(ViewActivation):
    """A step's task. Whoever completes it names the step that follows (the applied
    row's `opens`), set on the activation before `execute()`; none ends the process."""

    next_step: str | None = None

    @Activation.status.transition(source=STATUS.DONE)
    def create_next(self):
        flow_class = self.flow_class
        node = getattr(flow_class, self.next_step) if self.next_step else flow_class.end
        yield node._create(self, self.task.token)


class StepNode(flow.View):
    """A human node that is one step of the specification: its task is open to whoever
    holds the step's per-object permission on the request."""

    activation_class = StepActivation

    def __init__(self, step: lifecycle.Step):
        super().__init__(open_task)
        self.step = step
        self.Annotation(title=step.title)
        self.Permission(f"workflows.{step.permission}", obj=lambda process: process.artifact)

    def _resolve(self, cls):
        super()._resolve(cls)
        self._following = [getattr(cls, name) for name in following_steps(self.step.name)] + [cls.end]

    def _outgoing(self):
        # The edges the specification allows, for viewflow's graph and chart.
        for node in self._following:
            yield Edge(src=self, dst=node, edge_class="next")


def following_steps(step_name: str) -> list[str]:
    """The steps a change completing `step_name` may open, as the specification says."""
    names = []
    for row in lifecycle.TRANSITIONS:
        if step_name in row.closes and row.opens and row.opens not in names:
            names.append(row.opens)
    return names


def first_step() -> str:
    """The step a first submission opens."""
    return lifecycle.TRANSITIONS_BY_CODE["submit"].opens


class SpecificationSteps:
    """One human node per step of the specification, named as the step."""


for _step in lifecycle.STEPS:
    setattr(SpecificationSteps, _step.name, StepNode(_step))


class PublicationFlow(SpecificationSteps, flow.Flow):
    process_class = PublicationProcess
    # Every change to a request's tasks holds the request's own row lock first (the
    # workflow services and the queue operations take it): a second lock on the
    # process would be paid on every change and protect nothing more.
    lock_impl = lock.no_lock
    process_title = _("Aprobación de material")
    process_description = _("Revisión, aprobación y publicación de una solicitud de material.")

    start = flow.StartHandle(this.start_process).Next(getattr(this, first_step()))
    end = flow.End()

    def start_process(self, activation, material_request):
        activation.process.artifact = material_request
        return activation.process


STEP_NODES = {step.name: getattr(PublicationFlow, step.name) for step in lifecycle.STEPS}
