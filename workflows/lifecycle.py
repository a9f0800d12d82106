"""The lifecycle of a material request, written once.

Everything else is derived from the tables below:

- the legal transitions the state machine enforces (`workflows.models`: each transition
  method takes its source and target states from here, django-fsm-2 guards them);
- the actions a person may press and their buttons (`workflows.policies.ACTIONS`);
- the per-object permissions each state grants (`workflows.permissions.grants_for`);
- who is told of each change and in which words (`notifications.services`);
- the human tasks viewflow keeps, and which task each change closes and opens
  (`approvals.flows`).

`tests/workflows/test_lifecycle.py` proves each derived piece agrees with these tables.
Adding a step is one edit here (see docs/ARCHITECTURE.md, "The lifecycle specification").

This module imports nothing from the project beyond the role names: the model, the
policy, the notifications and the flow import it, never the other way round.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from organization.roles import Role


class State(models.TextChoices):
    DRAFT = "borrador", _("Borrador")
    IN_REVIEW = "en_revision", _("En revisión")
    PENDING_APPROVAL = "pendiente_aprobacion", _("Pendiente de aprobación")
    # A state describes the request (la solicitud): its labels agree with it.
    APPROVED = "aprobado", _("Aprobada")
    PUBLISHED = "publicado", _("Publicada")
    CANCELLED = "anulado", _("Anulada")
    WITHDRAWN = "retirado", _("Retirada")


# --- the per-object permissions (django-guardian codenames on the request) ---------------

VIEW = "view_materialrequest"
CHANGE = "change_materialrequest"
SUBMIT = "submit_materialrequest"
REVIEW = "review_materialrequest"
APPROVE = "approve_materialrequest"
PUBLISH = "publish_materialrequest"
CANCEL = "cancel_materialrequest"
WITHDRAW = "withdraw_materialrequest"
POSTREVIEW = "postreview_materialrequest"
ALL_CODENAMES = (VIEW, CHANGE, SUBMIT, REVIEW, APPROVE, PUBLISH, CANCEL, WITHDRAW, POSTREVIEW)
# What an active encargado (delegate) holds in the name of the gerente they stand in for.
DELEGABLE = frozenset({VIEW, APPROVE})

# Audiences that are not role groups.
UNIT = "unit"  # the requesting unit's group
SHARED = "shared"  # units and people a unit head shared the request with

# --- the separation-of-duties rules an action may carry (workflows.policy implements them) ---

NOT_AUTHOR = "not_author"  # nobody reviews, approves or publishes what they helped write
NOT_REVIEWER = "not_reviewer"  # nor approves or publishes what they reviewed (four eyes)
NOT_OWN_UNIT_DELEGATE = "not_own_unit_delegate"  # an encargado never decides their own unit's
IN_PERSON = "in_person"  # the gerente themself, never an encargado
NOT_URGENT_PUBLISHER = "not_urgent_publisher"  # post-review by someone else than who published


@dataclass(frozen=True)
class Access:
    """Who sees and who edits a request in one state (actions add their own permissions)."""

    view: tuple[str, ...]
    change: tuple[str, ...] = ()


OFFICE = (Role.REVISOR, Role.GERENTE)
READERS = (Role.TRANSPARENCIA, Role.AUDITOR)

ACCESS: Mapping[State, Access] = {
    State.DRAFT: Access(view=(UNIT, SHARED), change=(UNIT, SHARED)),
    State.IN_REVIEW: Access(view=(UNIT, SHARED, *OFFICE), change=OFFICE),
    State.PENDING_APPROVAL: Access(view=(UNIT, SHARED, *OFFICE), change=OFFICE),
    State.APPROVED: Access(view=(UNIT, SHARED, *OFFICE, Role.PUBLICADOR), change=OFFICE),
    State.PUBLISHED: Access(view=(UNIT, SHARED, *OFFICE, Role.PUBLICADOR, *READERS)),
    State.CANCELLED: Access(view=(UNIT, SHARED)),
    State.WITHDRAWN: Access(view=(UNIT, SHARED, *OFFICE, Role.PUBLICADOR, *READERS)),
}
# Once submitted, the office keeps seeing a request, even back in draft or cancelled.
SEEN_ONCE_SUBMITTED = OFFICE

OPEN_STATES = (State.DRAFT, State.IN_REVIEW, State.PENDING_APPROVAL)
# States whose content is still being worked on and may be edited.
EDITABLE_STATES = (State.DRAFT, State.IN_REVIEW, State.PENDING_APPROVAL, State.APPROVED)


@dataclass(frozen=True)
class Step:
    """A person's task inside a state: viewflow opens it when the request enters `state`
    (and `condition` holds) and closes it when an action names it in `closes`."""

    name: str
    title: Promise
    state: State
    permission: str  # who may see and do the task: holders of this codename on the request
    action: str  # the action that completes it as its own outcome (the inbox's main button)
    office: bool = True  # done by the communications office, under the separation of duties
    condition: str = ""  # a method of the request that must hold too


STEPS: tuple[Step, ...] = (
    Step("review", _("Revisar la solicitud"), State.IN_REVIEW, REVIEW, "forward"),
    Step("approval", _("Decidir la aprobación"), State.PENDING_APPROVAL, APPROVE, "approve"),
    Step("publication", _("Publicar"), State.APPROVED, PUBLISH, "publish"),
    Step("correction", _("Corregir y volver a enviar"), State.DRAFT, SUBMIT, "submit", office=False),
    Step(
        "post_review",
        _("Revisión posterior de publicación urgente"),
        State.PUBLISHED,
        POSTREVIEW,
        "post_review",
        condition="awaits_post_review",
    ),
)
# Who may finish, release or reassign a task someone else took (the queue's manager).
QUEUE_MANAGERS = (Role.GERENTE,)


@dataclass(frozen=True)
class Notice:
    """Who is told of a change (an audience of workflows.policy) and as which kind of
    notification (notifications.models.Kind's value)."""

    audience: str
    kind: str


# The audiences of notices that are the people who may take the next action
# (workflows.policy.holders of that action); the others are "author", "requesters" (the
# author, the unit and whoever it is shared with) and "viewers".
OFFICE_AUDIENCES = {
    "reviewers": "forward",
    "approvers": "approve",
    "publishers": "publish",
    "post_reviewers": "post_review",
}


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle: an action, where it may start, where it leads, who may
    take it and what it leaves behind."""

    code: str
    method: str  # the request's transition method (workflows.models)
    label: Promise
    sources: tuple[State, ...]
    target: State
    permission: str
    # Who holds `permission` in each source state (role names, UNIT, SHARED).
    holders: Mapping[State, tuple[str, ...]]
    refusal: Promise  # what a person without the permission reads
    duties: Mapping[str, Promise] = field(default_factory=dict)  # rule -> what the refused read
    reason_label: Promise | None = None  # set when a reason is mandatory
    style: str = "secondary"
    condition: str = ""  # a method of the request the FSM checks too
    # Whether the holders hold the permission only while `condition` is true (post-review).
    grant_follows_condition: bool = False
    freezes_version: bool = False  # a document version is frozen with the change
    notify: tuple[Notice, ...] = ()
    message: Promise | None = None  # what the notifications say
    # Other words for some notification kinds or request kinds (key: either value).
    message_variants: Mapping[str, Promise] = field(default_factory=dict)
    labels_by_kind: Mapping[str, Promise] = field(default_factory=dict)  # the button, per request kind
    # What the person who took the action reads afterwards: what happened, with a full stop
    # (%(reference)s is the request's), and other words per request kind.
    done: Promise | None = None
    done_by_kind: Mapping[str, Promise] = field(default_factory=dict)
    closes: tuple[str, ...] = ()  # the steps whose open task it completes
    opens: str | None = None  # the step it opens (None: the process ends, or no task)
    ends_process: bool = False  # cancels the process instead of completing its task
    # Whether a task someone took waits for them (False: the change is not that task's work).
    waits_for_task_owner: bool = True
    offered: bool = True  # a button; False: the consequence of something else (an edit)

    @property
    def reason_required(self) -> bool:
        return self.reason_label is not None

    def label_for(self, material_request) -> str:
        return str(self.labels_by_kind.get(material_request.kind, self.label))

    def done_for(self, material_request) -> str:
        """ "Solicitud COM-2026-00042 aprobada.": what the action did to this request."""
        template = self.done_by_kind.get(material_request.kind, self.done)
        return str(template) % {"reference": material_request.reference}


def everywhere(states, audiences) -> dict[State, tuple[str, ...]]:
    return {state: tuple(audiences) for state in states}


DECIDERS = _("Solo el gerente de comunicaciones o su encargado pueden decidir la aprobación.")
REVIEWERS_ONLY = _("Solo un revisor de comunicaciones puede revisar esta solicitud.")
OWN_REVIEW = _("No puede revisar una solicitud de su autoría.")
OWN_APPROVAL = _("Nadie puede aprobar una solicitud de su autoría.")
OWN_PUBLICATION = _("Nadie puede publicar una solicitud de su autoría.")
OWN_UNIT = _("Como encargado no puede decidir solicitudes de su propia unidad: debe decidir otra persona.")

DECISION_DUTIES = {NOT_AUTHOR: OWN_APPROVAL, NOT_OWN_UNIT_DELEGATE: OWN_UNIT}

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        "submit",
        _("Enviar a revisión"),
        sources=(State.DRAFT,),
        target=State.IN_REVIEW,
        permission=SUBMIT,
        holders={State.DRAFT: (UNIT,)},
        refusal=_("Solo la unidad solicitante puede enviar la solicitud."),
        style="primary",
        freezes_version=True,
        notify=(Notice("reviewers", "new_submission"),),
        message=_("%(actor)s envió la solicitud %(request)s a revisión."),
        done=_("Solicitud %(reference)s enviada a revisión."),
        closes=("correction",),
        opens="review",
    ),
    Transition(
        "forward",
        "forward",
        _("Derivar a aprobación"),
        sources=(State.IN_REVIEW,),
        target=State.PENDING_APPROVAL,
        permission=REVIEW,
        holders={State.IN_REVIEW: (Role.REVISOR,)},
        refusal=REVIEWERS_ONLY,
        duties={NOT_AUTHOR: OWN_REVIEW},
        style="primary",
        notify=(Notice("approvers", "task_assigned"),),
        message=_("%(actor)s derivó la solicitud %(request)s a aprobación."),
        done=_("Solicitud %(reference)s derivada a aprobación."),
        closes=("review",),
        opens="approval",
    ),
    Transition(
        "observe",
        "observe",
        _("Devolver con observaciones"),
        sources=(State.IN_REVIEW,),
        target=State.DRAFT,
        permission=REVIEW,
        holders={State.IN_REVIEW: (Role.REVISOR,)},
        refusal=REVIEWERS_ONLY,
        duties={NOT_AUTHOR: OWN_REVIEW},
        reason_label=_("Observaciones"),
        notify=(Notice("requesters", "observation"),),
        message=_("%(actor)s devolvió la solicitud %(request)s con observaciones."),
        done=_("Solicitud %(reference)s devuelta a la unidad con observaciones."),
        closes=("review",),
        opens="correction",
    ),
    Transition(
        "approve",
        "approve",
        _("Aprobar"),
        sources=(State.PENDING_APPROVAL,),
        target=State.APPROVED,
        permission=APPROVE,
        holders={State.PENDING_APPROVAL: (Role.GERENTE,)},
        refusal=DECIDERS,
        duties={
            NOT_AUTHOR: OWN_APPROVAL,
            NOT_REVIEWER: _(
                "Usted derivó, observó o editó esta solicitud: no puede aprobarla, debe decidir otra persona."
            ),
            NOT_OWN_UNIT_DELEGATE: OWN_UNIT,
        },
        style="primary",
        freezes_version=True,
        notify=(Notice("author", "approval"), Notice("publishers", "task_assigned")),
        message=_("%(actor)s aprobó la solicitud %(request)s."),
        message_variants={
            "task_assigned": _("%(actor)s aprobó la solicitud %(request)s: queda lista para publicar."),
        },
        done=_("Solicitud %(reference)s aprobada."),
        closes=("approval",),
        opens="publication",
    ),
    Transition(
        "return",
        "return_to_unit",
        _("Devolver a la unidad"),
        sources=(State.PENDING_APPROVAL,),
        target=State.DRAFT,
        permission=APPROVE,
        holders={State.PENDING_APPROVAL: (Role.GERENTE,)},
        refusal=DECIDERS,
        duties=DECISION_DUTIES,
        reason_label=_("Motivo de la devolución"),
        notify=(Notice("requesters", "returned"),),
        message=_("%(actor)s devolvió la solicitud %(request)s a la unidad."),
        done=_("Solicitud %(reference)s devuelta a la unidad."),
        closes=("approval",),
        opens="correction",
    ),
    Transition(
        "reject",
        "reject",
        _("Rechazar"),
        sources=(State.PENDING_APPROVAL,),
        target=State.CANCELLED,
        permission=APPROVE,
        holders={State.PENDING_APPROVAL: (Role.GERENTE,)},
        refusal=DECIDERS,
        duties=DECISION_DUTIES,
        reason_label=_("Motivo del rechazo"),
        style="danger",
        notify=(Notice("author", "rejection"),),
        message=_("%(actor)s rechazó la solicitud %(request)s."),
        done=_("Solicitud %(reference)s rechazada."),
        closes=("approval",),
    ),
    Transition(
        "publish",
        "publish",
        _("Publicar"),
        sources=(State.APPROVED,),
        target=State.PUBLISHED,
        permission=PUBLISH,
        holders={State.APPROVED: (Role.PUBLICADOR,)},
        refusal=_("Solo el publicador puede registrar la publicación."),
        duties={
            NOT_AUTHOR: OWN_PUBLICATION,
            NOT_REVIEWER: _(
                "Usted derivó, observó o editó esta solicitud: no puede publicarla, debe hacerlo otra persona."
            ),
        },
        style="primary",
        freezes_version=True,
        notify=(Notice("requesters", "publication"),),
        message=_("%(actor)s publicó la solicitud %(request)s."),
        message_variants={
            "speech": _("%(actor)s registró el discurso %(request)s como pronunciado."),
            "signage": _("%(actor)s registró la señalización %(request)s como instalada."),
        },
        labels_by_kind={"speech": _("Marcar como pronunciado"), "signage": _("Marcar como instalada")},
        done=_("Solicitud %(reference)s publicada."),
        done_by_kind={
            "speech": _("Discurso %(reference)s registrado como pronunciado."),
            "signage": _("Señalización %(reference)s registrada como instalada."),
        },
        closes=("publication",),
    ),
    Transition(
        "urgent_publish",
        "publish_urgently",
        _("Publicación urgente"),
        sources=(State.IN_REVIEW, State.PENDING_APPROVAL),
        target=State.PUBLISHED,
        permission=APPROVE,
        # APPROVE while in review serves only this path: ordinary approval waits its state.
        holders=everywhere((State.IN_REVIEW, State.PENDING_APPROVAL), (Role.GERENTE,)),
        refusal=_("Solo el gerente de comunicaciones puede publicar con urgencia."),
        duties={
            NOT_AUTHOR: OWN_PUBLICATION,
            NOT_REVIEWER: _(
                "Usted derivó, observó o editó esta solicitud: no puede publicarla con urgencia, "
                "debe hacerlo otra persona."
            ),
            NOT_OWN_UNIT_DELEGATE: OWN_UNIT,
            # An encargado approves in the gerente's name, but the urgent path stays personal.
            IN_PERSON: _("Solo el gerente de comunicaciones puede publicar con urgencia."),
        },
        reason_label=_("Motivo de la urgencia"),
        style="danger",
        condition="is_urgent_eligible",
        freezes_version=True,
        notify=(Notice("author", "urgent_publication"), Notice("post_reviewers", "urgent_publication")),
        message=_("%(actor)s publicó con urgencia la solicitud %(request)s: requiere revisión posterior."),
        done=_("Solicitud %(reference)s publicada con urgencia; queda pendiente su revisión posterior."),
        closes=("review", "approval"),
        opens="post_review",
    ),
    Transition(
        "post_review",
        "review_after_publication",
        _("Revisión posterior conforme"),
        sources=(State.PUBLISHED,),
        target=State.PUBLISHED,
        permission=POSTREVIEW,
        holders={State.PUBLISHED: OFFICE},
        refusal=_("Solo un revisor o el gerente pueden hacer la revisión posterior."),
        duties={
            NOT_AUTHOR: OWN_REVIEW,
            NOT_URGENT_PUBLISHER: _(
                "La revisión posterior la hace una persona distinta de quien publicó con urgencia."
            ),
        },
        reason_label=_("Resultado de la revisión posterior"),
        style="primary",
        condition="awaits_post_review",
        grant_follows_condition=True,
        notify=(Notice("author", "urgent_publication"),),
        message=_("%(actor)s hizo la revisión posterior de la publicación urgente %(request)s."),
        done=_("Revisión posterior de la solicitud %(reference)s registrada."),
        closes=("post_review",),
    ),
    Transition(
        "cancel",
        "cancel",
        _("Anular"),
        sources=OPEN_STATES,
        target=State.CANCELLED,
        permission=CANCEL,
        holders={
            State.DRAFT: (UNIT,),
            State.IN_REVIEW: (UNIT, Role.GERENTE),
            State.PENDING_APPROVAL: (UNIT, Role.GERENTE),
        },
        refusal=_("Solo la unidad solicitante o el gerente pueden anular la solicitud."),
        reason_label=_("Motivo de la anulación"),
        style="danger",
        notify=(Notice("viewers", "cancellation"),),
        message=_("%(actor)s anuló la solicitud %(request)s."),
        done=_("Solicitud %(reference)s anulada."),
        # Nobody did the open task: it is cancelled with the process. (A rejection, by
        # contrast, is the approval task's own outcome and completes it.)
        ends_process=True,
        waits_for_task_owner=False,
    ),
    Transition(
        "withdraw",
        "withdraw",
        _("Retirar publicación"),
        sources=(State.PUBLISHED,),
        target=State.WITHDRAWN,
        permission=WITHDRAW,
        holders={State.PUBLISHED: (Role.GERENTE, Role.PUBLICADOR)},
        refusal=_("Solo el gerente o el publicador pueden retirar una publicación."),
        duties={NOT_AUTHOR: _("No puede retirar una publicación de su autoría.")},
        reason_label=_("Motivo público del retiro"),
        style="danger",
        notify=(Notice("requesters", "withdrawal"),),
        message=_("%(actor)s retiró la publicación de la solicitud %(request)s."),
        done=_("Publicación de la solicitud %(reference)s retirada."),
        # A withdrawal ends a pending post-review too: there is nothing left to review.
        closes=("post_review",),
        waits_for_task_owner=False,
    ),
    Transition(
        "reopen",
        "reopen",
        _("Volver a aprobación"),
        sources=(State.APPROVED,),
        target=State.PENDING_APPROVAL,
        permission=CHANGE,
        holders={State.APPROVED: OFFICE},
        refusal=_("Solo comunicaciones puede editar una solicitud aprobada."),
        notify=(Notice("approvers", "task_assigned"),),
        message=_("%(actor)s modificó la solicitud %(request)s después de la aprobación: vuelve a aprobación."),
        done=_("Cambios guardados: la solicitud %(reference)s vuelve a aprobación."),
        closes=("publication",),
        opens="approval",
        # The gerente approved a text, not whatever it becomes: an edit of an approved
        # request takes it back (workflows.services), it is no button.
        offered=False,
    ),
)
TRANSITIONS_BY_CODE = {row.code: row for row in TRANSITIONS}
OFFERED = tuple(row for row in TRANSITIONS if row.offered)
# Changes that do not complete a task as the actor's own work: the unit may cancel, and a
# withdrawal comes after the process ended (or ends a pending post-review).
OUTSIDE_TASKS = tuple(row.code for row in TRANSITIONS if not row.waits_for_task_owner)


def fsm_arguments(method: str) -> dict:
    """The django-fsm-2 `transition` arguments of the request's method `method`."""
    rows = [row for row in TRANSITIONS if row.method == method]
    if len(rows) != 1:
        raise LookupError(f"the lifecycle has {len(rows)} rows for the method {method!r}")
    row = rows[0]
    arguments = {"field": "state", "source": list(row.sources), "target": row.target}
    if row.condition:
        arguments["conditions"] = [lambda instance, name=row.condition: getattr(instance, name)()]
    return arguments
