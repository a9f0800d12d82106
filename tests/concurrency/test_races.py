"""Races on one request, repeated: eight actors with their own connections press the same
button at the same moment, race after race.

On whichever database the run uses: SQLite (WAL, BEGIN IMMEDIATE) in the ordinary run,
PostgreSQL (row locks, viewflow's select_for_update_lock) in the scale-out run
(tests/scaleout.py). Every race must end with exactly one winner; the losers are refused
with the project's own answers (409, or 403 for a task someone already took), never a
server error or "database is locked"; the audit log has one event per winner and still
verifies; the viewflow process has the one open task the new state calls for.

200 races of each kind on PostgreSQL; 50 on SQLite, where the writers queue on one
file lock and each race costs more (RACES=<n> overrides both).
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import services as approvals
from approvals.services import OPEN_TASK_STATUSES, current_task
from audit.models import AuditEvent
from audit.verification import verify_all
from organization.roles import Role
from organization.services import ensure_user
from tests.concurrency.racers import THREADS, Racers, race_count
from tests.factories import PASSWORD, request_in_state, step_kwargs
from workflows import services
from workflows.exceptions import ActionNotAvailable, StaleRequest
from workflows.models import MaterialRequest, State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RACES_POSTGRESQL = 200
RACES_SQLITE = 50


@dataclass(frozen=True)
class Race:
    """One kind of race: the state it starts from, who runs which action in each thread,
    and the state each action leads to (with the open tasks the flow must then have)."""

    start: State
    role: str
    actions: tuple[str, ...]  # per thread (cycled)
    outcomes: dict  # action -> (state, open human tasks)


RACES = {
    "approve": Race(State.PENDING_APPROVAL, Role.GERENTE, ("approve",), {"approve": (State.APPROVED, 1)}),
    "publish": Race(State.APPROVED, Role.PUBLICADOR, ("publish",), {"publish": (State.PUBLISHED, 0)}),
    "return-vs-approve": Race(
        State.PENDING_APPROVAL,
        Role.GERENTE,
        ("approve", "return"),
        {"approve": (State.APPROVED, 1), "return": (State.DRAFT, 1)},
    ),
}


def open_tasks(material_request):
    return Task.objects.filter(
        process__artifact_object_id=material_request.pk, flow_task_type="HUMAN", status__in=OPEN_TASK_STATUSES
    )


def events(material_request, action):
    return AuditEvent.objects.filter(
        object_type="workflows.materialrequest", object_id=str(material_request.pk), action=action
    )


def assert_refused(errors, allowed):
    for error in errors:
        assert not isinstance(error, DatabaseError), f"a database error reached the actor: {error!r}"
        assert type(error) in allowed, f"unexpected refusal: {error!r}"
        status = 403 if isinstance(error, PermissionDenied) else error.status_code
        assert status in (403, 409), error


@pytest.fixture
def racers():
    pool = Racers(THREADS)
    yield pool
    pool.close()


def staff(role, prefix):
    return [ensure_user(f"{prefix}_{index}", password=PASSWORD, roles=(role,)) for index in range(THREADS)]


@pytest.mark.parametrize("name", list(RACES))
def test_one_winner_per_race(name, users, units, racers):
    race = RACES[name]
    actors = staff(race.role, f"racer_{race.role}")
    User = get_user_model()
    count = race_count(RACES_POSTGRESQL, RACES_SQLITE)
    wins = dict.fromkeys(race.actions, 0)

    for number in range(count):
        material_request = request_in_state(users, units, race.start)
        revision = MaterialRequest.objects.get(pk=material_request.pk).revision

        def work(index, pk=material_request.pk, revision=revision, number=number):
            actor = User.objects.get(pk=actors[index].pk)
            page = MaterialRequest.objects.get(pk=pk)
            action = race.actions[index % len(race.actions)]
            # Half the forms carry the revision their page showed (StaleRequest for the
            # losers), half do not (ActionNotAvailable).
            expected = revision if index % 4 < 2 else None
            kwargs = step_kwargs(action)
            kwargs["comment"] = kwargs["comment"] or f"Carrera {number}, actor {index}"

            def step():
                services.ACTION_SERVICES[action](actor, page, expected_revision=expected, **kwargs)
                return action

            return step

        outcomes = racers.race(work)

        winners = [value for kind, value in outcomes if kind == "ok"]
        assert len(winners) == 1, (number, outcomes)
        assert_refused([value for kind, value in outcomes if kind == "error"], (StaleRequest, ActionNotAvailable))
        action = winners[0]
        wins[action] += 1
        state, tasks = race.outcomes[action]
        stored = MaterialRequest.objects.get(pk=material_request.pk)
        assert (stored.state, stored.revision) == (state, revision + 1)
        assert {a: events(material_request, a).count() for a in race.actions} == {
            a: int(a == action) for a in race.actions
        }
        assert open_tasks(material_request).count() == tasks

    assert sum(wins.values()) == count
    for action, won in wins.items():
        assert AuditEvent.objects.filter(action=action).count() == won
    report = verify_all()
    assert report.ok, report.breaks


def test_one_reviewer_takes_the_task(users, units, racers):
    """Eight reviewers take the same review task from the queue at once: one gets it."""
    reviewers = staff(Role.REVISOR, "racer_revisor")
    User = get_user_model()
    count = race_count(RACES_POSTGRESQL, RACES_SQLITE)

    for number in range(count):
        material_request = request_in_state(users, units, State.IN_REVIEW)
        task = current_task(material_request)
        assert task.status == STATUS.NEW

        def work(index, task_pk=task.pk):
            actor = User.objects.get(pk=reviewers[index].pk)
            return lambda: approvals.take_task(actor, task_pk).owner_id

        outcomes = racers.race(work)

        winners = [value for kind, value in outcomes if kind == "ok"]
        assert len(winners) == 1, (number, outcomes)
        assert_refused([value for kind, value in outcomes if kind == "error"], (PermissionDenied,))
        task.refresh_from_db()
        assert (task.status, task.owner_id) == (STATUS.ASSIGNED, winners[0])
        taken = list(events(material_request, "take_task"))
        assert [event.actor_id for event in taken] == winners
        assert open_tasks(material_request).count() == 1

    assert AuditEvent.objects.filter(action="take_task").count() == count
    report = verify_all()
    assert report.ok, report.breaks
