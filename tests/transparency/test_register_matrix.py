"""The register's permission matrix: every URL of the register, every user of the test
organization and anonymous, every state of an entry and a missing id, GET and POST.

The expected answers come from an oracle written here from the issue, never from
transparency.policies:

- anonymous: 302 to the login page, whatever the URL and method;
- who may not read the register (everyone but the transparencia role, the auditors and
  administrators): 404, so the register's existence is not revealed;
- a GET on a URL that only takes POST: 405 (after the login);
- a reader who may not act (auditor, administrator without the role): 403 on every
  change, and on the pages that only serve a change (create and edit forms);
- the officer: 409 where the entry's state does not allow the change, else 302 after a
  valid POST, 200 for a page; 400 for an invalid form;
- an id that does not exist: 404 for every reader.

Every POST runs in a savepoint that is rolled back, so one cell never changes the next.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from documents.models import DocumentVersion
from tests.factories import build_organization, request_in_state
from transparency import services
from transparency.deadlines import WorkingCalendar
from transparency.models import TransparencyRequest
from workflows.models import State as RequestState

from .conftest import entry_data, received, walk

pytestmark = pytest.mark.django_db

LOGIN = "302→login"
ANONYMOUS = "anonymous"
MISSING = "inexistente"
OFFICERS = {"transparencia"}
READERS = {"transparencia", "auditor", "admin"}

# The lifecycle of the issue: how to reach each state, and what each state allows.
STATES = {
    "recibida": (),
    "en_atencion": ("start",),
    "prorroga_comunicada": ("start", "extend"),
    "atendida": ("start", "answer"),
    "denegada": ("start", "deny"),
    "archivada": ("archive",),
}
LEGAL_IN = {
    "assign": {"recibida", "en_atencion", "prorroga_comunicada"},
    "start": {"recibida"},
    "extend": {"recibida", "en_atencion"},
    "answer": {"en_atencion", "prorroga_comunicada"},
    "deny": {"en_atencion", "prorroga_comunicada"},
    "archive": {"recibida", "atendida", "denegada"},
}
OPEN = {"recibida", "en_atencion", "prorroga_comunicada"}
LINKABLE = set(STATES) - {"archivada"}


def expect(username, state, *, method, allowed_method, officer_answer, reader_may=False):
    """The common shape of every cell."""
    if username == ANONYMOUS:
        return LOGIN
    if method != allowed_method:
        return 405
    if username not in READERS:
        return 404
    if state == MISSING:
        return 404
    if reader_may:
        return 200
    if username not in OFFICERS:
        return 403
    return officer_answer(state)


@dataclass
class Dataset:
    users: dict
    clients: dict
    pks: dict  # state -> entry pk (MISSING -> an unused id)
    request_pk: int
    linked_version_pk: int
    free_version_pk: int
    reference: str


@pytest.fixture
def dataset():
    units, users = build_organization()
    published = request_in_state(users, units, RequestState.PUBLISHED)
    linked_version, free_version = DocumentVersion.objects.filter(request=published).order_by("number")[:2]
    officer = users["transparencia"]
    pks = {}
    for state, path in STATES.items():
        entry = services.register_request(officer, data=entry_data(received_at=received(2026, 3, 2)))
        services.link_material_request(officer, entry, published)
        services.link_document_version(officer, entry, linked_version)
        entry = walk(users, entry, *path)
        assert entry.state == state
        pks[state] = entry.pk
    pks[MISSING] = max(pks.values()) + 1000
    clients = {ANONYMOUS: Client()}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    return Dataset(users, clients, pks, published.pk, linked_version.pk, free_version.pk, published.reference)


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith("/ingresar/"):
        return LOGIN
    return response.status_code


def call(client, method, path, data=None):
    with transaction.atomic():
        response = client.post(path, data or {}) if method == "POST" else client.get(path)
        transaction.set_rollback(True)
    client.cookies.pop("messages", None)
    return outcome(response)


def judge(cells):
    wrong = [f"{label}: expected {want}, got {got}" for label, want, got in cells if want != got]
    assert not wrong, f"{len(wrong)} of {len(cells)} cells wrong:\n" + "\n".join(wrong[:40])


def action_data(code, dataset):
    due = WorkingCalendar().add_working_days(
        TransparencyRequest.objects.get(pk=dataset.pks["recibida"]).response_due_on, 5
    )
    return {
        "assign": {"officer": dataset.users["transparencia"].pk},
        "start": {"comment": ""},
        "extend": {"new_due_on": due.isoformat(), "communicated_at": "2026-03-03T10:00", "justification": "Volumen."},
        "answer": {"response_summary": "Entregada.", "answered_at": "2026-03-10T10:00"},
        "deny": {"exemption": "art17_5", "justification": "Datos de salud.", "answered_at": "2026-03-10T10:00"},
        "archive": {"reason": "Duplicada."},
    }[code]


EDIT_DATA = {
    **{k: v for k, v in entry_data().items() if k != "received_at"},
    "received_at": "2026-03-02T10:00",
    "requester_name": "Nombre corregido",
}


# Every URL of the register: how to call it and what each cell must answer.
def url_cases(dataset):
    """(name, kwargs(state), method, data, expected(username, state, method))"""
    officer_ok = lambda ok_states, yes=302: lambda state: yes if state in ok_states else 409  # noqa: E731
    cases = [
        (
            "transparency:detail",
            lambda pk: {"pk": pk},
            "GET",
            None,
            lambda u, s, m: expect(u, s, method=m, allowed_method="GET", officer_answer=None, reader_may=True),
        ),
        (
            "transparency:edit",
            lambda pk: {"pk": pk},
            "GET",
            None,
            lambda u, s, m: expect(u, s, method="GET", allowed_method="GET", officer_answer=officer_ok(OPEN, 200)),
        ),
        (
            "transparency:edit",
            lambda pk: {"pk": pk},
            "POST",
            EDIT_DATA,
            lambda u, s, m: expect(u, s, method="POST", allowed_method="POST", officer_answer=officer_ok(OPEN)),
        ),
        (
            "transparency:link_request",
            lambda pk: {"pk": pk},
            "POST",
            {"reference": dataset.reference},
            # Already linked: linking again changes nothing and succeeds.
            lambda u, s, m: expect(u, s, method=m, allowed_method="POST", officer_answer=officer_ok(LINKABLE)),
        ),
        (
            "transparency:unlink_request",
            lambda pk: {"pk": pk, "request_pk": dataset.request_pk},
            "POST",
            None,
            lambda u, s, m: expect(u, s, method=m, allowed_method="POST", officer_answer=officer_ok(LINKABLE)),
        ),
        (
            "transparency:link_document",
            lambda pk: {"pk": pk},
            "POST",
            {"version": dataset.free_version_pk},
            lambda u, s, m: expect(u, s, method=m, allowed_method="POST", officer_answer=officer_ok(LINKABLE)),
        ),
        (
            "transparency:unlink_document",
            lambda pk: {"pk": pk, "version_pk": dataset.linked_version_pk},
            "POST",
            None,
            lambda u, s, m: expect(u, s, method=m, allowed_method="POST", officer_answer=officer_ok(LINKABLE)),
        ),
    ]
    for code, legal in LEGAL_IN.items():
        cases.append(
            (
                "transparency:action",
                lambda pk, code=code: {"pk": pk, "code": code},
                "POST",
                action_data(code, dataset),
                lambda u, s, m, legal=legal: expect(
                    u, s, method=m, allowed_method="POST", officer_answer=officer_ok(legal)
                ),
            )
        )
    return cases


def register_urls() -> set[str]:
    names = set()

    def walk_patterns(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk_patterns(entry, ":".join(filter(None, [namespace, entry.namespace])))
            elif isinstance(entry, URLPattern) and namespace == "transparency":
                names.add(f"transparency:{entry.name}")

    walk_patterns(get_resolver(), "")
    return names


def test_every_register_url_is_in_this_matrix(dataset):
    walked = {name for name, *_rest in url_cases(dataset)} | {"transparency:list", "transparency:create"}
    assert register_urls() == walked


@pytest.mark.slow
def test_object_url_matrix(dataset):
    cells = []
    for name, kwargs, method, data, expected in url_cases(dataset):
        for state, pk in dataset.pks.items():
            path = reverse(name, kwargs=kwargs(pk))
            # The edit page takes both methods (two cases); every other URL is also tried with
            # the method it does not take.
            methods = [method] if name == "transparency:edit" else ["GET", "POST"]
            for used in methods:
                for username, client in dataset.clients.items():
                    got = call(client, used, path, data)
                    cells.append((f"{username} {used} {path} ({state})", expected(username, state, used), got))
    judge(cells)


def test_plain_url_matrix(dataset):
    cells = []
    list_path, create_path = reverse("transparency:list"), reverse("transparency:create")
    for username, client in dataset.clients.items():
        for method, path, data, officer_answer, reader_may in (
            ("GET", list_path, None, None, True),
            ("GET", create_path, None, lambda s: 200, False),
            ("POST", create_path, {}, lambda s: 400, False),  # an empty form
        ):
            want = expect(
                username,
                "recibida",
                method=method,
                allowed_method=method,
                officer_answer=officer_answer,
                reader_may=reader_may,
            )
            cells.append((f"{username} {method} {path}", want, call(client, method, path, data)))
        # The list only reads: a POST to it is refused as a method.
        want = LOGIN if username == ANONYMOUS else 405
        cells.append((f"{username} POST {list_path}", want, call(client, "POST", list_path, {})))
    judge(cells)


def test_a_successful_cell_really_changed_the_entry_and_a_refused_one_did_not(dataset):
    """The answers above are backed by the data: checked on one pair."""
    officer, auditor = dataset.clients["transparencia"], dataset.clients["auditor"]
    pk = dataset.pks["recibida"]
    path = reverse("transparency:action", kwargs={"pk": pk, "code": "start"})
    assert auditor.post(path, {}).status_code == 403
    assert TransparencyRequest.objects.get(pk=pk).state == "recibida"
    assert officer.post(path, {}).status_code == 302
    assert TransparencyRequest.objects.get(pk=pk).state == "en_atencion"
