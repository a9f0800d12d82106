"""The same decision sent twice from the same page (a double click, a retry after the
connection dropped while the first was being recorded) is recorded once and said once;
any other change since the page is still a stale page."""

import pytest

from tests.factories import request_in_state
from workflows import services
from workflows.exceptions import REFUSALS, DecisionAlreadyRecorded, StaleRequest
from workflows.models import Decision, State

pytestmark = pytest.mark.django_db


def decisions(material_request, action):
    return Decision.objects.filter(request=material_request, action=action).count()


def test_the_same_approval_sent_again_is_recorded_once(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    page_revision = material_request.revision
    services.approve_request(users["gerente"], material_request, comment="Conforme.", expected_revision=page_revision)
    with pytest.raises(DecisionAlreadyRecorded) as repeated:
        services.approve_request(users["gerente"], material_request, expected_revision=page_revision)
    assert decisions(material_request, "approve") == 1
    assert repeated.value.message == (
        f"Su decisión sobre {material_request.reference} ya estaba registrada; no se repitió."
    )
    # Callers that only know the refusals still answer plainly, changing nothing.
    assert isinstance(repeated.value, REFUSALS) and repeated.value.status_code == 409


def test_another_persons_change_since_the_page_is_a_stale_page(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    page_revision = material_request.revision
    services.update_request(
        users["revisor1"],
        material_request,
        fields={"title": material_request.title + " (corregido)"},
        details={},
        expected_revision=page_revision,
    )
    with pytest.raises(StaleRequest) as stale:
        services.approve_request(users["gerente"], material_request, expected_revision=page_revision)
    assert not isinstance(stale.value, DecisionAlreadyRecorded)
    assert decisions(material_request, "approve") == 0


def test_another_decision_of_the_same_person_is_a_stale_page(users, units):
    """The gerente returned it from one tab; the approval from an older tab is refused."""
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    page_revision = material_request.revision
    services.return_request(users["gerente"], material_request, comment="Corrija.", expected_revision=page_revision)
    with pytest.raises(StaleRequest) as stale:
        services.approve_request(users["gerente"], material_request, expected_revision=page_revision)
    assert not isinstance(stale.value, DecisionAlreadyRecorded)


def test_a_repeat_after_a_later_change_is_a_stale_page(users, units):
    """The decision is no longer the only change since the page: refused as stale."""
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    page_revision = material_request.revision
    approved = services.approve_request(users["gerente"], material_request, expected_revision=page_revision)
    services.update_request(
        users["revisor1"],
        approved,
        fields={"title": approved.title + " (corregido)"},
        details={},
        expected_revision=approved.revision,
    )
    with pytest.raises(StaleRequest) as stale:
        services.approve_request(users["gerente"], material_request, expected_revision=page_revision)
    assert not isinstance(stale.value, DecisionAlreadyRecorded)
    assert decisions(material_request, "approve") == 1


def test_the_request_page_says_a_repeat_once(users, units, client_for):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    client = client_for("gerente")
    form = {"comment": "Conforme.", "revision": material_request.revision}
    url = f"/solicitudes/{material_request.pk}/accion/approve/"
    first = client.post(url, form, headers={"X-Requested-With": "fetch"})
    assert first.status_code == 200 and first.json() == {"location": f"/solicitudes/{material_request.pk}/"}
    again = client.post(url, form, follow=True)
    assert again.status_code == 200
    assert "ya estaba registrada; no se repitió" in again.content.decode()
    assert decisions(material_request, "approve") == 1


def test_the_inbox_says_a_repeat_once(users, units, client_for):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    client = client_for("gerente")
    form = {"decision": "approve", "comment": "", "revision": material_request.revision}
    url = f"/bandeja/decidir/{material_request.pk}/"
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, headers={"X-Requested-With": "fetch"})
    assert again.json() == {"location": "/bandeja/"}
    assert "ya estaba registrada; no se repitió" in client.get("/bandeja/").content.decode()
    assert decisions(material_request, "approve") == 1
