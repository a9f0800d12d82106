"""The gerente opens the civic calendar from the navigation, goes to next month and sees
its civic dates with the speeches and press releases they need, and which are late."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civic_calendar import services
from civic_calendar.models import Category
from tests.civic_calendar.conftest import PRESS_RELEASE, SPEECH, event_data, jefe_rentas  # noqa: F401 - a fixture
from workflows.models import Kind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_gerente_sees_next_months_civic_dates_and_what_is_late(users, units, jefe_rentas, login_as, screenshot):  # noqa: F811
    today = timezone.localdate()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    day = next_month + timedelta(days=6)
    gerente = users["gerente"]
    flag_day = services.create_event(
        gerente,
        data=event_data(
            units,
            title="Día de la Bandera",
            category=Category.CIVIC_DATE,
            all_day=True,
            start_time=None,
            end_time=None,
        )
        | {"start_date": day, "end_date": day},
        needs=[SPEECH, PRESS_RELEASE],
    )
    # A press release asked for 60 working days ahead: certainly late by now.
    late = services.add_need(
        gerente,
        flag_day,
        kind=Kind.PUBLICATION,
        publication_format="nota_prensa",
        title="Nota de prensa previa",
        lead_days=60,
    )
    assert late.is_late(today)
    late_count = sum(need.is_late(today) for need in flag_day.needs.all())

    page = login_as("gerente")
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Calendario").click()
    expect(page.get_by_role("heading", name=re.compile("Calendario cívico"))).to_be_visible()
    expect(page.locator("td[aria-current=date]")).to_have_attribute("data-date", today.isoformat())
    page.locator("#next-month").click()
    page.wait_for_url(re.compile(rf"\?mes={next_month:%Y-%m}$"))

    cell = page.locator(f'td[data-date="{day.isoformat()}"]')
    expect(cell).to_contain_text("Día de la Bandera")
    expect(cell).to_contain_text("Discurso del Alcalde")
    expect(cell).to_contain_text("Nota de prensa")
    expect(cell.locator(".badge-late")).to_have_count(late_count)
    expect(cell.locator(".cal-need.is-late")).to_have_count(late_count)
    expect(cell.locator(".cal-need.is-late").filter(has_text="Nota de prensa")).not_to_have_count(0)
    screenshot(page, "01-next-month")

    cell.get_by_role("link", name="Día de la Bandera").click()
    needs = page.locator("#needs")
    expect(needs).to_contain_text("Nota de prensa previa")
    expect(needs.locator("tr.is-late")).to_have_count(late_count)
    expect(page.locator("#spawn")).to_contain_text("ya vencida")
    screenshot(page, "02-event-needs")
