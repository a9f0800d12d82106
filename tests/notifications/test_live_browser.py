"""static/js/live.js in a real browser against the live daphne server (e2e).

Two people in two browser contexts: the author keeps a request's page open while a
reviewer acts on it in the other one; the author's page updates by itself. Then the
author's socket is cut (Playwright's WebSocket routing), the reviewer acts again while it
is down, and the page catches up after the script reconnects. The author's page is
served under a strict Content-Security-Policy (no inline script, no eval): live.js needs
neither.

The live server is another process with its own in-memory channel layer: every change
here goes through the browser (daphne), never through the test process's services.

Playwright is started and stopped inside the test, so its event loop never overlaps
the asyncio tests of this package (see tests/e2e/conftest.py on the `browser` fixture).
"""

import re
import threading

import pytest
from playwright.sync_api import expect

from tests.conftest import skip_or_fail
from tests.e2e.conftest import (  # noqa: F401 - daphne_server is a fixture used by name
    ACTION_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _orm_allowed_beside_playwright,
    daphne_server,
)
from tests.factories import PASSWORD, request_in_state
from workflows.models import State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:"


def login(browser, base_url, username):
    context = browser.new_context(base_url=base_url, locale="es-PE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    page.goto("/ingresar/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(lambda url: "/ingresar/" not in url)  # each role lands on its own page
    return context, page


def act(page, label, comment):
    page.locator("#actions summary", has_text=label).click()
    if comment:
        page.locator("#actions details[open] textarea").fill(comment)
    page.get_by_role("button", name=f"Confirmar: {label}").click()


LIVE_EVENTS = ["live:notification", "live:request-changed", "live:reconnected"]


def listen(page):
    """Record the events live.js dispatches for other scripts (the inbox listens to them)."""
    page.evaluate(
        "names => { window.heard = []; names.forEach(n => document.addEventListener(n, () => window.heard.push(n))); }",
        LIVE_EVENTS,
    )


def heard(page):
    return page.evaluate("() => window.heard")


def test_the_open_page_follows_the_request_live_and_after_a_reconnection(users, units, daphne_server):  # noqa: F811
    if not CHROMIUM.exists():
        skip_or_fail(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    in_review = request_in_state(users, units, State.IN_REVIEW)
    detail = f"/solicitudes/{in_review.pk}/"

    with _orm_allowed_beside_playwright(), sync_playwright() as playwright:
        # A page fulfilled by Playwright's routing (to add the CSP header) has no local
        # address of its own, so Chromium's local-network checks would block its socket.
        args = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            author_context, author = login(browser, daphne_server, "rentas1")
            sockets = []
            cut = threading.Event()

            def route(ws):
                # While "cut", the server is unreachable: the page's socket closes at once.
                if cut.is_set():
                    ws.close(code=4000, reason="corte de red simulado")
                    return
                ws.connect_to_server()
                sockets.append(ws)

            def strict_csp(route):
                # The request's page under a policy with no inline script and no eval.
                response = route.fetch()
                route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

            author.route(re.compile(r"/solicitudes/\d+/$"), strict_csp)
            author.route_web_socket(re.compile(r"/ws/notificaciones/$"), route)
            errors = []
            author.on("pageerror", lambda error: errors.append(str(error)))
            author.on(
                "console",
                lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
            )
            author.goto(detail)
            expect(author.locator("body")).to_have_attribute("data-live", "connected")
            expect(author.locator("#request-state .state")).to_have_text("En revisión")
            # The policy is in force: an inline script is refused (and reported once).
            author.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }"
            )
            assert author.evaluate("() => window.inlineRan === undefined")
            author.wait_for_timeout(200)
            assert len(errors) == 1 and "inline" in errors[0], errors
            errors.clear()
            expect(author.locator("#bell-count")).to_be_hidden()
            listen(author)

            # Live: the reviewer observes it; the author's page changes without a reload.
            reviewer_context, reviewer = login(browser, daphne_server, "revisor1")
            reviewer.goto(detail)
            act(reviewer, "Devolver con observaciones", "Falta el presupuesto detallado.")
            expect(author.locator("#request-state .state")).to_have_text("Borrador")
            expect(author.locator("#request-state .state")).to_have_class("state state-borrador")
            expect(author.locator("#request-state")).to_have_attribute("data-state", "borrador")
            expect(author.locator("#bell-count")).to_have_text("1")
            expect(author.locator("#bell-count")).to_be_visible()
            assert re.search(r"\b1\b", author.locator("#bell").get_attribute("aria-label"))
            assert {"live:notification", "live:request-changed"} <= set(heard(author))
            assert "live:reconnected" not in heard(author)

            # The author submits again; then the socket is cut and the reviewer observes it
            # again while the author's page cannot hear anything.
            author.goto(detail)
            expect(author.locator("body")).to_have_attribute("data-live", "connected")
            act(author, "Enviar a revisión", "")
            expect(author.locator("#request-state .state")).to_have_text("En revisión")
            expect(author.locator("body")).to_have_attribute("data-live", "connected")
            # Sending it again is the correction the observations asked for: they are done,
            # so the bell no longer counts them (issue 16).
            expect(author.locator("#bell-count")).to_have_text("0")
            expect(author.locator("#bell-count")).to_be_hidden()
            listen(author)
            cut.set()
            sockets[-1].close(code=4000, reason="corte de red simulado")
            expect(author.locator("body")).to_have_attribute("data-live", "disconnected")
            reviewer.goto(detail)
            act(reviewer, "Devolver con observaciones", "Falta también el cronograma.")
            expect(reviewer.locator("#request-state .state")).to_have_text("Borrador")
            expect(author.locator("#request-state .state")).to_have_text("En revisión")

            # The network comes back: the script reconnects and asks what it missed.
            cut.clear()
            expect(author.locator("body")).to_have_attribute("data-live", "connected", timeout=20_000)
            expect(author.locator("#request-state .state")).to_have_text("Borrador")
            expect(author.locator("#bell-count")).to_have_text("1")
            assert {"live:reconnected", "live:notification", "live:request-changed"} <= set(heard(author))
            assert errors == []

            # Logging out elsewhere in the same session closes the socket for good.
            author_context.request.post(
                "/salir/",
                form={"csrfmiddlewaretoken": author.locator("input[name=csrfmiddlewaretoken]").first.input_value()},
                headers={"Referer": daphne_server + detail},
            )
            expect(author.locator("body")).to_have_attribute("data-live", "disconnected")
            reviewer_context.close()
            author_context.close()
        finally:
            browser.close()
