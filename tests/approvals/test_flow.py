"""The viewflow process follows the request, driven only by the workflow services.

Every service that changes a request's state completes the open human task (its owner
is whoever acted) and the flow's router opens the next one from the new state. The flow
never moves the request itself: each step below runs exactly one FSM transition, the
one the service ran.
"""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_fsm.signals import post_transition
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from approvals import services as flow_sync
from approvals.flows import PublicationFlow
from approvals.models import PublicationProcess
from tests.factories import create_request, request_in_state
from workflows import services
from workflows.exceptions import ActionNotAvailable, InvalidInput, StaleRequest
from workflows.models import Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
PUBLISH = {"channel": "Portal web", "url": "https://example.gob.pe/n/1"}


# --- helpers -----------------------------------------------------------------------------


def processes_of(material_request):
    return PublicationProcess.objects.filter(
        flow_class=PublicationFlow,
        artifact_content_type=ContentType.objects.get_for_model(MaterialRequest),
        artifact_object_id=material_request.pk,
    ).order_by("pk")


def human_tasks(material_request):
    return Task.objects.filter(process__in=processes_of(material_request), flow_task_type="HUMAN").order_by("pk")


def open_tasks(material_request):
    return list(human_tasks(material_request).filter(status__in=OPEN))


def the_process(material_request):
    processes = list(processes_of(material_request))
    assert len(processes) == 1, processes
    return processes[0]


def the_open_task(material_request, name):
    """The one open human task, which must be the `name` node, unassigned."""
    tasks = open_tasks(material_request)
    assert [task.flow_task.name for task in tasks] == [name]
    task = tasks[0]
    assert task.status == STATUS.NEW
    assert task.owner_id is None
    assert flow_sync.current_task(material_request) == task
    return task


def finished(material_request):
    """(node, status, owner) of every closed human task, oldest first."""
    return [
        (task.flow_task.name, task.status, task.owner.username if task.owner else None)
        for task in human_tasks(material_request).exclude(status__in=OPEN).select_related("owner")
    ]


def snapshot(material_request):
    """Everything the flow stores about a request: processes and all their tasks."""
    processes = list(processes_of(material_request))
    return (
        [(process.pk, process.status, process.finished) for process in processes],
        list(
            Task.objects.filter(process__in=processes)
            .order_by("pk")
            .values_list("pk", "flow_task", "status", "owner_id", "finished")
        ),
    )


@pytest.fixture
def transitions():
    """Every FSM transition run on a MaterialRequest, as (method, source, target)."""
    seen = []

    def record(sender, instance, name, source, target, **kwargs):
        seen.append((name, source, target))

    post_transition.connect(record, sender=MaterialRequest, weak=False, dispatch_uid="approvals-flow-tests")
    yield seen
    post_transition.disconnect(sender=MaterialRequest, dispatch_uid="approvals-flow-tests")


@pytest.fixture
def act(transitions):
    """Run one service step and check the request ends where the service put it, by
    exactly the one transition the service ran (the flow never moves it itself)."""

    def run(service, actor, material_request, expected_state, *, method, **kwargs):
        transitions.clear()
        result = service(actor, material_request, **kwargs)
        assert [(name, target) for name, _source, target in transitions] == [(method, expected_state)]
        assert result.state == expected_state
        assert MaterialRequest.objects.get(pk=material_request.pk).state == expected_state
        return result

    return run


def urgent_kwargs(comment="Alerta por lluvias: avisar hoy."):
    return {**PUBLISH, "date": timezone.localdate(), "comment": comment}


# --- the ordinary path -------------------------------------------------------------------


def test_a_draft_has_no_process_and_cancelling_it_starts_none(users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    assert not processes_of(draft).exists()
    assert flow_sync.current_task(draft) is None

    services.cancel_request(users["rentas1"], draft, comment="Ya no hace falta")

    assert not processes_of(draft).exists()


@pytest.mark.parametrize("kind", list(Kind))
def test_each_step_completes_its_task_and_opens_the_next(users, units, act, kind):
    material_request = create_request(users["rentas1"], units["rentas"], kind)

    material_request = act(
        services.submit_request, users["rentas1"], material_request, State.IN_REVIEW, method="submit"
    )
    process = the_process(material_request)
    assert process.status == PROCESS.NEW
    assert process.artifact == material_request
    assert isinstance(process.artifact, MaterialRequest)
    assert flow_sync.active_process(material_request) == process
    the_open_task(material_request, "review")

    material_request = act(
        services.forward_request, users["revisor1"], material_request, State.PENDING_APPROVAL, method="forward"
    )
    the_open_task(material_request, "approval")

    material_request = act(
        services.approve_request, users["gerente"], material_request, State.APPROVED, method="approve"
    )
    the_open_task(material_request, "publication")

    material_request = act(
        services.publish_request,
        users["publicador"],
        material_request,
        State.PUBLISHED,
        method="publish",
        date=timezone.localdate(),
        **PUBLISH,
    )

    process = the_process(material_request)  # still the one process
    assert process.status == PROCESS.DONE
    assert process.finished is not None
    assert open_tasks(material_request) == []
    assert flow_sync.active_process(material_request) is None
    assert flow_sync.current_task(material_request) is None
    assert finished(material_request) == [
        ("review", STATUS.DONE, "revisor1"),
        ("approval", STATUS.DONE, "gerente"),
        ("publication", STATUS.DONE, "publicador"),
    ]
    # The flow's bookkeeping nodes all ran; nothing stopped in ERROR.
    assert not Task.objects.filter(process=process).exclude(status=STATUS.DONE).exists()


def test_withdrawing_a_published_request_starts_no_new_process(users, units, act):
    published = request_in_state(users, units, State.PUBLISHED)
    before = snapshot(published)

    act(services.withdraw_request, users["gerente"], published, State.WITHDRAWN, method="withdraw", comment="Error")

    assert snapshot(published) == before


# --- back to the unit ----------------------------------------------------------------------


def test_observe_opens_a_correction_and_a_colleague_resubmits(users, units, act):
    in_review = request_in_state(users, units, State.IN_REVIEW)

    observed = act(
        services.observe_request, users["revisor1"], in_review, State.DRAFT, method="observe", comment="Falta el logo"
    )
    correction = the_open_task(observed, "correction")
    assert correction.process == the_process(observed)

    # Another member of the requesting unit answers the observation.
    resubmitted = act(services.submit_request, users["rentas2"], observed, State.IN_REVIEW, method="submit")

    the_process(resubmitted)  # no second process
    review = the_open_task(resubmitted, "review")
    assert review.pk > correction.pk
    assert finished(resubmitted) == [
        ("review", STATUS.DONE, "revisor1"),
        ("correction", STATUS.DONE, "rentas2"),
    ]


def test_return_from_approval_opens_a_correction(users, units, act):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)

    returned = act(
        services.return_request, users["gerente"], pending, State.DRAFT, method="return_to_unit", comment="Corregir"
    )

    the_open_task(returned, "correction")
    assert finished(returned) == [("review", STATUS.DONE, "revisor1"), ("approval", STATUS.DONE, "gerente")]

    resubmitted = act(services.submit_request, users["rentas1"], returned, State.IN_REVIEW, method="submit")
    the_open_task(resubmitted, "review")
    assert the_process(resubmitted).status == PROCESS.NEW


# --- endings ---------------------------------------------------------------------------------


def test_reject_ends_the_process(users, units, act):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)

    rejected = act(
        services.reject_request, users["gerente"], pending, State.CANCELLED, method="reject", comment="No procede"
    )

    process = the_process(rejected)
    assert process.status == PROCESS.DONE
    assert open_tasks(rejected) == []
    assert finished(rejected) == [("review", STATUS.DONE, "revisor1"), ("approval", STATUS.DONE, "gerente")]


@pytest.mark.parametrize("actor", ["rentas1", "gerente"])
def test_cancel_during_review_cancels_the_task_and_the_process(users, units, act, actor):
    in_review = request_in_state(users, units, State.IN_REVIEW)

    cancelled = act(
        services.cancel_request, users[actor], in_review, State.CANCELLED, method="cancel", comment="Ya no se necesita"
    )

    process = the_process(cancelled)
    assert process.status == PROCESS.CANCELED
    assert open_tasks(cancelled) == []
    assert flow_sync.current_task(cancelled) is None
    # Nobody did the review: it is cancelled, not done, and has no owner.
    assert finished(cancelled) == [("review", STATUS.CANCELED, None)]


def test_cancel_by_the_gerente_during_approval_cancels_the_process(users, units, act):
    """A cancellation is not the approval's outcome (that is approve, return or reject):
    the approval task is cancelled with the process, whoever cancels."""
    pending = request_in_state(users, units, State.PENDING_APPROVAL)

    cancelled = act(services.cancel_request, users["gerente"], pending, State.CANCELLED, method="cancel", comment="No")

    assert open_tasks(cancelled) == []
    assert finished(cancelled)[-1] == ("approval", STATUS.CANCELED, None)
    assert the_process(cancelled).status == PROCESS.CANCELED


def test_cancel_by_the_unit_during_approval_cancels_the_task_and_the_process(users, units, act):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)

    cancelled = act(services.cancel_request, users["rentas1"], pending, State.CANCELLED, method="cancel", comment="No")

    assert open_tasks(cancelled) == []
    assert finished(cancelled)[-1] == ("approval", STATUS.CANCELED, None)
    assert the_process(cancelled).status == PROCESS.CANCELED


# --- content edits --------------------------------------------------------------------------


def test_editing_after_approval_sends_it_back_to_approval(users, units, act):
    approved = request_in_state(users, units, State.APPROVED)
    publication = the_open_task(approved, "publication")

    edited = act(
        services.update_request,
        users["revisor1"],
        approved,
        State.PENDING_APPROVAL,
        method="reopen",
        fields={"title": "Campaña de vacunación canina 2.0"},
        details={},
        expected_revision=approved.revision,
    )

    publication.refresh_from_db()
    assert publication.status == STATUS.DONE
    assert publication.owner == users["revisor1"]
    approval = the_open_task(edited, "approval")
    assert approval.pk > publication.pk
    assert the_process(edited).status == PROCESS.NEW

    # And the flow goes on from there as usual.
    act(services.approve_request, users["gerente"], edited, State.APPROVED, method="approve")
    the_open_task(edited, "publication")


def test_editing_during_review_leaves_the_task_alone(users, units, transitions):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = snapshot(in_review)
    transitions.clear()

    edited = services.update_request(
        users["revisor1"], in_review, fields={"title": "Otro título"}, details={}, expected_revision=in_review.revision
    )

    assert edited.state == State.IN_REVIEW
    assert transitions == []
    assert snapshot(in_review) == before


# --- the urgent path ---------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "open_node"), [(State.IN_REVIEW, "review"), (State.PENDING_APPROVAL, "approval")])
def test_urgent_publication_opens_a_post_review_then_ends(users, units, act, state, open_node):
    material_request = request_in_state(users, units, state)  # a prevention campaign: eligible
    the_open_task(material_request, open_node)

    published = act(
        services.publish_urgently,
        users["gerente"],
        material_request,
        State.PUBLISHED,
        method="publish_urgently",
        **urgent_kwargs(),
    )

    assert published.urgent
    post_review = the_open_task(published, "post_review")
    assert the_process(published).status == PROCESS.NEW
    assert finished(published)[-1] == (open_node, STATUS.DONE, "gerente")

    reviewed = act(
        services.review_urgent_publication,
        users["revisor1"],
        published,
        State.PUBLISHED,
        method="review_after_publication",
        comment="Conforme",
    )

    post_review.refresh_from_db()
    assert post_review.status == STATUS.DONE
    assert post_review.owner == users["revisor1"]
    assert open_tasks(reviewed) == []
    assert the_process(reviewed).status == PROCESS.DONE


# --- failures change nothing ----------------------------------------------------------------------


def _forward_by(username):
    return lambda users, material_request: services.forward_request(users[username], material_request)


FAILURES = {
    "no-permission": (State.IN_REVIEW, _forward_by("rentas1"), PermissionDenied),
    "publicador-forwards": (State.IN_REVIEW, _forward_by("publicador"), PermissionDenied),
    "stale-page": (
        State.IN_REVIEW,
        lambda users, mr: services.forward_request(users["revisor1"], mr, expected_revision=mr.revision - 1),
        StaleRequest,
    ),
    "wrong-state": (
        State.IN_REVIEW,
        lambda users, mr: services.approve_request(users["gerente"], mr),
        ActionNotAvailable,
    ),
    "missing-reason": (
        State.IN_REVIEW,
        lambda users, mr: services.observe_request(users["revisor1"], mr),
        InvalidInput,
    ),
    "stale-approval": (
        State.PENDING_APPROVAL,
        lambda users, mr: services.approve_request(users["gerente"], mr, expected_revision=mr.revision - 1),
        StaleRequest,
    ),
    "self-approval": (
        (State.PENDING_APPROVAL, "gerente_rentas"),
        lambda users, mr: services.approve_request(users["gerente_rentas"], mr),
        PermissionDenied,
    ),
    "publish-not-approved": (
        State.PENDING_APPROVAL,
        lambda users, mr: services.publish_request(users["publicador"], mr, date=timezone.localdate(), **PUBLISH),
        ActionNotAvailable,
    ),
    "future-publication-date": (
        State.APPROVED,
        lambda users, mr: services.publish_request(
            users["publicador"], mr, date=timezone.localdate() + timedelta(days=1), **PUBLISH
        ),
        InvalidInput,
    ),
    "post-review-by-the-publisher": (
        "urgent",
        lambda users, mr: services.review_urgent_publication(users["gerente"], mr, comment="Conforme"),
        PermissionDenied,
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failed_transition_leaves_the_tasks_as_they_were(users, units, case):
    state, attempt, error = FAILURES[case]
    if state == "urgent":
        material_request = request_in_state(users, units, State.IN_REVIEW)
        material_request = services.publish_urgently(users["gerente"], material_request, **urgent_kwargs())
    elif isinstance(state, tuple):
        material_request = request_in_state(users, units, state[0], author=state[1])
    else:
        material_request = request_in_state(users, units, state)
    material_request = MaterialRequest.objects.get(pk=material_request.pk)
    before = snapshot(material_request)
    state_before = material_request.state

    with pytest.raises(error):
        attempt(users, material_request)

    assert snapshot(material_request) == before
    assert MaterialRequest.objects.get(pk=material_request.pk).state == state_before


def test_the_author_cannot_review_and_the_tasks_stay(users, units):
    own = request_in_state(users, units, State.IN_REVIEW, author="revisor_rentas")
    before = snapshot(own)

    with pytest.raises(PermissionDenied, match="su autoría"):
        services.forward_request(users["revisor_rentas"], own)

    assert snapshot(own) == before


def test_a_failure_after_the_flow_moved_rolls_the_tasks_back(users, units, monkeypatch):
    """The flow advances inside the service's transaction: if anything later in it fails
    (here the audit write), the completed task and the new one are rolled back too."""
    in_review = request_in_state(users, units, State.IN_REVIEW)
    before = snapshot(in_review)

    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record_event", broken_audit)
    with pytest.raises(RuntimeError):
        services.forward_request(users["revisor1"], in_review)

    assert snapshot(in_review) == before
    assert MaterialRequest.objects.get(pk=in_review.pk).state == State.IN_REVIEW
    the_open_task(in_review, "review")


def test_a_failed_submission_starts_no_process(users, units):
    draft = create_request(users["rentas1"], units["rentas"])

    with pytest.raises(PermissionDenied):
        services.submit_request(users["social1"], draft)
    with pytest.raises(StaleRequest):
        services.submit_request(users["rentas1"], draft, expected_revision=draft.revision + 1)

    assert not processes_of(draft).exists()
