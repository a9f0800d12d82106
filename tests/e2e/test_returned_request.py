"""Issue 16 in a real browser: the unit's clerk, after a return, lands on their requests,
reads "Devuelta con observaciones" in the list and the banner at the top of the request;
each role lands where its work is."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import request_in_state
from workflows import services
from workflows.models import Decision, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OBSERVATION = "Falta el logo municipal y la fecha del evento."


def test_the_clerk_sees_the_return_in_the_list_and_at_the_top_of_the_request(users, units, login_as, screenshot):
    reviewer = users["revisor1"]
    reviewer.first_name, reviewer.last_name = "Rosa", "Quispe"
    reviewer.save(update_fields=["first_name", "last_name"])
    observed = services.observe_request(reviewer, request_in_state(users, units, State.IN_REVIEW), comment=OBSERVATION)
    decision = Decision.objects.filter(request=observed, action="observe").get()
    when = timezone.localtime(decision.created_at).strftime("%d/%m/%Y %H:%M")

    page = login_as("rentas1")
    # A unit's clerk lands on their requests.
    expect(page).to_have_url(re.compile(r"/solicitudes/$"))
    row = page.get_by_role("row").filter(has_text=observed.reference)
    expect(row.locator(".state")).to_have_text("Devuelta con observaciones")
    screenshot(page, "01-rentas1-list")

    row.get_by_role("link", name=observed.reference).click()
    banner = page.locator("#returned-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("heading", name="Devuelta con observaciones")).to_be_visible()
    expect(banner).to_contain_text(f"Observada por Rosa Quispe en la revisión, el {when}.")
    expect(banner.locator(".returned-observation")).to_have_text(OBSERVATION)
    # At the top: seen without scrolling, above the request's facts.
    box, facts = banner.bounding_box(), page.locator("dl.facts").first.bounding_box()
    viewport = page.viewport_size
    assert box["y"] + box["height"] <= viewport["height"]
    assert box["y"] < facts["y"]
    screenshot(page, "02-rentas1-banner")

    # Sent again: the banner is gone, and the list says what the request is now.
    page.locator("#actions summary", has_text="Enviar a revisión").click()
    page.get_by_role("button", name="Confirmar: Enviar a revisión").click()
    expect(page.locator("#request-state")).to_contain_text("En revisión")
    expect(page.locator("#returned-banner")).to_have_count(0)
    page.goto("/solicitudes/")
    expect(page.get_by_role("row").filter(has_text=observed.reference).locator(".state")).to_have_text("En revisión")


@pytest.mark.parametrize(
    ("username", "landing", "heading"),
    [
        ("gerente", r"/bandeja/$", "Lo que espera por usted"),
        ("transparencia", r"/transparencia/$", "Solicitudes de acceso a la información pública"),
    ],
)
def test_each_role_lands_where_its_work_is(users, login_as, screenshot, username, landing, heading):
    page = login_as(username)
    expect(page).to_have_url(re.compile(landing))
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    screenshot(page, f"landing-{username}")
