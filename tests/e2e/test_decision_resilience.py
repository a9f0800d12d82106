"""A decision survives what a phone's connection does to it (e2e, issue 16's bad input):
sent with the network cut, sent again after its answer was lost, sent twice, or sent from
a page another person has since changed. Each time the person stays on the form with what
they wrote, reads in Spanish what happened, and the request carries one decision at most.

The network is cut by Playwright (`context.set_offline`), and an answer is lost by letting
the request reach the server and then aborting it before the browser sees the reply."""

import pytest
from playwright.sync_api import expect

from tests.factories import request_in_state
from workflows import services
from workflows.models import Decision, MaterialRequest, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFLINE = "No se pudo enviar: no hay conexión con el servidor."
REPEATED = "ya estaba registrada; no se repitió."
STALE = "La solicitud cambió desde que abrió esta página"


def approvals_of(material_request) -> int:
    return Decision.objects.filter(request=material_request, action="approve").count()


def state_of(material_request) -> str:
    return MaterialRequest.objects.get(pk=material_request.pk).state


def open_decision(page, material_request, button="Aprobar"):
    page.locator(f"#tasks tr[data-request-id='{material_request.pk}']").get_by_role("button", name=button).click()
    dialog = page.locator("#decide-dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_the_inbox_decision_survives_the_connection(users, units, login_as, screenshot):
    cut, lost, doubled, stale = (request_in_state(users, units, State.PENDING_APPROVAL) for _ in range(4))
    page = login_as("gerente")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/bandeja/")
    bell = page.locator("#bell-count")
    # Each request asked the gerente to decide it: the bell counts the four.
    expect(bell).to_have_text("4")

    # 1. The network is cut when the gerente confirms: nothing is recorded, the dialog
    # stays open with the comment, and it says so in Spanish; back online, one approval.
    dialog = open_decision(page, cut)
    dialog.get_by_label("Comentario (obligatorio para devolver)").fill("Conforme con la versión 2.")
    page.context.set_offline(True)
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(dialog.get_by_role("alert")).to_contain_text(OFFLINE)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Comentario (obligatorio para devolver)")).to_have_value("Conforme con la versión 2.")
    screenshot(page, "offline")
    assert state_of(cut) == State.PENDING_APPROVAL and approvals_of(cut) == 0
    page.context.set_offline(False)
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(page.get_by_role("status")).to_contain_text(f"Solicitud {cut.reference} aprobada.")
    assert state_of(cut) == State.APPROVED and approvals_of(cut) == 1
    expect(bell).to_have_text("3")  # the bell falls after approving: that task is done
    assert Decision.objects.get(request=cut, action="approve").reason == "Conforme con la versión 2."

    # 2. The approval reaches the server but its answer is lost: the gerente, told the
    # connection failed, confirms again, and is told it was already recorded, once.
    decide_url = f"**/bandeja/decidir/{lost.pk}/"

    def reach_server_then_drop(route):
        route.fetch()
        route.abort("connectionreset")

    page.route(decide_url, reach_server_then_drop)
    dialog = open_decision(page, lost)
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(dialog.get_by_role("alert")).to_contain_text(OFFLINE)
    assert state_of(lost) == State.APPROVED  # the server did record it
    page.unroute(decide_url)
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(page.get_by_role("status")).to_contain_text(f"Su decisión sobre {lost.reference} {REPEATED}")
    assert approvals_of(lost) == 1

    # 3. A double click sends one request, and one approval is recorded.
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    dialog = open_decision(page, doubled)
    dialog.get_by_role("button", name="Confirmar decisión").dblclick()
    expect(page.get_by_role("status")).to_contain_text(f"Solicitud {doubled.reference} aprobada.")
    assert [url for url in posts if url.endswith(f"/bandeja/decidir/{doubled.pk}/")] and len(posts) == 1
    assert approvals_of(doubled) == 1
    expect(bell).to_have_text("1")

    # 4. Someone changed the request after the page was loaded: refused as stale, in the
    # dialog, nothing recorded, the comment kept.
    dialog = open_decision(page, stale)
    dialog.get_by_label("Comentario (obligatorio para devolver)").fill("Aprobado.")
    services.update_request(
        users["revisor1"],
        MaterialRequest.objects.get(pk=stale.pk),
        fields={"title": stale.title + " (corregido)"},
        details={},
        expected_revision=stale.revision,
    )
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(dialog.get_by_role("alert")).to_contain_text(STALE)
    expect(dialog.get_by_label("Comentario (obligatorio para devolver)")).to_have_value("Aprobado.")
    screenshot(page, "stale")
    assert approvals_of(stale) == 0 and state_of(stale) == State.PENDING_APPROVAL
    assert errors == []


def test_the_request_page_decision_survives_the_connection(users, units, login_as):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    page = login_as("gerente")
    page.goto(f"/solicitudes/{material_request.pk}/")
    page.locator("summary[data-action='approve']").click()
    form = page.locator(f"form[action='/solicitudes/{material_request.pk}/accion/approve/']")
    page.context.set_offline(True)
    form.get_by_role("button").click()
    expect(form.get_by_role("alert")).to_contain_text(OFFLINE)
    assert approvals_of(material_request) == 0
    page.context.set_offline(False)
    form.get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text(material_request.reference)
    page.wait_for_url(f"**/solicitudes/{material_request.pk}/")
    assert approvals_of(material_request) == 1 and state_of(material_request) == State.APPROVED
