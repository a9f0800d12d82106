"""The public pages (/publico/, no login): only published material (and withdrawn, marked
as such) is ever shown; drafts, requests in review or pending, approved but unpublished
and cancelled ones answer 404 exactly like a reference never used; no private data
reaches a page or the feed; the approval chain shows roles and dates, and names only
when the municipality chooses; the published version's hash is the one recorded.
"""

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from audit.models import AuditEvent
from documents.models import DocumentVersion, RenderedDocument
from documents.services import rendered_docx
from organization.services import create_delegation
from records import public_views
from tests.factories import advance, create_request, default_details, default_fields, request_in_state
from workflows import services
from workflows.models import CampaignDetails, Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db

LIST_URL = reverse("public:list")
FEED_URL = reverse("public:press_feed")
ATOM = "{http://www.w3.org/2005/Atom}"
REFERENCE = re.compile(rf"{re.escape(settings.REQUEST_REFERENCE_PREFIX)}-\d{{4}}-\d{{5}}")
SEARCH_FORM = re.compile(r'<form[^>]*role="search".*?</form>', re.S)

HIDDEN_STATES = (State.DRAFT, State.IN_REVIEW, State.PENDING_APPROVAL, State.APPROVED, State.CANCELLED)
PUBLIC_STATES = (State.PUBLISHED, State.WITHDRAWN)

NAMES = {
    "rentas1": ("Rosa", "Autora Privada"),
    "revisor1": ("Ana", "Revisora Quispe"),
    "revisor2": ("Raúl", "Encargado Mamani"),
    "gerente": ("Carlos", "Gerente Pérez"),
    "publicador": ("Luis", "Publicador Rojas"),
}


def detail_url(reference):
    return reverse("public:detail", kwargs={"reference": reference})


def verify_url(reference):
    return reverse("public:verify", kwargs={"reference": reference})


def references_in(html: str) -> set[str]:
    return set(REFERENCE.findall(SEARCH_FORM.sub("", html)))


def shown_count(html: str) -> int:
    match = re.search(r'id="public-count">(\d+) publicaci', html)
    assert match, "the list shows no counter"
    return int(match.group(1))


def local(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "d/m/Y H:i")


def chain_html(html: str) -> str:
    match = re.search(r'<div class="card" id="approval-chain">.*?</div>', html, re.S)
    assert match, "the page shows no approval chain"
    return match.group(0)


def chain_step(html: str, code: str) -> str:
    match = re.search(rf'<li class="chain-step chain-{code}">.*?</li>', chain_html(html), re.S)
    assert match, f"no {code} step in the chain"
    return match.group(0)


@pytest.fixture
def named(users):
    for username, (first, last) in NAMES.items():
        user = users[username]
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return users


def press_release(users, units, state, *, title, author="rentas1", unit="rentas", **details):
    material_request = services.create_request(
        users[author],
        unit=units[unit],
        kind=Kind.PUBLICATION,
        fields=default_fields(title=title),
        details=default_details(Kind.PUBLICATION, **details),
    )
    return advance(material_request, state, users)


@pytest.fixture
def catalogue(users, units):
    """One press release in every state: state -> request."""
    return {state: press_release(users, units, state, title=f"Nota en estado {state.label}") for state in State}


@pytest.fixture
def anonymous():
    return Client()


# --- what is public: published and withdrawn, nothing else ------------------------------------


@pytest.mark.parametrize("username", [None, "gerente", "rentas1", "nobody"])
def test_the_list_shows_published_and_withdrawn_only(client, users, catalogue, username):
    if username:
        client.force_login(users[username])
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert references_in(html) == {catalogue[state].reference for state in PUBLIC_STATES}
    assert shown_count(html) == 2
    for state in HIDDEN_STATES:
        assert catalogue[state].title not in html, state
    # A withdrawn publication stays listed, marked as withdrawn.
    assert '<span class="state state-retirado">Retirada</span>' in html


def test_searching_a_hidden_request_by_reference_or_title_finds_nothing(anonymous, catalogue):
    for state in HIDDEN_STATES:
        hidden = catalogue[state]
        for query in (hidden.reference, hidden.title, hidden.reference[-5:]):
            html = anonymous.get(LIST_URL, {"q": query}).content.decode()
            assert references_in(html) == set(), (state, query)
            assert shown_count(html) == 0, (state, query)
    published = catalogue[State.PUBLISHED]
    html = anonymous.get(LIST_URL, {"q": published.reference}).content.decode()
    assert references_in(html) == {published.reference}


def not_found_body(response, reference) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()).replace(
        reference, "<ref>"
    )


@pytest.mark.parametrize("state", HIDDEN_STATES, ids=lambda state: state.value)
def test_hidden_requests_answer_like_a_reference_never_used(client, users, catalogue, state):
    hidden = catalogue[state]
    never_used = f"{settings.REQUEST_REFERENCE_PREFIX}-1999-99999"
    for username in (None, "gerente", "rentas1"):
        client.logout()
        if username:
            # Even people who may see the request inside the system: the public page is public.
            client.force_login(users[username])
        bodies = []
        for reference in (hidden.reference, never_used):
            response = client.get(detail_url(reference))
            assert response.status_code == 404, (username, reference)
            bodies.append(not_found_body(response, reference))
        assert bodies[0] == bodies[1], username
        assert hidden.title not in bodies[0]
        upload = SimpleUploadedFile("copia.docx", b"PK\x03\x04 cualquier cosa")
        assert client.post(verify_url(hidden.reference), {"file": upload}).status_code == 404


@pytest.mark.parametrize("state", State, ids=lambda state: state.value)
def test_no_public_page_by_database_id(anonymous, catalogue, state):
    """Public addresses are references: a database id is not one, whatever the state."""
    assert anonymous.get(f"{LIST_URL}{catalogue[state].pk}/").status_code == 404


@pytest.mark.parametrize("state", PUBLIC_STATES, ids=lambda state: state.value)
def test_published_and_withdrawn_pages_answer_everybody(client, users, catalogue, state):
    item = catalogue[state]
    for username in (None, "rentas1", "gerente", "nobody"):
        client.logout()
        if username:
            client.force_login(users[username])
        response = client.get(detail_url(item.reference))
        assert response.status_code == 200, username
        html = response.content.decode()
        assert item.title in html and item.reference in html
        # The site's navigation is for people with an account only.
        assert ('class="mainnav"' in html) == bool(username)


def test_a_withdrawn_publication_shows_its_public_reason(anonymous, users, units):
    item = press_release(users, units, State.PUBLISHED, title="Nota que se retirará")
    item = services.withdraw_request(users["gerente"], item, comment="Datos del cronograma desactualizados.")
    html = anonymous.get(detail_url(item.reference)).content.decode()
    notice = re.search(r'id="withdrawn-notice">.*?</div>', html, re.S).group(0)
    assert "Datos del cronograma desactualizados." in notice
    withdraw = chain_step(html, "withdraw")
    event = AuditEvent.objects.get(reference=item.reference, action="withdraw")
    assert local(event.occurred_at) in withdraw
    assert "Gerente de comunicaciones" in withdraw


@pytest.mark.parametrize(
    "reference",
    ["abc", "COM-26-1", "COM-2026-1", "COM-2026-00001x", "COM_2026_00001", "-2026-00001", "COM-2026-00001-1", "%20"],
)
def test_malformed_references_are_not_found(anonymous, catalogue, reference):
    assert anonymous.get(f"{LIST_URL}{reference}/").status_code == 404
    assert anonymous.post(f"{LIST_URL}{reference}/verificar/").status_code == 404


def test_a_reference_in_lower_case_goes_to_its_canonical_address(anonymous, catalogue):
    reference = catalogue[State.PUBLISHED].reference
    response = anonymous.get(detail_url(reference.lower()))
    assert response.status_code == 301
    assert response["Location"] == detail_url(reference)
    hidden = catalogue[State.DRAFT].reference
    assert anonymous.get(detail_url(hidden.lower()), follow=True).status_code == 404


def test_each_kind_reads_its_final_step(anonymous, users, units):
    labels = {Kind.PUBLICATION: "Publicada", Kind.CAMPAIGN: "Publicada", Kind.SPEECH: "Discurso pronunciado"}
    labels[Kind.SIGNAGE] = "Instalada"
    for kind, label in labels.items():
        item = request_in_state(users, units, State.PUBLISHED, kind=kind)
        html = anonymous.get(detail_url(item.reference)).content.decode()
        assert f'<span class="state state-publicado">{label}</span>' in html, kind
        assert f"<strong>{label}</strong>" in chain_step(html, "publish"), kind


# --- no private data ---------------------------------------------------------------------------

SECRETS = {
    "phone": "987654321",
    "email": "privado@example.com",
    "submit comment": "COMENTARIO-INTERNO-DE-ENVIO",
    "observation": "OBSERVACION-SECRETA-DEL-REVISOR",
    "forward comment": "COMENTARIO-DE-DERIVACION",
    "approval comment": "COMENTARIO-DE-APROBACION",
    "publication comment": "COMENTARIO-DE-PUBLICACION",
    "attachment": "anexo-confidencial",
    "cancel reason": "MOTIVO-DE-ANULACION-INTERNO",
    "reject reason": "MOTIVO-DE-RECHAZO-INTERNO",
    "urgent reason": "RAZON-URGENTE-INTERNA",
    "key messages": "MENSAJES-CLAVE-RESERVADOS",
    "budget": "98765.43",
    "author first name": "Rosa",
    "author last name": "Autora Privada",
    "author username": "rentas1",
    "reviewer username": "revisor1",
}


@pytest.fixture
def secret_laden(named, units):
    """Published material whose private fields all hold sentinels, plus hidden requests
    whose titles and reasons are sentinels too."""
    users = named
    users["rentas1"].email = SECRETS["email"]
    users["rentas1"].save(update_fields=["email"])
    author = users["rentas1"]
    note = services.create_request(
        author,
        unit=units["rentas"],
        kind=Kind.PUBLICATION,
        fields=default_fields(title="Nota con datos privados", body="Texto público de la nota."),
        details=default_details(
            Kind.PUBLICATION, contact=f"Rosa Autora Privada · {SECRETS['phone']} · {SECRETS['email']}"
        ),
    )
    services.add_attachment(
        author,
        note,
        SimpleUploadedFile(f"{SECRETS['attachment']}.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        description="Anexo interno",
    )
    note = MaterialRequest.objects.get(pk=note.pk)
    note = services.submit_request(author, note, comment=SECRETS["submit comment"])
    note = services.observe_request(users["revisor1"], note, comment=SECRETS["observation"])
    note = services.submit_request(author, note, comment=SECRETS["submit comment"])
    note = services.forward_request(users["revisor1"], note, comment=SECRETS["forward comment"])
    note = services.approve_request(users["gerente"], note, comment=SECRETS["approval comment"])
    note = services.publish_request(
        users["publicador"],
        note,
        channel="Portal web",
        date=timezone.localdate(),
        url="https://example.gob.pe/n/2",
        comment=SECRETS["publication comment"],
    )

    speech = create_request(author, units["rentas"], Kind.SPEECH)
    speech.speech_details.key_messages = SECRETS["key messages"]
    speech.speech_details.save()
    speech = advance(speech, State.PUBLISHED, users)

    campaign = create_request(author, units["rentas"], Kind.CAMPAIGN, emergency=True)
    CampaignDetails.objects.filter(request=campaign).update(budget=Decimal(SECRETS["budget"]))
    campaign = services.submit_request(author, MaterialRequest.objects.get(pk=campaign.pk))
    campaign = services.publish_urgently(
        users["gerente"], campaign, channel="Radio", date=timezone.localdate(), comment=SECRETS["urgent reason"]
    )

    cancelled = create_request(author, units["rentas"], title="Título de una solicitud anulada")
    services.cancel_request(author, cancelled, comment=SECRETS["cancel reason"])
    rejected = request_in_state(named, units, State.PENDING_APPROVAL)
    services.reject_request(users["gerente"], rejected, comment=SECRETS["reject reason"])
    return {"note": note, "speech": speech, "campaign": campaign, "cancelled": cancelled}


def test_no_private_data_in_the_list_the_pages_or_the_feed(users, secret_laden):
    client = Client()
    pages = {
        "list": client.get(LIST_URL),
        "feed": client.get(FEED_URL),
        **{name: client.get(detail_url(item.reference)) for name, item in secret_laden.items() if name != "cancelled"},
    }
    pages["verify"] = client.post(
        verify_url(secret_laden["note"].reference), {"file": SimpleUploadedFile("x.docx", b"otra cosa")}
    )
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        leaks = [label for label, secret in SECRETS.items() if secret in text]
        assert not leaks, f"{name} shows {leaks}"
        assert "Título de una solicitud anulada" not in text, name
    # The sentinels really are in the records: the test would see them if they leaked.
    note = secret_laden["note"]
    assert SECRETS["phone"] in note.publication_details.contact
    assert AuditEvent.objects.filter(reference=note.reference, comment=SECRETS["observation"]).exists()
    assert note.attachments.filter(original_name__startswith=SECRETS["attachment"]).exists()
    # And the public text is there.
    assert "Texto público de la nota." in pages["note"].content.decode()


# --- the approval chain ------------------------------------------------------------------------


def test_the_chain_shows_roles_dates_and_names(client, named, units):
    item = press_release(named, units, State.PUBLISHED, title="Nota con cadena completa")
    html = client.get(detail_url(item.reference)).content.decode()
    events = {event.action: event for event in AuditEvent.objects.filter(reference=item.reference)}
    expected = {
        "submit": ("Unidad solicitante: Rentas", "", events["submit"].occurred_at),
        "forward": ("Revisor de comunicaciones", "Ana Revisora Quispe", events["forward"].occurred_at),
        "approve": ("Gerente de comunicaciones", "Carlos Gerente Pérez", item.approved_at),
        "publish": ("Publicador", "Luis Publicador Rojas", item.published_at),
    }
    steps = re.findall(r'<li class="chain-step chain-(\w+)">', chain_html(html))
    assert steps == list(expected)
    for code, (role, name, at) in expected.items():
        step = chain_step(html, code)
        assert role in step, code
        assert local(at) in step, code
        if name:
            assert f'<span class="chain-name">{name}</span>' in step, code
    # The author belongs to the unit, not to the chain of officials.
    assert "Rosa" not in chain_html(html)


def test_without_names_the_chain_keeps_roles_and_dates(client, named, units, settings):
    settings.PUBLIC_SHOW_OFFICIAL_NAMES = False
    item = press_release(named, units, State.PUBLISHED, title="Nota sin nombres")
    html = client.get(detail_url(item.reference)).content.decode()
    for _first, last in NAMES.values():
        assert last not in html
    assert "chain-name" not in html
    for code, role in (("forward", "Revisor de comunicaciones"), ("approve", "Gerente de comunicaciones")):
        assert role in chain_step(html, code)
    assert local(item.published_at) in chain_step(html, "publish")
    assert "sin sus nombres" in chain_html(html)


@pytest.mark.parametrize("show_names", [True, False])
def test_an_encargado_approves_for_the_gerente(client, named, units, settings, show_names):
    settings.PUBLIC_SHOW_OFFICIAL_NAMES = show_names
    today = timezone.localdate()
    create_delegation(
        named["gerente"],
        delegate=named["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="RG-1",
    )
    item = press_release(named, units, State.PENDING_APPROVAL, title="Nota aprobada por encargo")
    item = services.approve_request(named["revisor2"], item)
    assert item.approved_on_behalf_of == named["gerente"]
    item = services.publish_request(named["publicador"], item, channel="Web", date=today)
    step = chain_step(client.get(detail_url(item.reference)).content.decode(), "approve")
    assert "Encargado de la aprobación" in step
    assert "Por encargo del gerente de comunicaciones" in step
    assert ("Raúl Encargado Mamani" in step) == show_names
    assert ("Carlos Gerente Pérez" in step) == show_names
    assert local(item.approved_at) in step


def test_an_urgent_publication_shows_its_path_and_the_pending_review(anonymous, named, units):
    item = create_request(named["rentas1"], units["rentas"], Kind.PUBLICATION, emergency=True)
    item = services.submit_request(named["rentas1"], item)
    item = services.publish_urgently(
        named["gerente"], item, channel="Radio", date=timezone.localdate(), comment="Lluvias intensas."
    )
    html = anonymous.get(detail_url(item.reference)).content.decode()
    assert "Gerente de comunicaciones" in chain_step(html, "urgent_publish")
    assert "Revisión posterior pendiente" in chain_step(html, "post_review")
    item = services.review_urgent_publication(named["revisor1"], item, comment="Conforme.")
    html = anonymous.get(detail_url(item.reference)).content.decode()
    step = chain_step(html, "post_review")
    assert "Revisión posterior conforme" in step
    assert "Revisor de comunicaciones" in step and "Ana Revisora Quispe" in step
    assert local(item.urgent_reviewed_at) in step


# --- the published version's hash and the verify-a-copy form ----------------------------------


def published_version(item) -> DocumentVersion:
    return DocumentVersion.objects.filter(request=item, reason="publish").latest("number")


def test_the_page_shows_the_published_versions_hashes(anonymous, users, units):
    item = press_release(users, units, State.PUBLISHED, title="Nota con hash")
    version = published_version(item)
    assert not RenderedDocument.objects.filter(version=version).exists()
    html = anonymous.get(detail_url(item.reference)).content.decode()
    # Rendered once, on the first visit, and recorded: the page shows the recorded hash.
    rendered = RenderedDocument.objects.get(version=version)
    data, sha = rendered_docx(version)
    assert sha == rendered.sha256 == hashlib.sha256(data).hexdigest()
    assert f'id="snapshot-sha256">{version.snapshot_sha256}<' in html
    assert f'id="docx-sha256">{rendered.sha256}<' in html
    # Later edits of other versions do not matter; a second visit renders nothing again.
    anonymous.get(detail_url(item.reference))
    assert RenderedDocument.objects.filter(version__request=item).count() == 1
    # The hash of the publication is the one the audit log recorded when it was published.
    event = AuditEvent.objects.get(reference=item.reference, action="publish")
    assert event.version_hash == version.snapshot_sha256


def test_a_page_whose_document_cannot_be_rendered_still_answers(anonymous, users, units, monkeypatch):
    item = press_release(users, units, State.PUBLISHED, title="Nota sin documento")

    def broken(version):
        raise OSError("disco lleno")

    monkeypatch.setattr(public_views, "rendered_docx", broken)
    response = anonymous.get(detail_url(item.reference))
    assert response.status_code == 200
    html = response.content.decode()
    assert published_version(item).snapshot_sha256 in html
    assert 'id="docx-sha256"' not in html and 'id="verify-copy"' not in html


def verify(client, item, content, name="copia.docx"):
    return client.post(verify_url(item.reference), {"file": SimpleUploadedFile(name, content)})


def test_verifying_a_copy(anonymous, users, units, settings, tmp_path):
    item = press_release(users, units, State.PUBLISHED, title="Nota para verificar")
    data, sha = rendered_docx(published_version(item))
    counts = (AuditEvent.objects.count(), DocumentVersion.objects.count(), RenderedDocument.objects.count())
    files_before = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())

    response = verify(anonymous, item, data, name="cualquier-nombre.docx")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="msg msg-success verify-ok"' in html and "Coincide" in html
    assert sha in html

    other = data[:-1] + bytes([data[-1] ^ 1])
    response = verify(anonymous, item, other)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="msg msg-error verify-fail"' in html and "No coincide" in html
    assert hashlib.sha256(other).hexdigest() in html

    # Nothing is stored: no event, no version, no rendered file, no upload left behind.
    assert (AuditEvent.objects.count(), DocumentVersion.objects.count(), RenderedDocument.objects.count()) == counts
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files_before


def test_verifying_refuses_bad_input_in_spanish(anonymous, users, units, monkeypatch):
    item = press_release(users, units, State.PUBLISHED, title="Nota con errores de verificación")
    anonymous.get(detail_url(item.reference))
    for data in ({}, {"file": SimpleUploadedFile("vacio.docx", b"")}):
        response = anonymous.post(verify_url(item.reference), data)
        assert response.status_code == 400
        assert "Elija un archivo no vacío" in response.content.decode()
    monkeypatch.setattr(public_views, "VERIFY_MAX_BYTES", 1000)
    response = verify(anonymous, item, b"x" * 1001)
    assert response.status_code == 400
    assert "El archivo es demasiado grande: el máximo es" in response.content.decode()
    # A body far over the limit is refused from its declared length, before it is parsed.
    monkeypatch.setattr(public_views, "VERIFY_ENVELOPE_BYTES", 10)
    response = verify(anonymous, item, b"x" * 5000)
    assert response.status_code == 400
    assert "demasiado grande" in response.content.decode()
    assert anonymous.get(verify_url(item.reference)).status_code == 405


def test_material_without_a_recorded_version_shows_no_hash_and_verifies_nothing(anonymous, users, units):
    add_published(users, units, 1)
    item = MaterialRequest.objects.get(title="Campaña masiva 0")
    html = anonymous.get(detail_url(item.reference)).content.decode()
    assert "No hay una versión del documento registrada" in html
    assert 'id="verify-copy"' not in html
    response = verify(anonymous, item, b"PK\x03\x04")
    assert response.status_code == 400
    assert "no tiene un documento publicado" in response.content.decode()


def test_verifying_needs_the_csrf_token(users, units):
    item = press_release(users, units, State.PUBLISHED, title="Nota con CSRF")
    client = Client(enforce_csrf_checks=True)
    data, _sha = rendered_docx(published_version(item))
    assert verify(client, item, data).status_code == 403
    html = client.get(detail_url(item.reference)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(
        verify_url(item.reference), {"file": SimpleUploadedFile("c.docx", data), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    assert "Coincide" in response.content.decode()


# --- the Atom feed ----------------------------------------------------------------------------


def parse_feed(content: bytes):
    # The feed is this site's own output, built in the test: no untrusted XML.
    return ET.fromstring(content)  # noqa: S314


def test_the_feed_lists_published_press_releases_only(anonymous, users, units, catalogue):
    bulletin = press_release(users, units, State.PUBLISHED, title="Boletín publicado", format="boletin")
    campaign = request_in_state(users, units, State.PUBLISHED, kind=Kind.CAMPAIGN)
    newer = press_release(users, units, State.PUBLISHED, title="Nota más reciente <b>importante</b>")
    response = anonymous.get(FEED_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_feed(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title").startswith("Notas de prensa")
    assert root.find(f"{ATOM}updated") is not None
    entries = root.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    withdrawn = catalogue[State.WITHDRAWN]
    assert titles == [newer.title, f"Retirada: {withdrawn.title}", catalogue[State.PUBLISHED].title]
    assert bulletin.title not in response.content.decode() and campaign.reference not in response.content.decode()
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)
    for entry, item in zip(entries, (newer, withdrawn, catalogue[State.PUBLISHED]), strict=True):
        link = entry.find(f"{ATOM}link").get("href")
        assert link == f"http://testserver{detail_url(item.reference)}"
        assert entry.findtext(f"{ATOM}published") and entry.findtext(f"{ATOM}updated")
        assert entry.findtext(f"{ATOM}summary")
        assert anonymous.get(link).status_code == 200
    # A withdrawn entry says why; a title's markup is text, never HTML.
    assert "Motivo de prueba" in entries[1].findtext(f"{ATOM}summary")
    assert "<b>" not in entries[0].findtext(f"{ATOM}summary")


def test_the_feed_is_limited_to_the_newest(anonymous, users, units, monkeypatch):
    from records import public_selectors

    monkeypatch.setattr(public_selectors, "FEED_SIZE", 2)
    for n in range(3):
        press_release(users, units, State.PUBLISHED, title=f"Nota {n}")
    root = parse_feed(anonymous.get(FEED_URL).content)
    assert [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")] == ["Nota 2", "Nota 1"]


def test_feed_queries_do_not_grow_with_the_entries(anonymous, users, units):
    press_release(users, units, State.PUBLISHED, title="Primera nota")
    one, _xml = captured(anonymous, FEED_URL)
    for n in range(4):
        unit, author = (("rentas", "rentas1"), ("social", "social1"))[n % 2]
        press_release(users, units, State.PUBLISHED, title=f"Otra nota {n}", unit=unit, author=author)
    five, xml = captured(anonymous, FEED_URL)
    assert len(parse_feed(xml.encode()).findall(f"{ATOM}entry")) == 5
    assert five == one


# --- filters and pages ------------------------------------------------------------------------


def test_filters_by_kind_unit_year_and_search(anonymous, users, units):
    note = press_release(users, units, State.PUBLISHED, title="Nota de Rentas")
    speech = request_in_state(users, units, State.PUBLISHED, kind=Kind.SPEECH, author="social1", unit="social")
    year = timezone.localdate().year
    cases = {
        "": {note.reference, speech.reference},
        f"?kind={Kind.SPEECH.value}": {speech.reference},
        f"?unit={units['rentas'].pk}": {note.reference},
        f"?year={year}": {note.reference, speech.reference},
        f"?q={note.reference}": {note.reference},
        "?q=de Rentas": {note.reference},
        f"?kind={Kind.PUBLICATION.value}&unit={units['social'].pk}": set(),
    }
    for query, expected in cases.items():
        response = anonymous.get(LIST_URL + query)
        assert response.status_code == 200, query
        assert references_in(response.content.decode()) == expected, query
    # A unit with nothing published, a year with nothing published, a made-up kind.
    for query in (f"?unit={units['obras'].pk}", f"?year={year - 30}", "?kind=memorando", "?unit=abc"):
        response = anonymous.get(LIST_URL + query)
        assert response.status_code == 400, query
        html = response.content.decode()
        assert "Hay filtros con errores" in html
        assert references_in(html) == {note.reference, speech.reference}


def add_published(users, units, count, *, year=2001):
    """`count` published campaigns, in bulk: only the rows the public list reads."""
    today = timezone.localdate()
    now = timezone.now()
    rows = [
        MaterialRequest(
            reference=f"{settings.REQUEST_REFERENCE_PREFIX}-{year}-{i:05d}",
            kind=Kind.CAMPAIGN,
            title=f"Campaña masiva {i}",
            unit=units[("rentas", "social", "obras")[i % 3]],
            author=users["rentas1"],
            requested_by=today,
            summary="Publicada en bloque para medir la lista.",
            state=State.PUBLISHED,
            submitted_at=now,
            approved_at=now,
            published_at=now,
            publication_channel="Web",
            publication_date=today - timedelta(days=i),
        )
        for i in range(count)
    ]
    created = MaterialRequest.objects.bulk_create(rows)
    CampaignDetails.objects.bulk_create(
        CampaignDetails(
            request=item,
            campaign_type="sensibilizacion",
            objective="Medir.",
            audience="Vecinos",
            channels=["web"],
            start_date=today,
            end_date=today,
            budget=Decimal("0"),
        )
        for item in created
    )


def captured(client, url):
    client.get(url)  # warm-up: caches that fill once per process
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("username", [None, "gerente"])
def test_list_queries_are_the_same_for_3_and_30_published(client, users, units, username):
    if username:
        client.force_login(users[username])
    press_release(users, units, State.PUBLISHED, title="Nota publicada de verdad")
    add_published(users, units, 2)
    small, small_html = captured(client, LIST_URL)
    assert shown_count(small_html) == 3
    add_published(users, units, 27, year=2002)
    large, large_html = captured(client, LIST_URL)
    assert shown_count(large_html) == 30
    assert len(references_in(large_html)) == public_views.selectors.PAGE_SIZE
    assert large == small
    filtered_small, _html = captured(client, f"{LIST_URL}?kind=campaign&q=masiva")
    assert filtered_small == small


def test_detail_queries_do_not_grow_with_the_history(anonymous, users, units):
    short = press_release(users, units, State.PUBLISHED, title="Historia corta")
    long = create_request(users["rentas1"], units["rentas"], Kind.PUBLICATION, title="Historia larga")
    for _round in range(4):
        long = services.submit_request(users["rentas1"], long)
        long = services.observe_request(users["revisor1"], long, comment="Corregir.")
    long = advance(long, State.PUBLISHED, users)
    counts = [captured(anonymous, detail_url(item.reference))[0] for item in (short, long)]
    assert counts[0] == counts[1]


def test_pages_beyond_the_last_are_not_found(anonymous, users, units):
    add_published(users, units, 30)
    assert anonymous.get(LIST_URL, {"page": 2}).status_code == 200
    assert len(references_in(anonymous.get(LIST_URL, {"page": 2}).content.decode())) == 5
    for page in (3, 0, -1, "abc"):
        assert anonymous.get(LIST_URL, {"page": page}).status_code == 404, page


def test_only_web_links_are_offered(anonymous, users, units):
    item = press_release(users, units, State.PUBLISHED, title="Nota con enlace")
    html = anonymous.get(detail_url(item.reference)).content.decode()
    assert 'href="https://example.gob.pe/n/1"' in html
    MaterialRequest.objects.filter(pk=item.pk).update(publication_url="javascript:alert(1)")
    html = anonymous.get(detail_url(item.reference)).content.decode()
    assert "javascript:" not in html
