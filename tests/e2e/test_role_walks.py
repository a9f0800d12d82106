"""Each role's main pages at a desktop and two phone sizes (issue 16, points 1 and 9), in a
real browser: nothing scrolls the page sideways, the desktop header is one row and the
press archive breaks no word, the phone's menu button opens and closes the navigation,
the inbox's cards have thumb-sized buttons and the approval dialog fits the screen.

One server and one browser context per role; each page is loaded once and looked at in
the three sizes by resizing the viewport. A screenshot of every page at every size goes to
var/test-artifacts/ (<test>[<role>]-<step>-<page>-<size>.png)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organization.roles import Role
from organization.services import ensure_user
from tests.e2e.conftest import ACTION_TIMEOUT_MS
from tests.factories import PASSWORD, advance, create_request, request_in_state
from transparency import services as transparency_services
from transparency.models import TransparencyRequest
from workflows.models import Kind, State

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONES = ({"width": 390, "height": 844}, {"width": 360, "height": 740})
SIZES = (DESKTOP, *PHONES)
MIN_TAP = 44  # px, the smallest thing a thumb should have to hit

# A title with a word longer than a phone is wide: it must wrap, not widen the page.
LONG_TITLE = "Difusión de https://www.munidistrital.gob.pe/transparencia/convocatorias-2026/vacunacion-canina-gratuita"


# --- what the browser is asked -------------------------------------------------------------

PAGE_WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"

# The header's parts on a wide screen: the visible entries of the navigation (its links and
# the "Más" button) with their rows, and the boxes of the brand, the navigation and the
# person's menu, left to right, each with whether its content sticks out of it.
HEADER = """() => {
  const box = (selector) => {
    const e = document.querySelector(selector);
    const r = e.getBoundingClientRect();
    return {name: selector, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
            sticksOut: e.scrollWidth > e.clientWidth + 1};
  };
  const entries = [...document.querySelectorAll('.mainnav > a, .nav-more-toggle')]
    .filter((e) => e.getClientRects().length);
  return {
    rows: new Set(entries.map((e) => Math.round(e.getBoundingClientRect().top))).size,
    entries: entries.length,
    parts: [box('.brand'), box('.mainnav'), box('.usermenu')],
    toggleShown: !!document.querySelector('.menu-toggle').getClientRects().length,
  };
}"""

# Every word of the cells matched by `selector` that the browser split across two lines,
# and every cell whose content sticks out of it.
BROKEN_WORDS = """(selector) => {
  const found = [];
  for (const cell of document.querySelectorAll(selector)) {
    if (cell.scrollWidth > cell.clientWidth + 1) { found.push('sticks out: ' + cell.textContent.trim()); }
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) { found.push(match[0]); }
      }
    }
  }
  return found;
}"""

# Width and height of each visible element matched by `selector`, with its text.
SIZES_OF = """(selector) => [...document.querySelectorAll(selector)].filter((e) => e.getClientRects().length)
  .map((e) => {
    const r = e.getBoundingClientRect();
    const name = e.textContent.trim() || e.getAttribute('aria-label') || e.tagName;
    return [name, Math.round(r.width), Math.round(r.height)];
  })"""

# The decision dialog's box against the screen, and whether its content is wider than it.
DIALOG_FIT = """() => {
  const dialog = document.querySelector('#decide-dialog');
  const r = dialog.getBoundingClientRect();
  return {inside: r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight,
          box: [r.left, r.top, r.right, r.bottom, innerWidth, innerHeight],
          sideways: dialog.scrollWidth > dialog.clientWidth};
}"""


def size_name(size) -> str:
    return f"{size['width']}x{size['height']}"


class Walk:
    """One person's pages, each seen at every size; what is wrong is collected, so one run
    reports every page that overflows rather than the first."""

    def __init__(self, page, screenshot, pending):
        self.page, self.screenshot = page, screenshot
        self.pending = pending  # the request the gerente's approval dialog opens on
        self.problems: list[str] = []
        self.step = 0

    def check(self, ok, what):
        if not ok:
            self.problems.append(f"{self.page.url} @ {size_name(self.page.viewport_size)}: {what}")

    def fits(self):
        scroll_width, inner_width = self.page.evaluate(PAGE_WIDTHS)
        self.check(scroll_width <= inner_width, f"scrolls sideways ({scroll_width} > {inner_width})")

    def shoot(self, name):
        self.screenshot(self.page, f"{self.step:02d}-{name}-{size_name(self.page.viewport_size)}")

    def visit(self, name, path, *at_each_size):
        """Load `path` once, then at each size: no sideways scroll, a screenshot, and each
        `check(walk, size)` of `at_each_size` for what this page must also do there."""
        self.step += 1
        self.page.set_viewport_size(DESKTOP)
        response = self.page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        for size in SIZES:
            self.page.set_viewport_size(size)
            self.fits()
            if size == DESKTOP:
                self.header_is_one_row()
            for check in at_each_size:
                check(self, size)
            self.shoot(name)

    def header_is_one_row(self):
        header = self.page.evaluate(HEADER)
        self.check(not header["toggleShown"], "the menu button shows on a desktop")
        self.check(header["entries"] > 0 and header["rows"] == 1, f"the navigation takes {header['rows']} rows")
        parts = header["parts"]
        # One row: each part's top above the others' bottoms; side by side, none overlapping
        # the next, and none too narrow for what it holds.
        one_row = all(a["top"] < b["bottom"] and b["top"] < a["bottom"] for a in parts for b in parts)
        self.check(one_row, f"the brand, the navigation and the person's menu are not on one row: {parts}")
        for before, after in itertools.pairwise(parts):
            self.check(before["right"] <= after["left"], f"{before['name']} runs into {after['name']}")
        for part in parts:
            self.check(not part["sticksOut"], f"{part['name']} is too narrow for its content")


# --- the checks some pages add ---------------------------------------------------------------


def press_archive_fits(walk, size):
    if size != DESKTOP:
        return
    broken = walk.page.evaluate(BROKEN_WORDS, ".press-archive th, .press-archive td")
    walk.check(broken == [], f"the press archive breaks or overflows words: {broken}")
    holder = walk.page.locator(".press-archive").locator("xpath=..")
    wider = holder.evaluate("(element) => element.scrollWidth > element.clientWidth")
    walk.check(not wider, "the press archive scrolls inside its box")


# The labels a card's cells show before their values (generated content: not in innerText).
CELL_LABELS = """(card) => [...card.querySelectorAll('td')].filter((td) => td.getClientRects().length)
  .map((td) => getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))"""


def inbox_cards(walk, size):
    """On a phone each task is a card: its reference and title, unit and kind, the task,
    waiting since and the required date, and thumb-sized buttons; no column heads."""
    if size == DESKTOP:
        return
    page = walk.page
    card = page.locator("#tasks tr[data-request-id]").first
    expect(card).to_be_visible()
    heads_height = page.locator("#tasks thead").evaluate("(head) => head.getBoundingClientRect().height")
    walk.check(heads_height <= 1, "the inbox's column heads still show on a phone")
    walk.check(card.locator(".task-request a.mono").is_visible(), "the card does not show the reference")
    walk.check(" · " in card.locator(".task-request small").inner_text(), "the card does not show the unit and kind")
    labels = card.evaluate(CELL_LABELS)
    for label in ("Tarea: ", "Estado: ", "En espera desde: ", "Fecha requerida: "):
        walk.check(label in labels, f"the task card does not say {label!r}: {labels}")
    card_box = card.bounding_box()
    walk.check(
        card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= size["width"], "the card is wider than the screen"
    )
    tap = "#tasks .task-actions .btn, #tasks .task-actions .btn-link, #tasks .tap-check"
    targets = page.evaluate(SIZES_OF, tap)
    walk.check(bool(targets), "the task card has no buttons")
    for what, width, height in targets:
        walk.check(width >= MIN_TAP and height >= MIN_TAP, f"{what!r} is {width}×{height} px, under {MIN_TAP}")


def decision_dialog_fits(walk, size):
    """The gerente opens the approval dialog from the card (or row) of `pending`."""
    page = walk.page
    dialog = page.locator("#decide-dialog")
    page.locator(f"#tasks tr[data-request-id='{walk.pending.pk}']").get_by_role("button", name="Aprobar").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-review]")).not_to_have_attribute("aria-busy", "true")
    expect(dialog.locator("[data-review]")).to_contain_text(walk.pending.reference)
    fit = page.evaluate(DIALOG_FIT)
    walk.check(fit["inside"], f"the approval dialog is not inside the screen: {fit['box']}")
    walk.check(not fit["sideways"], "the approval dialog scrolls sideways")
    walk.fits()
    walk.shoot("approval-dialog")
    dialog.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_be_hidden()


def menu_button_works(walk, size):
    """At a phone's width the navigation hides behind "Menú": it opens with
    aria-expanded true and links of 44 px, and Escape closes it with the focus back."""
    if size == DESKTOP:
        return
    page = walk.page
    button = page.get_by_role("button", name="Menú")
    navigation = page.get_by_role("navigation", name="Navegación principal")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-menu")
    expect(navigation).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Solicitudes")).to_be_visible()
    walk.fits()
    for what, width, height in page.evaluate(SIZES_OF, "#site-menu a, #site-menu button, .menu-toggle"):
        walk.check(height >= MIN_TAP and width >= MIN_TAP, f"{what!r} in the menu is {width}×{height} px")
    walk.shoot("menu-open")
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()
    expect(button).to_be_focused()


# --- the data and the roles ------------------------------------------------------------------


@pytest.fixture
def office(users, units):
    """What the roles look at, built through the services: a request per stage of the
    office's work, one published, a citizen's access request about it, a unit's head."""
    roles = (Role.JEFE_UNIDAD, Role.SOLICITANTE)
    ensure_user("jefe_rentas", password=PASSWORD, roles=roles, units=(units["rentas"],))
    # The one the gerente decides on, with a word wider than a phone in its title.
    pending = advance(
        create_request(users["rentas1"], units["rentas"], Kind.CAMPAIGN, title=LONG_TITLE),
        State.PENDING_APPROVAL,
        users,
    )
    published = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    entry = transparency_services.register_request(
        users["transparencia"],
        data={
            "requester_name": "María Elena Quispe Huamán",
            "requester_document_type": "dni",
            "requester_document_number": "45678912",
            "requester_email": "mequispe@correo.example",
            "channel": "presencial",
            "received_at": timezone.now() - timedelta(days=1),
            "requested_information": f"Quién aprobó {published.reference} y cuándo.",
        },
    )
    transparency_services.link_material_request(users["transparencia"], entry, published)
    return {
        "draft": create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION),
        "in_review": request_in_state(users, units, State.IN_REVIEW, kind=Kind.SPEECH),
        "pending": pending,
        "approved": request_in_state(users, units, State.APPROVED, kind=Kind.SIGNAGE),
        "published": published,
        "entry": TransparencyRequest.objects.get(pk=entry.pk),
    }


def role_pages(role, office):
    """Each role's main story: the page it lands on after logging in (organization.landing:
    its inbox, its requests, the register, the audit log), a request, what its job reads,
    then the press archive and the public record."""
    published = office["published"]
    request_page = lambda key: (f"request-{key}", f"/solicitudes/{office[key].pk}/")  # noqa: E731
    inbox = ("inbox", "/bandeja/", inbox_cards)
    shared = [
        ("press-archive", "/prensa/", press_archive_fits),
        ("public-record", "/publico/"),
        ("public-entry", f"/publico/{published.reference}/"),
    ]
    return {
        "rentas1": [("requests", "/solicitudes/"), request_page("draft"), *shared],
        "jefe_rentas": [("requests", "/solicitudes/"), request_page("pending"), *shared],
        "revisor1": [inbox, request_page("in_review"), *shared],
        "gerente": [inbox, request_page("pending"), *shared],
        "publicador": [inbox, request_page("approved"), *shared],
        "transparencia": [
            ("register", "/transparencia/"),
            ("register-entry", f"/transparencia/{office['entry'].pk}/"),
            ("dossier", f"/expedientes/transparencia/{office['entry'].pk}/"),
            request_page("published"),
            *shared,
        ],
        "auditor": [
            ("audit-log", "/auditoria/"),
            ("audit-timeline", f"/auditoria/solicitudes/{published.pk}/"),
            request_page("published"),
            *shared,
        ],
        "admin": [
            ("requests", "/solicitudes/"),
            request_page("pending"),
            ("register", "/transparencia/"),
            ("audit-log", "/auditoria/"),
            *shared,
        ],
    }[role]


ROLES = ["rentas1", "jefe_rentas", "revisor1", "gerente", "publicador", "transparencia", "auditor", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_walks_its_pages_at_desktop_and_phone_sizes(role, office, login_as, screenshot):
    (name, landing, *checks), *pages = role_pages(role, office)
    page = login_as(role)
    assert page.url.endswith(landing)
    walk = Walk(page, screenshot, office["pending"])

    # Where the person lands, with the phone's menu opened and closed at each phone size.
    walk.visit(name, landing, menu_button_works, *checks)
    for step in pages:
        walk.visit(*step)
    if role == "gerente":
        walk.visit("approval", "/bandeja/", decision_dialog_fits)
    assert walk.problems == [], "\n".join(walk.problems)


def test_the_many_links_of_the_admin_fold_under_mas_on_a_desktop(users, login_as, screenshot):
    """The superuser's twelve destinations would wrap the header: the office's tools fold
    under "Más", a disclosure button like the phone's menu."""
    page = login_as("admin")
    page.set_viewport_size(DESKTOP)
    navigation = page.get_by_role("navigation", name="Navegación principal")
    more = navigation.get_by_role("button", name="Más")
    expect(navigation.get_by_role("link", name="Auditoría")).to_be_visible()
    expect(navigation.get_by_role("link", name="Expedientes")).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Expedientes")).to_be_visible()
    expect(navigation.get_by_role("link", name="Administración")).to_be_visible()
    screenshot(page, "more-open")
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_be_focused()
    expect(navigation.get_by_role("link", name="Expedientes")).to_be_hidden()
    # A click elsewhere closes it too.
    more.click()
    page.locator("main h1").click()
    expect(more).to_have_attribute("aria-expanded", "false")


def test_without_scripts_the_phone_keeps_the_navigation_open(users, browser, daphne_server, screenshot):
    """The menu folds only once its script runs: with scripts off, the links are there."""
    context = browser.new_context(base_url=daphne_server, locale="es-PE", viewport=PHONES[1], java_script_enabled=False)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/ingresar/")
        page.get_by_label("Usuario").fill("rentas1")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url(lambda url: "/ingresar/" not in url)
        navigation = page.get_by_role("navigation", name="Navegación principal")
        expect(navigation.get_by_role("link", name="Solicitudes")).to_be_visible()
        expect(navigation.get_by_role("link", name="Nueva solicitud")).to_be_visible()
        expect(page.get_by_role("button", name="Menú")).to_be_hidden()
        assert page.evaluate(PAGE_WIDTHS)[0] <= PHONES[1]["width"]
        screenshot(page, "no-script")
    finally:
        context.close()
