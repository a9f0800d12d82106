"""The queue: take, release and reassign a task, through the services and the pages.

A task someone took is theirs to finish; who may take or receive one is whoever holds
the task's per-object permission, never the request's author for the office's tasks.
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from viewflow.workflow.status import STATUS

from approvals import services as flow_sync
from audit.models import AuditEvent
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD, request_in_state
from workflows import services
from workflows.models import MaterialRequest, State

pytestmark = pytest.mark.django_db

INBOX = reverse("approvals:inbox")
THREADS = 8
JOIN_TIMEOUT = 60


def events(material_request, action):
    return AuditEvent.objects.filter(
        action=action, object_type="workflows.materialrequest", object_id=str(material_request.pk)
    ).order_by("sequence")


def task_state(task):
    task.refresh_from_db()
    return task.status, task.owner.username if task.owner else None


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def in_review(users, units):
    return request_in_state(users, units, State.IN_REVIEW)


@pytest.fixture
def review_task(in_review):
    return flow_sync.current_task(in_review)


def url(name, task_pk):
    return reverse(f"approvals:{name}", args=[task_pk])


# --- services ---------------------------------------------------------------------------------


def test_take_assigns_the_task_and_is_audited(users, in_review, review_task):
    assert task_state(review_task) == (STATUS.NEW, None)

    flow_sync.take_task(users["revisor1"], review_task.pk)

    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")
    assert flow_sync.current_task(in_review) == review_task
    [event] = events(in_review, "take_task")
    assert event.actor == users["revisor1"]
    assert event.data == {"task": "review"}
    # Taking changes who works on it, not the request.
    assert MaterialRequest.objects.get(pk=in_review.pk).revision == in_review.revision


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [(services.forward_request, {}), (services.observe_request, {"comment": "Falta el logo"})],
    ids=["forward", "observe"],
)
def test_a_taken_task_is_its_owners_to_finish(users, in_review, review_task, service, kwargs):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    with pytest.raises(PermissionDenied, match="La tarea la tomó revisor1"):
        service(users["revisor2"], in_review, **kwargs)

    current = MaterialRequest.objects.get(pk=in_review.pk)
    assert current.state == State.IN_REVIEW
    assert current.revision == in_review.revision
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")
    assert not events(in_review, "forward").exists()
    assert not events(in_review, "observe").exists()

    # The owner finishes it.
    service(users["revisor1"], in_review, **kwargs)
    assert task_state(review_task) == (STATUS.DONE, "revisor1")


def test_release_puts_the_task_back_in_the_queue(users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    with pytest.raises(PermissionDenied, match="Solo quien tomó la tarea"):
        flow_sync.release_task(users["revisor2"], review_task.pk)
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")

    flow_sync.release_task(users["revisor1"], review_task.pk)

    assert task_state(review_task) == (STATUS.NEW, None)
    [event] = events(in_review, "release_task")
    assert event.actor == users["revisor1"]
    with pytest.raises(PermissionDenied, match="no está tomada"):
        flow_sync.release_task(users["revisor1"], review_task.pk)
    # Free again: anyone with the permission may act, or take it.
    flow_sync.take_task(users["revisor2"], review_task.pk)
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor2")


def test_the_gerente_may_release_someone_elses_task(users, units):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    approval = flow_sync.current_task(pending)
    gerente2 = ensure_user("gerente2", password=PASSWORD, roles=(Role.GERENTE,))
    flow_sync.take_task(gerente2, approval.pk)

    flow_sync.release_task(users["gerente"], approval.pk)

    assert task_state(approval) == (STATUS.NEW, None)


def test_reassign_hands_the_task_over(users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    flow_sync.reassign_task(users["revisor1"], review_task.pk, users["revisor2"])

    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor2")
    [event] = events(in_review, "reassign_task")
    assert event.actor == users["revisor1"]
    assert event.data == {"task": "review", "to": "revisor2"}
    # revisor1 no longer holds it; revisor2 does the review.
    with pytest.raises(PermissionDenied, match="La tarea la tomó revisor2"):
        services.forward_request(users["revisor1"], in_review)
    services.forward_request(users["revisor2"], in_review)
    assert task_state(review_task) == (STATUS.DONE, "revisor2")


def test_only_the_owner_or_the_gerente_reassign(users, in_review, review_task):
    with pytest.raises(PermissionDenied, match="Solo quien tomó la tarea"):
        flow_sync.reassign_task(users["revisor1"], review_task.pk, users["revisor2"])  # nobody took it
    flow_sync.take_task(users["revisor1"], review_task.pk)
    with pytest.raises(PermissionDenied, match="Solo quien tomó la tarea"):
        flow_sync.reassign_task(users["revisor2"], review_task.pk, users["revisor2"])

    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")
    assert not events(in_review, "reassign_task").exists()

    # The gerente may hand a queued task to a reviewer, even one nobody took.
    flow_sync.reassign_task(users["gerente"], review_task.pk, users["revisor2"])
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor2")


@pytest.mark.parametrize("to", ["publicador", "rentas1", "gerente"])
def test_reassign_to_someone_who_cannot_do_the_task_is_refused(users, in_review, review_task, to):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    with pytest.raises(PermissionDenied, match="no puede encargarse de esta tarea"):
        flow_sync.reassign_task(users["revisor1"], review_task.pk, users[to])

    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")
    assert not events(in_review, "reassign_task").exists()


def test_reassign_to_the_author_is_refused(users, units):
    own = request_in_state(users, units, State.IN_REVIEW, author="revisor_rentas")
    task = flow_sync.current_task(own)
    flow_sync.take_task(users["revisor1"], task.pk)

    with pytest.raises(PermissionDenied, match="no puede encargarse de esta tarea"):
        flow_sync.reassign_task(users["revisor1"], task.pk, users["revisor_rentas"])

    assert task_state(task) == (STATUS.ASSIGNED, "revisor1")


@pytest.mark.parametrize("who", ["publicador", "rentas1", "gerente", "nobody", "auditor"])
def test_take_without_the_permission_is_refused(users, in_review, review_task, who):
    with pytest.raises(PermissionDenied, match="No puede tomar esta tarea"):
        flow_sync.take_task(users[who], review_task.pk)

    assert task_state(review_task) == (STATUS.NEW, None)
    assert not events(in_review, "take_task").exists()


def test_the_author_cannot_take_the_review_of_their_own_request(users, units):
    own = request_in_state(users, units, State.IN_REVIEW, author="revisor_rentas")
    own_task = flow_sync.current_task(own)

    with pytest.raises(PermissionDenied, match="No puede tomar esta tarea"):
        flow_sync.take_task(users["revisor_rentas"], own_task.pk)
    assert task_state(own_task) == (STATUS.NEW, None)

    # The same reviewer takes other people's reviews, even of its own unit.
    colleague = request_in_state(users, units, State.IN_REVIEW, author="rentas1")
    flow_sync.take_task(users["revisor_rentas"], flow_sync.current_task(colleague).pk)
    assert task_state(flow_sync.current_task(colleague)) == (STATUS.ASSIGNED, "revisor_rentas")


def test_the_author_cannot_take_the_approval_of_their_own_request(users, units):
    own = request_in_state(users, units, State.PENDING_APPROVAL, author="gerente_rentas")

    with pytest.raises(PermissionDenied, match="No puede tomar esta tarea"):
        flow_sync.take_task(users["gerente_rentas"], flow_sync.current_task(own).pk)


def test_taking_a_taken_task_is_refused(users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    for who in ("revisor2", "revisor1"):
        with pytest.raises(PermissionDenied, match="ya fue tomada o terminada"):
            flow_sync.take_task(users[who], review_task.pk)

    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")
    assert events(in_review, "take_task").count() == 1


def test_a_finished_task_cannot_be_taken_or_reassigned(users, in_review, review_task):
    services.forward_request(users["revisor1"], in_review)

    with pytest.raises(PermissionDenied, match="ya fue tomada o terminada"):
        flow_sync.take_task(users["revisor2"], review_task.pk)
    with pytest.raises(PermissionDenied, match="ya está terminada"):
        flow_sync.reassign_task(users["gerente"], review_task.pk, users["revisor2"])
    assert task_state(review_task) == (STATUS.DONE, "revisor1")


def test_the_correction_task_is_no_queue_nobody_takes_or_reassigns_it(users, units):
    # Issue 16: the unit's correction is done by any member of the unit; taking or
    # reassigning it makes no sense (it used to be takeable by a unit member).
    observed = services.observe_request(
        users["revisor1"], request_in_state(users, units, State.IN_REVIEW), comment="Falta el logo"
    )
    correction = flow_sync.current_task(observed)

    for who in ("rentas2", "social1", "gerente"):
        with pytest.raises(PermissionDenied, match="no se toma ni se reasigna"):
            flow_sync.take_task(users[who], correction.pk)
    with pytest.raises(PermissionDenied, match="no se toma ni se reasigna"):
        flow_sync.reassign_task(users["gerente"], correction.pk, users["rentas2"])

    assert task_state(correction) == (STATUS.NEW, None)
    assert not events(observed, "take_task").exists()
    assert not events(observed, "reassign_task").exists()


def test_the_unit_may_cancel_while_a_revisor_holds_the_review(users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    cancelled = services.cancel_request(users["rentas1"], in_review, comment="Ya no se necesita")

    assert cancelled.state == State.CANCELLED
    assert task_state(review_task)[0] == STATUS.CANCELED


# --- the race ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eight_reviewers_take_the_same_task_at_once_one_wins(users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    task_pk = flow_sync.current_task(in_review).pk
    reviewers = [ensure_user(f"revisor_race_{index}", password=PASSWORD, roles=(Role.REVISOR,)) for index in range(8)]
    barrier = threading.Barrier(THREADS, timeout=JOIN_TIMEOUT)
    outcomes = [None] * THREADS

    def worker(index):
        try:
            actor = fresh(reviewers[index])  # its own user, read on its own connection
            barrier.wait()
            outcomes[index] = ("ok", flow_sync.take_task(actor, task_pk).owner_id)
        except Exception as error:  # recorded and asserted on below
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"

    winners = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1, outcomes
    assert len(errors) == THREADS - 1
    assert all(type(error) is PermissionDenied for error in errors), errors
    assert all("ya fue tomada" in str(error) for error in errors), errors
    task = flow_sync.current_task(in_review)
    assert task.pk == task_pk
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, winners[0])
    [event] = events(in_review, "take_task")
    assert event.actor_id == winners[0]


# --- the pages -----------------------------------------------------------------------------------


def test_take_page(client_for, users, in_review, review_task):
    response = client_for("revisor1").post(url("take", review_task.pk))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")
    assert events(in_review, "take_task").count() == 1


def test_take_page_refuses_with_the_reason(client_for, users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    response = client_for("revisor2").post(url("take", review_task.pk))

    assert response.status_code == 403
    assert "La tarea ya fue tomada o terminada." in response.content.decode()
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")


def test_take_page_refuses_a_user_without_the_permission(client_for, in_review, review_task):
    # rentas1 sees its unit's request, but may not review it.
    response = client_for("rentas1").post(url("take", review_task.pk))

    assert response.status_code == 403
    assert "No puede tomar esta tarea." in response.content.decode()
    assert task_state(review_task) == (STATUS.NEW, None)


def test_release_page(client_for, users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)

    refused = client_for("revisor2").post(url("release", review_task.pk))
    assert refused.status_code == 403
    assert "Solo quien tomó la tarea o el gerente pueden liberarla." in refused.content.decode()
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")

    response = client_for("revisor1").post(url("release", review_task.pk))
    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert task_state(review_task) == (STATUS.NEW, None)
    assert events(in_review, "release_task").count() == 1


def test_reassign_page(client_for, users, in_review, review_task):
    flow_sync.take_task(users["revisor1"], review_task.pk)
    client = client_for("revisor1")

    refused = client.post(url("reassign", review_task.pk), {"to_user": users["publicador"].pk})
    assert refused.status_code == 403
    assert "no puede encargarse de esta tarea." in refused.content.decode()
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor1")

    missing = client.post(url("reassign", review_task.pk), {})
    assert missing.status_code == 400
    assert "Elija a quién reasignar la tarea." in missing.content.decode()

    response = client.post(url("reassign", review_task.pk), {"to_user": users["revisor2"].pk})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert task_state(review_task) == (STATUS.ASSIGNED, "revisor2")
    assert events(in_review, "reassign_task").count() == 1


@pytest.mark.parametrize("name", ["take", "release", "reassign"])
def test_pages_hide_tasks_of_requests_the_user_cannot_see(client_for, users, review_task, name):
    # social1 may not see a Rentas request: the task does not exist for them.
    response = client_for("social1").post(url(name, review_task.pk), {"to_user": users["social1"].pk})

    assert response.status_code == 404
    assert task_state(review_task) == (STATUS.NEW, None)


@pytest.mark.parametrize("name", ["take", "release", "reassign"])
def test_pages_answer_404_for_a_missing_task(client_for, users, name):
    response = client_for("revisor1").post(url(name, 999_999), {"to_user": users["revisor2"].pk})

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["take", "release", "reassign"])
def test_pages_accept_only_post(client_for, review_task, name):
    response = client_for("revisor1").get(url(name, review_task.pk))

    assert response.status_code == 405
    assert task_state(review_task) == (STATUS.NEW, None)


@pytest.mark.parametrize("name", ["take", "release", "reassign"])
def test_pages_need_a_login(client, review_task, name):
    response = client.post(url(name, review_task.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert task_state(review_task) == (STATUS.NEW, None)


def test_the_new_owner_of_a_reassigned_task_is_notified(users, units):
    from notifications.models import Notification

    material_request = request_in_state(users, units, State.IN_REVIEW)
    task = flow_sync.current_task(material_request)
    flow_sync.take_task(users["revisor1"], task.pk)
    flow_sync.reassign_task(users["revisor1"], task.pk, users["revisor2"])
    notification = Notification.objects.get(recipient=users["revisor2"], kind="task_assigned")
    assert material_request.reference in notification.message
    assert "le asignó la tarea" in notification.message
