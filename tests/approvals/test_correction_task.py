"""The unit's correction task (opened when a request goes back to its unit) is no queue
(issue 16): the inbox offers neither "Tomar" nor "Reasignar" on it, and the pages refuse
both with a Spanish reason (403, as the queue's other refusals)."""

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from approvals import services as flow_sync
from tests.factories import request_in_state
from workflows import services
from workflows.models import State

pytestmark = pytest.mark.django_db

INBOX = reverse("approvals:inbox")
REFUSAL = "La corrección le toca a la unidad solicitante: esta tarea no se toma ni se reasigna."


def url(name, task_pk):
    return reverse(f"approvals:{name}", args=[task_pk])


@pytest.fixture
def correction(users, units):
    observed = services.observe_request(
        users["revisor1"], request_in_state(users, units, State.IN_REVIEW), comment="Falta el logo"
    )
    task = flow_sync.current_task(observed)
    assert task.flow_task.step.name == "correction"
    return task


def row_of(content: str, task) -> str:
    start = content.index(f'id="task-{task.pk}"')
    return content[start : content.index("</tr>", start)]


def test_the_inbox_offers_no_queue_buttons_on_the_correction(client_for, correction):
    content = client_for("rentas1").get(INBOX).content.decode()

    row = row_of(content, correction)
    assert "Corregir y volver a enviar" in row
    assert url("take", correction.pk) not in row
    assert "Tomar" not in row
    assert "Reasignar" not in row


def test_the_office_tasks_keep_their_queue_buttons(client_for, users, units, correction):
    review = flow_sync.current_task(request_in_state(users, units, State.IN_REVIEW))
    row = row_of(client_for("revisor1").get(INBOX).content.decode(), review)
    assert url("take", review.pk) in row
    assert "Tomar" in row and "Reasignar" in row


@pytest.mark.parametrize("who", ["rentas1", "rentas2", "gerente"])
def test_the_take_page_refuses_the_correction(client_for, correction, who):
    response = client_for(who).post(url("take", correction.pk))

    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    correction.refresh_from_db()
    assert (correction.status, correction.owner_id) == (STATUS.NEW, None)


@pytest.mark.parametrize(("who", "to"), [("gerente", "rentas2"), ("rentas1", "rentas2"), ("gerente", "revisor1")])
def test_the_reassign_page_refuses_the_correction(client_for, users, correction, who, to):
    response = client_for(who).post(url("reassign", correction.pk), {"to_user": users[to].pk})

    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    correction.refresh_from_db()
    assert (correction.status, correction.owner_id) == (STATUS.NEW, None)


def test_the_unit_still_corrects_and_resubmits(client_for, users, correction):
    material_request = correction.process.artifact
    resubmitted = services.submit_request(users["rentas2"], material_request, comment="Corregido.")
    assert resubmitted.state == State.IN_REVIEW
    correction.refresh_from_db()
    assert correction.status == STATUS.DONE
