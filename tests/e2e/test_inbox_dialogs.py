"""The inbox's shared dialogs in a real browser (e2e): one decision dialog and one
reassign dialog serve every row, each filled from the row whose button opened it.

The live server is another process: every change goes through the browser."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.factories import request_in_state
from workflows.models import MaterialRequest, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def state_of(material_request):
    return MaterialRequest.objects.get(pk=material_request.pk).state


def row_of(page, material_request):
    return page.locator(f"#tasks tr[data-request-id='{material_request.pk}']")


def test_one_dialog_decides_each_row_and_one_reassigns(users, units, login_as):
    first, second, third = (request_in_state(users, units, State.PENDING_APPROVAL) for _ in range(3))
    page = login_as("gerente")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/bandeja/")
    assert page.locator("dialog").count() == 3  # decision, reassign, bulk confirmation: whatever the rows
    dialog = page.locator("#decide-dialog")

    # "Devolver" on the first row: the dialog speaks of that request, return chosen.
    row_of(page, first).get_by_role("button", name="Devolver").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("h3")).to_have_text(f"{first.reference} · {first.title}")
    expect(dialog.get_by_label("Devolver a la unidad")).to_be_checked()
    # No reason: refused, and the page comes back with the dialog open on that request.
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Para devolver, indique el motivo.")
    expect(dialog.locator("h3")).to_have_text(f"{first.reference} · {first.title}")
    page.screenshot(path=str(ARTIFACTS / "inbox-dialog-refused.png"), full_page=True)
    assert state_of(first) == State.PENDING_APPROVAL
    dialog.get_by_label("Comentario (obligatorio para devolver)").fill("Corrija la fecha del evento.")
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(page.get_by_role("status")).to_contain_text(f"Solicitud {first.reference} devuelta a la unidad.")
    assert state_of(first) == State.DRAFT

    # "Aprobar" on another row: the same dialog, now about that one, nothing left over.
    row_of(page, second).get_by_role("button", name="Aprobar").click()
    expect(dialog.locator("h3")).to_have_text(f"{second.reference} · {second.title}")
    expect(dialog.get_by_label("Aprobar")).to_be_checked()
    expect(dialog.get_by_label("Comentario (obligatorio para devolver)")).to_have_value("")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_be_hidden()
    row_of(page, second).get_by_role("button", name="Aprobar").click()
    dialog.get_by_role("button", name="Confirmar decisión").click()
    expect(page.get_by_role("status")).to_contain_text(f"Solicitud {second.reference} aprobada.")
    assert state_of(second) == State.APPROVED

    # The reassign dialog, on the third row: handed to the other gerente.
    row_of(page, third).get_by_role("button", name="Reasignar").click()
    reassign = page.locator("#reassign-dialog")
    expect(reassign).to_be_visible()
    expect(reassign.locator("h3")).to_contain_text(third.reference)
    reassign.get_by_label("Reasignar a").select_option(label="gerente_rentas")
    reassign.get_by_role("button", name="Reasignar").click()
    expect(page.get_by_role("status")).to_contain_text("Tarea reasignada.")
    expect(row_of(page, third)).to_have_count(0)
    assert errors == []

    from approvals.services import current_task

    assert current_task(third).owner.username == "gerente_rentas"
