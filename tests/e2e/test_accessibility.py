"""Issue 16, point 8: every page of every role passes axe-core (WCAG 2.0/2.1, A and AA) in the
real browser with no serious or critical violation, on a desktop and on a phone; ids are
unique; the inbox's dialogs keep the keyboard inside and give focus back; live updates are
announced politely.

One server and one browser context per role (parametrized), the page reused from step to
step; each step brings the page to a state (a list, a form, a dialog open), then axe runs at
1366×768 and again at 390×844. The failure lists every violation of every page at once.

axe-core comes inside the axe-playwright-python wheel (requirements-dev.txt): nothing is
downloaded when the tests run."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from civic_calendar import services as calendar_services
from civic_calendar.models import Category
from organization.roles import Role
from organization.services import create_delegation, ensure_user
from press import services as press_services
from press.demo import tiny_png
from reports.periods import previous_month
from reports.services import generate_report
from tests.factories import PASSWORD, advance, create_request, request_in_state
from transparency import services as transparency_services
from workflows import services
from workflows.models import Kind, MaterialRequest, PublicationFormat, State

from ..documents.helpers import edit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1366x768": {"width": 1366, "height": 768}, "390x844": {"width": 390, "height": 844}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
KINDS = [kind.value for kind in Kind]

# Ids that appear more than once in the document (a label or an aria reference would then
# point at the wrong element); axe's own duplicate-id rules are deprecated or only cover ids
# referenced from ARIA.
DUPLICATE_IDS_JS = """() => {
  const seen = {}, twice = new Set();
  document.querySelectorAll('[id]').forEach((el) => { if (seen[el.id]) { twice.add(el.id); } seen[el.id] = true; });
  return Array.from(twice);
}"""

# Labels and ARIA references that point at no element: a label tied to nothing, a field
# "described by" a help text or an error that is not there.
DANGLING_REFERENCES_JS = """() => {
  const missing = [];
  const exists = (id) => Boolean(id) && document.getElementById(id) !== null;
  document.querySelectorAll('label[for]').forEach((label) => {
    if (!exists(label.htmlFor)) {
      missing.push(`label[for="${label.htmlFor}"] «${label.textContent.trim().slice(0, 40)}»`);
    }
  });
  ['aria-labelledby', 'aria-describedby', 'aria-controls'].forEach((attribute) => {
    document.querySelectorAll(`[${attribute}]`).forEach((element) => {
      element.getAttribute(attribute).split(/\\s+/).filter(Boolean).forEach((id) => {
        if (!exists(id)) { missing.push(`${element.tagName.toLowerCase()}[${attribute}] -> #${id}`); }
      });
    });
  });
  return missing;
}"""

# Open every <details> (the request page's action forms, sharing, scheduling…) so that what
# they hold is checked too, then wait for the fragments they load (page.js): each one loaded,
# or its failure said.
OPEN_DETAILS_JS = "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
FRAGMENTS_SETTLED_JS = """() => Array.from(document.querySelectorAll('[data-fragment-url]')).every(
  (holder) => holder.dataset.fragmentState === 'loaded' || holder.querySelector('[role=alert]') !== null
)"""


@dataclass
class Findings:
    """What axe and the id checks found, page by page, reported all at once."""

    lines: list[str] = field(default_factory=list)
    pages: int = 0

    def report(self) -> str:
        return f"{len(self.lines)} accessibility problem(s) in {self.pages} page checks:\n" + "\n".join(self.lines)


def run_axe(page):
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def check(page, findings: Findings, label: str) -> None:
    """Run axe and the id checks at both sizes on the page as it stands."""
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        # The page's resize handlers (page.js: a table that now scrolls takes the focus) run
        # before the next frame.
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
        findings.pages += 1
        where = f"[{label} @ {size}] {page.url}"
        for violation in run_axe(page):
            if violation["impact"] not in BLOCKING_IMPACTS:
                continue
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:8])
            more = f" (+{len(violation['nodes']) - 8} more)" if len(violation["nodes"]) > 8 else ""
            findings.lines.append(
                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} -> {targets}{more}"
            )
        duplicates = page.evaluate(DUPLICATE_IDS_JS)
        if duplicates:
            findings.lines.append(f"{where}: duplicate ids: {', '.join(sorted(duplicates))}")
        dangling = page.evaluate(DANGLING_REFERENCES_JS)
        if dangling:
            findings.lines.append(f"{where}: references to missing ids: {'; '.join(dangling)}")


def visit(page, path: str, *, status: int = 200):
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"
    page.evaluate(OPEN_DETAILS_JS)
    page.wait_for_function(FRAGMENTS_SETTLED_JS)
    return page


# --- the data: everything each role's pages show, built through the services ---------------


def jefe_de_unidad(users, units):
    return ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD, Role.SOLICITANTE),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )


def build_world(users, units) -> SimpleNamespace:
    today = timezone.localdate()
    users["jefe_rentas"] = jefe_de_unidad(users, units)
    drafts = {kind: create_request(users["rentas1"], units["rentas"], kind) for kind in KINDS}
    returned = services.observe_request(
        users["revisor1"], request_in_state(users, units, State.IN_REVIEW), comment="Falta el logo municipal."
    )
    in_review = request_in_state(users, units, State.IN_REVIEW, kind=Kind.SPEECH)
    # Pending approval, one of them returned once and edited: its review shows a comparison.
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    resubmitted = services.ACTION_SERVICES["return"](
        users["gerente"], request_in_state(users, units, State.PENDING_APPROVAL), comment="Precise el público."
    )
    edit(users["rentas1"], resubmitted, title="Campaña de vacunación felina")
    resubmitted = advance(MaterialRequest.objects.get(pk=resubmitted.pk), State.PENDING_APPROVAL, users)
    approved = request_in_state(users, units, State.APPROVED, kind=Kind.PUBLICATION)
    published = request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION)
    withdrawn = request_in_state(users, units, State.WITHDRAWN, kind=Kind.SIGNAGE)

    entry = transparency_services.register_request(
        users["transparencia"],
        data={
            "requester_name": "María Elena Quispe Huamán",
            "requester_document_type": "dni",
            "requester_document_number": "45678912",
            "requester_email": "mequispe@correo.example",
            "requester_phone": "987 111 222",
            "requester_address": "Jr. Junín 123",
            "channel": "presencial",
            "received_at": timezone.now() - timedelta(days=2),
            "requested_information": f"Quién aprobó la publicación {published.reference}.",
        },
    )
    transparency_services.link_material_request(users["transparencia"], entry, published)

    start = today + timedelta(days=40)
    event = calendar_services.create_event(
        users["gerente"],
        data={
            "title": "Ceremonia de aniversario del distrito",
            "category": Category.CEREMONY,
            "description": "Sesión solemne y desfile cívico.",
            "start_date": start,
            "end_date": start,
            "all_day": False,
            "start_time": time(10, 0),
            "end_time": time(12, 0),
            "place": "Plaza principal",
            "unit": units["rentas"],
            "internal": False,
        },
        needs=[(Kind.SPEECH.value, ""), (Kind.PUBLICATION.value, PublicationFormat.PRESS_RELEASE.value)],
    )
    coverage = press_services.record_coverage(
        users["revisor1"],
        data={
            "medium": "Diario La Voz",
            "medium_type": "prensa",
            "published_on": published.publication_date,
            "headline": "La municipalidad anuncia la campaña",
            "url": "",
            "tone": "positive",
            "request": published,
            "notes": "",
        },
        clipping=SimpleUploadedFile("recorte.png", tiny_png()),
    )
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="RG-010-2026",
    )
    generate_report(users["gerente"], previous_month())
    return SimpleNamespace(
        drafts=drafts,
        returned=returned,
        in_review=in_review,
        pending=pending,
        resubmitted=resubmitted,
        approved=approved,
        published=published,
        withdrawn=withdrawn,
        entry=entry,
        event=event,
        coverage=coverage,
    )


# --- each role's pages --------------------------------------------------------------------

Step = tuple[str, Callable]


def go(path: str, **kwargs) -> Callable:
    return lambda page, world: visit(page, path.format(w=world), **kwargs)


def request_pages(*names: str) -> list[Step]:
    return [(f"request {name}", go(f"/solicitudes/{{w.{name}.pk}}/")) for name in names]


def open_decision_dialog(page, world):
    visit(page, "/bandeja/")
    page.locator(f"#tasks tr[data-request-id='{world.resubmitted.pk}']").get_by_role("button", name="Aprobar").click()
    expect(page.locator("#decide-dialog .version-review")).to_be_visible()


def open_bulk_confirmation(page, world):
    visit(page, "/bandeja/")
    for material_request in (world.pending, world.resubmitted):
        page.get_by_label(f"Seleccionar {material_request.reference}").check()
    page.get_by_role("button", name="Aprobar seleccionadas").click()
    expect(page.locator("#bulk-confirm-dialog")).to_be_visible()


def refused_create_form(page, world):
    """The server's answer to an empty form: every field with its error (the browser's own
    checks are switched off to get there)."""
    visit(page, "/solicitudes/nueva/campaign/")
    page.evaluate("() => document.querySelectorAll('[required]').forEach((field) => field.removeAttribute('required'))")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator(".has-error").first).to_be_visible()


def failed_login(page, world):
    visit(page, "/ingresar/")
    page.get_by_label("Usuario").fill("nadie")
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("alert")).to_be_visible()


def verify_a_copy(page, world):
    visit(page, f"/publico/{world.published.reference}/")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "copia.docx", "mimeType": "application/octet-stream", "buffer": b"no es el publicado"}]
    )
    page.locator("form[action$='/verificar/'] button[type=submit]").click()
    expect(page.locator("#verify-result")).to_contain_text("No coincide")


NOT_FOUND = [("404", go("/solicitudes/999999/", status=404))]
CLERK = [
    ("request list", go("/solicitudes/")),
    ("request list, a wrong filter", go("/solicitudes/?state=nada&date_from=ayer", status=400)),
    ("kind choice", go("/solicitudes/nueva/")),
    *[(f"create {kind}", go(f"/solicitudes/nueva/{kind}/")) for kind in KINDS],
    ("create refused", refused_create_form),
    *[(f"request {kind}", go(f"/solicitudes/{{w.drafts[{kind}].pk}}/")) for kind in KINDS],
    *[(f"edit {kind}", go(f"/solicitudes/{{w.drafts[{kind}].pk}}/editar/")) for kind in KINDS],
    *request_pages("returned", "in_review", "published"),
    ("versions", go("/solicitudes/{w.published.pk}/versiones/")),
    ("inbox and notifications", go("/bandeja/")),
    ("notification preferences", go("/notificaciones/preferencias/")),
    ("calendar", go("/calendario/")),
    ("calendar list", go("/calendario/lista/")),
    ("event", go("/calendario/eventos/{w.event.pk}/")),
    ("press archive", go("/prensa/")),
    ("press archive entry", go("/prensa/archivo/{w.published.pk}/")),
    *NOT_FOUND,
]
ROLE_PAGES = {
    "rentas1": CLERK,
    "jefe_rentas": [
        ("request list", go("/solicitudes/")),
        *request_pages("returned", "pending"),
        ("inbox", go("/bandeja/")),
        ("calendar", go("/calendario/")),
    ],
    "revisor1": [
        ("inbox", go("/bandeja/")),
        *request_pages("in_review", "returned"),
        ("edit in review", go("/solicitudes/{w.in_review.pk}/editar/")),
        ("urgent", go("/solicitudes/urgentes/")),
        ("press monitoring", go("/prensa/seguimiento/")),
        ("coverage form", go("/prensa/seguimiento/nueva/")),
        ("coverage edit", go("/prensa/seguimiento/{w.coverage.pk}/editar/")),
        ("coverage summary", go("/prensa/seguimiento/resumen/")),
        ("journalists", go("/directorio/")),
        ("journalist form", go("/directorio/periodistas/nuevo/")),
        ("outlets", go("/directorio/medios/")),
        ("outlet form", go("/directorio/medios/nuevo/")),
        ("institutions", go("/directorio/instituciones/")),
        ("distribution lists", go("/directorio/listas/")),
        ("distribution list form", go("/directorio/listas/nueva/")),
        ("directory import", go("/directorio/importar/")),
    ],
    "gerente": [
        ("inbox", go("/bandeja/")),
        ("decision dialog open", open_decision_dialog),
        ("bulk confirmation open", open_bulk_confirmation),
        *request_pages("resubmitted", "pending", "published", "withdrawn"),
        ("versions", go("/solicitudes/{w.resubmitted.pk}/versiones/")),
        ("version comparison", go("/solicitudes/{w.resubmitted.pk}/versiones/comparar/?a=1&b=2")),
        ("delegations", go("/organizacion/encargaturas/")),
        ("reports", go("/informes/")),
        ("event form", go("/calendario/eventos/nuevo/")),
        ("event edit", go("/calendario/eventos/{w.event.pk}/editar/")),
        ("event", go("/calendario/eventos/{w.event.pk}/")),
        ("calendar", go("/calendario/")),
        ("urgent", go("/solicitudes/urgentes/")),
        ("coverage summary", go("/prensa/seguimiento/resumen/")),
    ],
    "publicador": [
        ("inbox", go("/bandeja/")),
        *request_pages("approved", "published"),
        ("distribution", go("/directorio/difusion/{w.published.pk}/")),
        ("press archive", go("/prensa/")),
        ("press archive entry", go("/prensa/archivo/{w.published.pk}/")),
        ("press monitoring", go("/prensa/seguimiento/")),
    ],
    "transparencia": [
        ("register", go("/transparencia/")),
        ("register form", go("/transparencia/nueva/")),
        ("entry", go("/transparencia/{w.entry.pk}/")),
        ("entry edit", go("/transparencia/{w.entry.pk}/editar/")),
        ("entry dossier", go("/expedientes/transparencia/{w.entry.pk}/")),
        ("request dossier", go("/expedientes/solicitudes/{w.published.pk}/")),
        ("dossiers", go("/expedientes/")),
        ("audit log", go("/auditoria/")),
        ("request timeline", go("/auditoria/solicitudes/{w.published.pk}/")),
        ("reports", go("/informes/")),
        *request_pages("published"),
    ],
    "auditor": [
        ("audit log", go("/auditoria/")),
        ("request timeline", go("/auditoria/solicitudes/{w.published.pk}/")),
        ("checkpoints", go("/auditoria/puntos-de-control/")),
        ("register", go("/transparencia/")),
        ("entry", go("/transparencia/{w.entry.pk}/")),
        ("403", go("/transparencia/nueva/", status=403)),
        ("reports", go("/informes/")),
        *request_pages("published"),
    ],
    "admin": [
        ("inbox", go("/bandeja/")),
        ("request list", go("/solicitudes/")),
        *request_pages("pending"),
        ("checkpoints", go("/auditoria/puntos-de-control/")),
        ("delegations", go("/organizacion/encargaturas/")),
        ("calendar list", go("/calendario/lista/")),
        *NOT_FOUND,
    ],
    None: [
        ("login", go("/ingresar/")),
        ("login refused", failed_login),
        ("public list", go("/publico/")),
        ("public record", go("/publico/{w.published.reference}/")),
        ("public withdrawn record", go("/publico/{w.withdrawn.reference}/")),
        ("public verify", verify_a_copy),
        ("public 404", go("/publico/COM-1999-99999/", status=404)),
    ],
}


@pytest.mark.parametrize("role", list(ROLE_PAGES), ids=lambda role: role or "anonymous")
def test_every_page_of_the_role_passes_axe(users, units, browser, daphne_server, login_as, role):
    world = build_world(users, units)
    if role is None:
        context = browser.new_context(base_url=daphne_server, locale="es-PE")
        page = context.new_page()
    else:
        page = login_as(role)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    findings = Findings()
    try:
        for label, step in ROLE_PAGES[role]:
            step(page, world)
            check(page, findings, label)
    finally:
        if role is None:
            context.close()
    assert not findings.lines, findings.report()
    assert errors == []


# --- the keyboard in the inbox's dialogs, visible focus, polite live updates --------------

FOCUS_INSIDE_JS = "(id) => document.getElementById(id).contains(document.activeElement)"
FOCUSED_OUTLINE_JS = """() => {
  const style = getComputedStyle(document.activeElement);
  return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
}"""
TABS_AROUND = 12  # more than any of the dialogs has focusable elements: Tab goes round


def tab_stays_inside(page, dialog_id: str) -> None:
    for press in range(TABS_AROUND):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_INSIDE_JS, dialog_id), f"Tab {press + 1} left #{dialog_id}"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_INSIDE_JS, dialog_id), f"Shift+Tab left #{dialog_id}"


def assert_focus_ring(page) -> None:
    outline = page.evaluate(FOCUSED_OUTLINE_JS)
    assert outline["style"] != "none" and outline["width"] >= 2, outline


def test_the_inbox_dialogs_keep_the_keyboard_and_give_focus_back(users, units, login_as):
    first, second = (request_in_state(users, units, State.PENDING_APPROVAL) for _ in range(2))
    page = login_as("gerente")
    page.goto("/bandeja/")

    # The decision dialog, opened from the keyboard: focus inside, Tab goes round inside,
    # Escape closes it, focus is back on the button that opened it, with a visible ring.
    opener = page.locator(f"#tasks tr[data-request-id='{second.pk}']").get_by_role("button", name="Devolver")
    opener.focus()
    assert_focus_ring(page)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=f"{second.reference} · {second.title}")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Comentario (obligatorio para devolver)")).to_be_focused()
    expect(page.locator("#decide-dialog .version-review")).to_be_visible()
    tab_stays_inside(page, "decide-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    assert_focus_ring(page)

    # "Cancelar" gives focus back too.
    approve = page.locator(f"#tasks tr[data-request-id='{first.pk}']").get_by_role("button", name="Aprobar")
    approve.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#decide-dialog")).to_be_visible()
    page.locator("#decide-dialog").get_by_role("button", name="Cancelar").click()
    expect(page.locator("#decide-dialog")).to_be_hidden()
    expect(approve).to_be_focused()

    # The bulk approval's confirmation: focus on its "Aprobar", Tab stays inside, Escape
    # returns to "Aprobar seleccionadas"; nothing was approved.
    for material_request in (first, second):
        page.get_by_label(f"Seleccionar {material_request.reference}").check()
    bulk = page.get_by_role("button", name="Aprobar seleccionadas")
    bulk.focus()
    page.keyboard.press("Enter")
    confirmation = page.get_by_role("dialog", name="Va a aprobar 2 solicitudes:")
    expect(confirmation).to_be_visible()
    expect(confirmation.get_by_role("button", name="Aprobar", exact=True)).to_be_focused()
    tab_stays_inside(page, "bulk-confirm-dialog")
    page.keyboard.press("Escape")
    expect(confirmation).to_be_hidden()
    expect(bulk).to_be_focused()

    # The reassign dialog: named by its task, focus on the person to choose, back on close.
    reassign = page.locator(f"#tasks tr[data-request-id='{first.pk}']").get_by_role("button", name="Reasignar")
    reassign.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=re.compile(first.reference))).to_be_visible()
    expect(page.get_by_label("Reasignar a")).to_be_focused()
    tab_stays_inside(page, "reassign-dialog")
    page.keyboard.press("Escape")
    expect(reassign).to_be_focused()
    assert {state_of(first), state_of(second)} == {State.PENDING_APPROVAL}


def state_of(material_request):
    return MaterialRequest.objects.get(pk=material_request.pk).state


def test_a_refused_decision_keeps_the_dialog_and_closing_it_focuses_its_opener(users, units, login_as):
    """The refusal comes back in the dialog (static/js/submit.js), focus on the field to
    correct; closing it gives focus back to the row's button that opened it."""
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    page = login_as("gerente")
    page.goto("/bandeja/")
    opener = page.locator(f"#tasks tr[data-request-id='{pending.pk}']").get_by_role("button", name="Devolver")
    opener.click()
    page.get_by_role("button", name="Confirmar decisión").click()  # no reason: refused
    dialog = page.locator("#decide-dialog")
    expect(dialog.get_by_role("alert")).to_contain_text("Para devolver, indique el motivo.")
    expect(dialog.get_by_label("Comentario (obligatorio para devolver)")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_live_updates_are_announced_politely(users, units, login_as):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    gerente = login_as("gerente")
    gerente.goto("/bandeja/")
    expect(gerente.locator("body")).to_have_attribute("data-live", "connected")
    status = gerente.locator("#bell-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    notifications = gerente.locator("#notification-list")
    expect(notifications).to_have_attribute("aria-live", "polite")
    assert gerente.locator("[aria-live=assertive]").count() == 0

    # The revisor forwards a request: the gerente's bell count is said, and the new row
    # arrives inside the polite list.
    reviewer = login_as("revisor1")
    reviewer.goto(f"/solicitudes/{in_review.pk}/")
    expect(reviewer.locator("#request-state")).to_have_attribute("aria-live", "polite")
    reviewer.locator("#actions summary", has_text="Derivar a aprobación").click()
    reviewer.get_by_role("button", name="Confirmar: Derivar a aprobación").click()
    expect(reviewer.locator("#request-state")).to_contain_text("Pendiente de aprobación")

    count = gerente.locator("#bell-count")
    expect(count).to_be_visible()
    expect(status).to_have_text(re.compile(r"^Notificaciones: \d+ sin leer$"))
    expect(status).to_have_text(f"Notificaciones: {count.inner_text()} sin leer")
    expect(notifications.locator("li.notification-new")).to_contain_text(in_review.reference)
