"""The Spanish a person reads after each action: what happened, in words that agree with
the request, with a full stop; labels, not codes; amounts in the country's format."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.factories import create_request, request_in_state
from workflows import lifecycle, services
from workflows.models import PUBLISHED_LABELS, Kind, State

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def action_url(material_request, code):
    return reverse("workflows:request_action", args=[material_request.pk, code])


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_every_state_agrees_with_the_request_it_describes():
    labels = {state: str(state.label) for state in State}
    assert labels == {
        State.DRAFT: "Borrador",
        State.IN_REVIEW: "En revisión",
        State.PENDING_APPROVAL: "Pendiente de aprobación",
        State.APPROVED: "Aprobada",
        State.PUBLISHED: "Publicada",
        State.CANCELLED: "Anulada",
        State.WITHDRAWN: "Retirada",
    }
    assert {kind: str(label) for kind, label in PUBLISHED_LABELS.items()} == {
        Kind.PUBLICATION: "Publicada",
        Kind.CAMPAIGN: "Publicada",
        Kind.SPEECH: "Discurso pronunciado",
        Kind.SIGNAGE: "Instalada",
    }


@pytest.mark.parametrize("row", lifecycle.TRANSITIONS, ids=lambda row: row.code)
def test_every_action_says_what_it_did_with_a_full_stop(row):
    for kind in Kind:
        done = str(row.done_by_kind.get(kind, row.done))
        assert done.endswith("."), (row.code, done)
        assert "%(reference)s" in done
        assert "«" not in done and "está" not in done  # no state label put after "está"
    for template in [row.message, *row.message_variants.values()]:
        assert str(template).endswith("."), (row.code, template)


# (action, state it starts from, who, form data, kind) -> what the page says after it.
ACTIONS = [
    ("submit", State.DRAFT, "rentas1", {}, Kind.CAMPAIGN, "Solicitud {ref} enviada a revisión."),
    ("forward", State.IN_REVIEW, "revisor1", {}, Kind.CAMPAIGN, "Solicitud {ref} derivada a aprobación."),
    (
        "observe",
        State.IN_REVIEW,
        "revisor1",
        {"comment": "Falta el logo."},
        Kind.CAMPAIGN,
        "Solicitud {ref} devuelta a la unidad con observaciones.",
    ),
    ("approve", State.PENDING_APPROVAL, "gerente", {}, Kind.CAMPAIGN, "Solicitud {ref} aprobada."),
    (
        "return",
        State.PENDING_APPROVAL,
        "gerente",
        {"comment": "Corregir fechas."},
        Kind.CAMPAIGN,
        "Solicitud {ref} devuelta a la unidad.",
    ),
    (
        "reject",
        State.PENDING_APPROVAL,
        "gerente",
        {"comment": "Sin fondos."},
        Kind.CAMPAIGN,
        "Solicitud {ref} rechazada.",
    ),
    ("cancel", State.DRAFT, "rentas1", {"comment": "Ya no se necesita."}, Kind.CAMPAIGN, "Solicitud {ref} anulada."),
    ("publish", State.APPROVED, "publicador", "publish", Kind.PUBLICATION, "Solicitud {ref} publicada."),
    ("publish", State.APPROVED, "publicador", "publish", Kind.SPEECH, "Discurso {ref} registrado como pronunciado."),
    ("publish", State.APPROVED, "publicador", "publish", Kind.SIGNAGE, "Señalización {ref} registrada como instalada."),
    (
        "withdraw",
        State.PUBLISHED,
        "gerente",
        {"comment": "Dato erróneo."},
        Kind.CAMPAIGN,
        "Publicación de la solicitud {ref} retirada.",
    ),
]


@pytest.mark.parametrize(("code", "state", "who", "data", "kind", "expected"), ACTIONS)
def test_the_page_says_what_the_action_did(client_for, users, units, code, state, who, data, kind, expected):
    material_request = request_in_state(users, units, state, kind=kind)
    if data == "publish":
        data = {"channel": "Portal web", "date": timezone.localdate().isoformat()}
    response = client_for(who).post(action_url(material_request, code), {"revision": material_request.revision, **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert flashed(response) == [expected.format(ref=material_request.reference)]


def test_the_inbox_says_what_each_decision_did(client_for, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    response = client_for("gerente").post(
        reverse("approvals:decide", args=[material_request.pk]),
        {"decision": "approve", "comment": "", "revision": material_request.revision},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert flashed(response) == [f"Solicitud {material_request.reference} aprobada."]


def test_notifications_agree_and_never_nest_guillemets(users, units):
    material_request = create_request(users["rentas1"], units["rentas"], title="Campaña «Paga y gana»")
    services.submit_request(users["rentas1"], material_request, comment="")
    message = Notification.objects.filter(request=material_request).first().message
    assert message == (f"rentas1 envió la solicitud {material_request.reference} «Campaña “Paga y gana”» a revisión.")
    assert not re.search(r"«[^»]*«", message)


def test_the_budget_reads_in_the_countrys_format(client_for, users, units, settings):
    material_request = create_request(users["rentas1"], units["rentas"])  # S/ 1500.00
    client = client_for("rentas1")
    page = client.get(reverse("workflows:request_detail", args=[material_request.pk])).content.decode()
    assert f"<dt>Presupuesto</dt><dd>S/{NBSP}1{NBSP}500,00</dd>" in page
    assert "(S/)" not in page
    form = client.get(reverse("workflows:request_edit", args=[material_request.pk])).content.decode()
    assert "Presupuesto (S/)" in form and "En soles" in form

    settings.TRANSPARENCY_HOLIDAYS_COUNTRY = "HN"
    page = client.get(reverse("workflows:request_detail", args=[material_request.pk])).content.decode()
    assert f"L{NBSP}1,500.00" in page
    form = client.get(reverse("workflows:request_edit", args=[material_request.pk])).content.decode()
    assert "Presupuesto (L)" in form and "En lempiras" in form
