"""The bell counts what needs you (issue 16, point 4), in a real browser against daphne.

Two people in two browser contexts: when one reviewer forwards a request, the other
reviewer's "new submission" notification is done ("Atendida", derived from the forward's
decision) and their bell falls, without a reload; the inbox's own count says the same. The reviewer's browser runs in
Tokyo's time zone: a notification inserted live reads exactly like the one the server
renders after a reload (badge, "Marcar como leída", the date in the municipality's zone).
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.asks import done
from notifications.models import Kind, Notification
from tests.factories import create_request

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT_MS = 5_000
BROWSER_ZONE = "Asia/Tokyo"  # far from the municipality's (settings.TIME_ZONE, America/Lima)

# A notification row as the reader sees it: its classes (the live "flash" aside), its data,
# and each element with its attributes and text; whitespace between elements is not seen.
SNAPSHOT = """(li) => ({
  classes: [...li.classList].filter((name) => name !== "notification-new").sort(),
  id: li.dataset.id,
  kind: li.dataset.kind || null,
  request: li.dataset.request || null,
  step: li.dataset.step || null,
  children: [...li.children].map((child) => ({
    tag: child.tagName,
    attributes: Object.fromEntries([...child.attributes].map((a) => [a.name, a.value]).sort()),
    text: child.textContent.trim(),
  })),
})"""


def run_action(page, label):
    page.locator("#actions summary", has_text=label).click()
    page.get_by_role("button", name=f"Confirmar: {label}").click()


def wait_live(page):
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)


def counts(page) -> tuple[str, str]:
    """The bell's count and the inbox's own ("N sin leer")."""
    bell = page.locator("#bell-count").text_content().strip()
    listed = re.search(r"\d+", page.locator("#notification-unread").text_content()).group()
    return bell, listed


def test_the_bell_falls_when_a_colleague_does_the_task_and_live_rows_match_the_server(
    users, units, login_as, screenshot
):
    draft = create_request(users["rentas1"], units["rentas"])

    # revisor2's inbox is open in a browser that lives in Tokyo.
    reviewer = login_as("revisor2", timezone_id=BROWSER_ZONE)
    assert reviewer.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE
    reviewer.goto("/bandeja/")
    wait_live(reviewer)
    bell = reviewer.locator("#bell-count")
    expect(bell).to_be_hidden()
    expect(reviewer.locator("#notification-unread")).to_be_hidden()

    # The unit sends the draft to review: revisor2 is told, live.
    author = login_as("rentas1")
    author.goto(f"/solicitudes/{draft.pk}/")
    run_action(author, "Enviar a revisión")
    expect(author.locator("#request-state")).to_contain_text("En revisión")
    note = Notification.objects.get(recipient=users["revisor2"], request=draft, kind=Kind.NEW_SUBMISSION)
    row = reviewer.locator(f"#notification-list li[data-id='{note.pk}']")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(bell).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    assert counts(reviewer) == ("1", "1")
    task = reviewer.locator(f"#tasks [data-request-id='{draft.pk}']")
    expect(task.first).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    screenshot(reviewer, "01-revisor2-told-live-in-tokyo")
    inserted = row.evaluate(SNAPSHOT)
    assert (inserted["request"], inserted["step"]) == (str(draft.pk), "review")

    # The date reads in the municipality's zone (Lima), not the browser's (Tokyo).
    local = timezone.localtime(note.created_at)
    assert row.locator("time").text_content() == local.strftime("%d/%m/%Y %H:%M")
    assert row.locator("time").get_attribute("datetime") == local.isoformat()
    assert row.locator(".chip").first.text_content() == "Nueva solicitud para revisar"
    expect(row.get_by_role("button", name="Marcar como leída")).to_be_visible()

    # After a reload, the server renders exactly the same row.
    reviewer.reload()
    wait_live(reviewer)
    assert row.evaluate(SNAPSHOT) == inserted
    assert counts(reviewer) == ("1", "1")

    # revisor1, in another browser, forwards it: revisor2's task is done by a colleague.
    colleague = login_as("revisor1")
    colleague.goto(f"/solicitudes/{draft.pk}/")
    run_action(colleague, "Derivar a aprobación")
    expect(colleague.locator("#request-state")).to_contain_text("Pendiente de aprobación")

    # Without a reload, revisor2's bell falls, the inbox's count with it, the row is "Atendida".
    expect(bell).to_be_hidden(timeout=LIVE_TIMEOUT_MS)
    expect(reviewer.locator("#notification-unread")).to_be_hidden()
    expect(row).to_contain_text("Atendida")
    expect(row).not_to_have_class(re.compile(r"\bunread\b"))
    expect(row.get_by_role("button", name="Marcar como leída")).to_have_count(0)
    assert counts(reviewer) == ("0", "0")
    # The task revisor1 did leaves revisor2's list too.
    expect(task).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    screenshot(reviewer, "02-revisor2-bell-fell")
    resolved_live = row.evaluate(SNAPSHOT)

    # Done, not read: derived from revisor1's decision, nothing was written on it.
    note = Notification.objects.filter(pk=note.pk).annotate(is_done=done()).get()
    assert note.is_done and note.read_at is None

    # And the server, after a reload, shows that row as the live page did.
    reviewer.reload()
    wait_live(reviewer)
    assert row.evaluate(SNAPSHOT) == resolved_live
    expect(bell).to_be_hidden()
    screenshot(reviewer, "03-revisor2-after-reload")
