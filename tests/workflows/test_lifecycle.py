"""Every piece derived from the lifecycle specification agrees with it.

workflows.lifecycle is the one place the process is declared: the state machine's legal
transitions, the actions and their buttons, the per-object grants of each state, the
notification plans and viewflow's steps are all read from it. These tests read each
derived piece back and compare it with the table, and check the table is whole (every
name it uses means something), so a step added there reaches everything or fails here.
"""

import pytest

from approvals import services as flow_sync
from approvals.flows import STEP_NODES, PublicationFlow, following_steps
from notifications import services as notification_services
from notifications.models import Kind as NotificationKind
from organization.roles import Role
from tests.factories import request_in_state
from workflows import lifecycle, permissions, policies, policy, services
from workflows.lifecycle import (
    APPROVE,
    CANCEL,
    CHANGE,
    POSTREVIEW,
    PUBLISH,
    REVIEW,
    SHARED,
    SUBMIT,
    UNIT,
    VIEW,
    WITHDRAW,
    State,
)
from workflows.models import MaterialRequest, SpecifiedTransitions

# --- the state machine --------------------------------------------------------------------


def fsm_transitions() -> set[tuple[str, str, str]]:
    """(method, source, target) of every transition django-fsm-2 enforces on the request."""
    field = MaterialRequest._meta.get_field("state")
    return {
        (transition.name, str(transition.source), str(transition.target))
        for transition in field.get_all_transitions(MaterialRequest)
    }


def test_the_state_machine_enforces_exactly_the_rows_of_the_specification():
    declared = {(row.method, str(source), str(row.target)) for row in lifecycle.TRANSITIONS for source in row.sources}
    assert fsm_transitions() == declared


def test_a_condition_of_a_row_is_a_condition_of_its_transition():
    field = MaterialRequest._meta.get_field("state")
    conditioned = {
        transition.name for transition in field.get_all_transitions(MaterialRequest) if transition.conditions
    }
    assert conditioned == {row.method for row in lifecycle.TRANSITIONS if row.condition}


def test_every_state_has_its_access_and_every_row_names_real_things():
    assert set(lifecycle.ACCESS) == set(State)
    step_names = {step.name for step in lifecycle.STEPS}
    audiences = {*Role.values, UNIT, SHARED}
    for row in lifecycle.TRANSITIONS:
        assert callable(getattr(MaterialRequest, row.method)), row.code
        assert row.permission in lifecycle.ALL_CODENAMES, row.code
        assert set(row.holders) <= set(row.sources), row.code
        assert all(set(who) <= audiences for who in row.holders.values()), row.code
        assert set(row.duties) <= set(policy.RULES), row.code
        assert set(row.closes) <= step_names and (row.opens is None or row.opens in step_names), row.code
        if row.condition:
            assert callable(getattr(MaterialRequest, row.condition)) and row.condition in policy.CONDITIONS
        for notice in row.notify:
            assert notice.kind in NotificationKind.values, row.code
            assert notice.audience in {*lifecycle.OFFICE_AUDIENCES, "author", "requesters", "viewers"}, row.code
    assert set(lifecycle.OFFICE_AUDIENCES.values()) <= set(lifecycle.TRANSITIONS_BY_CODE)


def test_each_step_is_done_by_an_action_that_starts_where_the_step_waits():
    for step in lifecycle.STEPS:
        row = lifecycle.TRANSITIONS_BY_CODE[step.action]
        assert step.state in row.sources and step.name in row.closes, step.name
        assert row.permission == step.permission, step.name
        # A row that opens the step leads to the state the step waits in.
        for opener in lifecycle.TRANSITIONS:
            if opener.opens == step.name:
                assert opener.target == step.state, (opener.code, step.name)


# --- the actions and their buttons ----------------------------------------------------------


def test_the_actions_are_the_offered_rows():
    assert set(policies.ACTIONS) == {row.code for row in lifecycle.TRANSITIONS if row.offered}
    for code, action in policies.ACTIONS.items():
        row = lifecycle.TRANSITIONS_BY_CODE[code]
        assert action is row
        assert action.reason_required == (row.reason_label is not None)


def test_a_row_is_a_transition_and_an_action_service_without_another_edit():
    """A row needs no hand-written model method or service: the plain ones are derived
    (MaterialRequest overrides a method only to record something of its own)."""
    for row in lifecycle.TRANSITIONS:
        assert hasattr(SpecifiedTransitions, row.method), row.code
    assert set(services.ACTION_SERVICES) == {row.code for row in lifecycle.OFFERED}
    plain = services.ACTION_SERVICES["observe"]
    assert plain.__name__ == "observe_request"


def test_the_versioned_actions_are_the_rows_that_freeze_a_version():
    assert set(services.VERSIONED_ACTIONS) == {"submit", "approve", "publish", "urgent_publish"}
    assert set(services.VERSIONED_ACTIONS) == {row.code for row in lifecycle.TRANSITIONS if row.freezes_version}


# --- the grants ------------------------------------------------------------------------------

# The grants per state as they were written by hand before the specification existed: the
# derived ones must stay exactly these (a regression guard written independently).
READERS = {Role.TRANSPARENCIA: {VIEW}, Role.AUDITOR: {VIEW}}
HAND_WRITTEN_GRANTS = {
    State.DRAFT: {UNIT: {VIEW, CHANGE, SUBMIT, CANCEL}, SHARED: {VIEW, CHANGE}},
    State.IN_REVIEW: {
        UNIT: {VIEW, CANCEL},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW, CHANGE, REVIEW},
        Role.GERENTE: {VIEW, CHANGE, CANCEL, APPROVE},
    },
    State.PENDING_APPROVAL: {
        UNIT: {VIEW, CANCEL},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW, CHANGE},
        Role.GERENTE: {VIEW, CHANGE, CANCEL, APPROVE},
    },
    State.APPROVED: {
        UNIT: {VIEW},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW, CHANGE},
        Role.GERENTE: {VIEW, CHANGE},
        Role.PUBLICADOR: {VIEW, PUBLISH},
    },
    State.PUBLISHED: {
        UNIT: {VIEW},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW},
        Role.GERENTE: {VIEW, WITHDRAW},
        Role.PUBLICADOR: {VIEW, WITHDRAW},
        **READERS,
    },
    State.CANCELLED: {UNIT: {VIEW}, SHARED: {VIEW}},
    State.WITHDRAWN: {
        UNIT: {VIEW},
        SHARED: {VIEW},
        Role.REVISOR: {VIEW},
        Role.GERENTE: {VIEW},
        Role.PUBLICADOR: {VIEW},
        **READERS,
    },
}


def test_the_derived_grants_are_the_hand_written_ones():
    assert permissions.GRANTS == HAND_WRITTEN_GRANTS
    assert {Role.REVISOR: {VIEW}, Role.GERENTE: {VIEW}} == permissions.AFTER_SUBMISSION
    # An urgent publication waits for a second person's review, while it does.
    assert {
        "awaits_post_review": {State.PUBLISHED: {Role.REVISOR: {POSTREVIEW}, Role.GERENTE: {POSTREVIEW}}}
    } == permissions.CONDITIONAL_GRANTS


def test_each_action_is_granted_to_its_holders_in_its_source_states():
    for row in lifecycle.TRANSITIONS:
        grants = permissions.CONDITIONAL_GRANTS[row.condition] if row.grant_follows_condition else permissions.GRANTS
        for state, audiences in row.holders.items():
            for audience in audiences:
                assert row.permission in grants[state][audience], (row.code, state, audience)


# --- the notifications -----------------------------------------------------------------------


def test_the_notification_plans_are_the_rows_notices():
    assert {
        row.code: [(notice.audience, notice.kind) for notice in row.notify] for row in lifecycle.TRANSITIONS
    } == notification_services.PLANS
    assert all(notification_services.PLANS[code] for code in lifecycle.TRANSITIONS_BY_CODE)


# --- viewflow ---------------------------------------------------------------------------------


def test_viewflow_has_one_human_node_per_step_and_nothing_rereads_the_state():
    nodes = {node.name: node for node in PublicationFlow.instance.nodes()}
    assert set(nodes) == {step.name for step in lifecycle.STEPS} | {"start", "end"}
    for step in lifecycle.STEPS:
        node = nodes[step.name]
        assert node is STEP_NODES[step.name] and node.step is step
        assert node._owner_permission == f"workflows.{step.permission}"
        assert str(node.task_title) == str(step.title)
    assert [edge.dst.name for edge in nodes["start"]._outgoing()] == [lifecycle.TRANSITIONS_BY_CODE["submit"].opens]


def test_the_flow_graph_is_the_specification_s():
    for step in lifecycle.STEPS:
        expected = {row.opens for row in lifecycle.TRANSITIONS if step.name in row.closes and row.opens} | {"end"}
        assert {edge.dst.name for edge in STEP_NODES[step.name]._outgoing()} == expected, step.name
        assert set(following_steps(step.name)) == expected - {"end"}


@pytest.mark.django_db
def test_changes_outside_tasks_do_not_wait_for_whoever_took_the_task(users, units):
    """The unit may cancel and the gerente or publisher withdraw whoever took the open task."""
    assert set(lifecycle.OUTSIDE_TASKS) == {"cancel", "withdraw"}
    material_request = request_in_state(users, units, State.IN_REVIEW)
    task = flow_sync.current_task(material_request)
    flow_sync.take_task(users["revisor1"], task.pk)
    material_request = MaterialRequest.objects.get(pk=material_request.pk)
    services.cancel_request(users["rentas1"], material_request, comment="Ya no se necesita.")
    assert MaterialRequest.objects.get(pk=material_request.pk).state == State.CANCELLED
