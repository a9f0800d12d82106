"""The pages work under the Content-Security-Policy, in a real browser (e2e).

The policy (config/settings/base.py) refuses inline scripts, handlers and styles; a page
that still used one would lose that piece silently. Here Chromium reports every
`securitypolicyviolation` event, console error and uncaught exception on the key pages,
and each page's own JavaScript is seen working: the live socket connects (connect-src
'self' covers the same-origin websocket), the inbox's dialog opens, the calendar's feed
field selects itself, the press summary's bars get their widths."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ACTION_TIMEOUT_MS
from tests.factories import PASSWORD, request_in_state
from workflows.models import State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT_MS = 5_000

# Installed before any page script, through the DevTools protocol (which the policy does not
# govern): every violation the page raises lands in window.__cspViolations.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") +
    " " + event.sourceFile + ":" + event.lineNumber);
});
"""


class Watched:
    """A logged-in person's page, with what went wrong on it collected."""

    def __init__(self, browser, base_url):
        self.context = browser.new_context(base_url=base_url, locale="es-PE", viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: uncaught {error}"))

    def _console(self, message):
        # Chromium also logs a refused inline script or style as a console error.
        if message.type == "error":
            self.problems.append(f"{self.page.url}: console: {message.text}")

    def visit(self, path):
        response = self.page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        return self.page

    def assert_clean(self):
        """No violation on the current page (call before leaving it), nothing in the console."""
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [], f"{self.page.url}: {violations}"
        assert self.problems == []

    def log_in(self, username):
        page = self.visit("/ingresar/")
        self.assert_clean()
        page.get_by_label("Usuario").fill(username)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url(lambda url: "/ingresar/" not in url)  # each role lands on its own page
        return page


@pytest.fixture
def watched(browser, daphne_server):
    opened = []

    def open_as(username):
        person = Watched(browser, daphne_server)
        opened.append(person)
        person.log_in(username)
        return person

    yield open_as
    for person in opened:
        person.context.close()


def wait_live(page):
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=LIVE_TIMEOUT_MS)


def test_the_key_pages_work_under_the_policy(users, units, watched, screenshot):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)

    gerente = watched("gerente")
    page = gerente.page
    # The landing page (the gerente's inbox): the live socket connects under connect-src 'self'.
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    wait_live(page)
    gerente.assert_clean()

    # A request's page and its actions (the approval's confirmation opens in place).
    gerente.visit(f"/solicitudes/{pending.pk}/")
    wait_live(page)
    page.locator("#actions summary", has_text="Aprobar").click()
    expect(page.get_by_role("button", name="Confirmar: Aprobar")).to_be_visible()
    gerente.assert_clean()

    # The inbox: socket connected, the shared decision dialog opened by inbox.js.
    gerente.visit("/bandeja/")
    wait_live(page)
    page.locator(f"#tasks tr[data-request-id='{pending.pk}']").get_by_role("button", name="Devolver").click()
    dialog = page.locator("#decide-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Devolver a la unidad")).to_be_checked()
    screenshot(page, "inbox-dialog")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_be_hidden()
    gerente.assert_clean()

    # The calendar month: the feed address field selects itself on click (page.js, which
    # replaced an onclick attribute).
    gerente.visit("/calendario/")
    page.get_by_role("button", name="Crear mi dirección de suscripción").click()
    field = page.locator("#feed-url")
    expect(field).to_be_visible()
    field.click()
    start, end, length = field.evaluate("f => [f.selectionStart, f.selectionEnd, f.value.length]")
    assert start == 0
    assert end == length > 0
    gerente.assert_clean()

    # The press summary: each tone's bar gets its width from data-share (was a style attribute).
    gerente.visit("/prensa/seguimiento/resumen/")
    bars = page.locator(".press-bar[data-share]")
    expect(bars.first).to_be_attached()
    for share, width in bars.evaluate_all("bars => bars.map(b => [b.dataset.share, b.style.width])"):
        assert width == f"{share}%"
    gerente.assert_clean()

    # The audit log, for the auditor.
    auditor = watched("auditor")
    auditor.visit("/auditoria/")
    expect(auditor.page.get_by_role("heading", level=1)).to_be_visible()
    wait_live(auditor.page)
    auditor.assert_clean()
