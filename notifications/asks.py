"""Which notifications ask their recipient to act, and when that is done.

Some notifications ask their recipient to do a task (review a new submission, decide an
approval, publish, correct a returned draft, review an urgent publication afterwards):
they carry the `step` of the lifecycle (workflows.lifecycle.STEPS) whose task they
announce, written with them. Whether that task is done is never written on them: it is
read from the decisions, the one row every transition writes anyway
(workflows.models.Decision). A notification is **done** when a decision about its request
was taken after it (its `created_at` is later than the notification's) by an action that
completes its step, by the recipient or by anyone else (a colleague, the gerente, an
encargado). A step closed and opened again asks again: the decision that closed it is
older than the notifications of its new opening. Notifications without a step (an
approval told to the unit, a publication) are never done: only their reader marks them.

Everything here derives from workflows.lifecycle; nothing is a hand-written list.
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import Exact

from workflows import lifecycle
from workflows.models import Decision, MaterialRequest

STEPS_BY_NAME = {step.name: step for step in lifecycle.STEPS}
# The action that completes each step as its own outcome -> that step.
STEP_OF_ACTION = {step.action: step.name for step in lifecycle.STEPS}


def asked_step(row: lifecycle.Transition, audience: str) -> str:
    """The lifecycle step a notice of `row` to `audience` asks its recipients to do, or ""
    when it only informs them. An office audience is, by definition, the people who may
    take the next action: they are asked to do that action's step (the reviewers told of a
    new submission review it, the approvers decide, the publishers publish). The unit is
    asked to act when the change opens a step of its own (the correction of a draft that
    came back); any other notice to it (approved, published) only informs."""
    if audience in lifecycle.OFFICE_AUDIENCES:
        return STEP_OF_ACTION.get(lifecycle.OFFICE_AUDIENCES[audience], "")
    opened = STEPS_BY_NAME.get(row.opens or "")
    if opened is not None and not opened.office and audience in ("author", "requesters"):
        return opened.name
    return ""


# (action, audience) -> the step its notifications ask for; absent: informational.
ASKS = {
    (row.code, notice.audience): asked_step(row, notice.audience)
    for row in lifecycle.TRANSITIONS
    for notice in row.notify
    if asked_step(row, notice.audience)
}


def open_step(material_request: MaterialRequest) -> str:
    """The step whose task a request in its current state waits for ("" if none): what a
    "task assigned" notification about it asks for when its sender does not say (a
    reassigned task, the draft the civic calendar made for a unit, a dropped schedule)."""
    for step in lifecycle.STEPS:
        if step.state == material_request.state and (not step.condition or getattr(material_request, step.condition)()):
            return step.name
    return ""


def steps_done_by(action: str) -> tuple[str, ...]:
    """The steps whose task `action` completes (all of them when it ends the process)."""
    row = lifecycle.TRANSITIONS_BY_CODE.get(action)
    if row is None:
        return ()
    if row.ends_process:
        return tuple(STEPS_BY_NAME)
    return tuple(row.closes)


# The inverse: step -> the actions whose decision completes it.
COMPLETED_BY: dict[str, tuple[str, ...]] = {
    step: tuple(row.code for row in lifecycle.TRANSITIONS if step in steps_done_by(row.code)) for step in STEPS_BY_NAME
}


def done() -> Exists:
    """Whether the notification of the enclosing query is done: a decision about its
    request, later than it, by an action that completes its step. One EXISTS that the
    decisions' (request, created_at) index answers; false for a notification without a
    step or a request. An expression for filters and annotations (never a query per row)."""
    completes = Q()
    for step, actions in COMPLETED_BY.items():
        completes |= Q(Exact(OuterRef("step"), step), action__in=actions)
    return Exists(
        Decision.objects.filter(request=OuterRef("request"), created_at__gt=OuterRef("created_at")).filter(completes)
    )
