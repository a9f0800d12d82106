"""The directory's rows of the permission matrix (tests/test_permission_matrix.py names
them here): every user against press releases in every state for the distribution pages,
and against the directory's own objects for their edit pages. The expected answers come
from an oracle written from the rules, never from directory.policies:

- 302 to the login page for an anonymous visitor;
- 404 outside the communications office (transparencia and the auditor included), for a
  request the user may not see, for anything but a press release, and for an id that
  does not exist or does not belong to the request in the URL;
- 409 for a send the request's state does not allow (only published ones go out);
- 403 for those who see it but may not send it (who may not publish it: the revisor, an
  administrator without the role), or may not edit the directory (the administrator);
- 302 (a send, a saved change) or 200 when they may.

Every POST runs in a savepoint that is rolled back, so one cell never changes the next.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from directory import distribution as sending
from directory.models import Delivery, Distribution, DistributionList, Journalist
from tests.directory.conftest import make_contact, make_journalist, make_list, make_outlet
from tests.factories import build_organization, request_in_state
from workflows import services as workflow
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
LOGIN = "302→login"
OFFICE = {"revisor", "gerente", "publicador"}

# username -> (units, roles, superuser), as tests/factories.build_organization makes them.
PEOPLE = {
    "rentas1": ({"rentas"}, set(), False),
    "social1": ({"social"}, set(), False),
    "revisor1": (set(), {"revisor"}, False),
    "gerente": (set(), {"gerente"}, False),
    "publicador": (set(), {"publicador"}, False),
    "transparencia": (set(), {"transparencia"}, False),
    "auditor": (set(), {"auditor"}, False),
    "nobody": (set(), set(), False),
    "revisor_rentas": ({"rentas"}, {"revisor"}, False),
    "gerente_rentas": ({"rentas"}, {"gerente"}, False),
    "publicador_rentas": ({"rentas"}, {"publicador"}, False),
    "admin": (set(), set(), True),
}


@dataclass(frozen=True)
class Case:
    key: str
    kind: str | None  # None: an id never used
    state: str | None

    @property
    def submitted(self):
        return self.state not in (None, State.DRAFT, State.CANCELLED)


CASES = [
    *(Case(f"nota/{state}", Kind.PUBLICATION, state) for state in State.values),
    Case("campana/publicado", Kind.CAMPAIGN, State.PUBLISHED),
    Case("inexistente", None, None),
]


def reads_directory(username):
    _units, roles, superuser = PEOPLE[username]
    return superuser or bool(roles & OFFICE)


def may_view(username, case):
    units, roles, superuser = PEOPLE[username]
    if case.kind is None:
        return False
    if superuser or "rentas" in units:
        return True
    if roles & {"revisor", "gerente"} and case.submitted:
        return True
    return "publicador" in roles and case.state in (State.APPROVED, State.PUBLISHED, State.WITHDRAWN)


def may_send(username):
    """Who holds the power over a published publication: the gerente and the publicador."""
    return bool(PEOPLE[username][1] & {"gerente", "publicador"})


def expect_page(username, case):
    if username == ANONYMOUS:
        return LOGIN
    if not reads_directory(username) or not may_view(username, case) or case.kind != Kind.PUBLICATION:
        return 404
    return 200


def expect_send(username, case, *, own_distribution=True):
    result = expect_page(username, case)
    if result != 200:
        return result
    if not own_distribution:
        return 404
    if case.state != State.PUBLISHED:
        return 409
    return 302 if may_send(username) else 403


@pytest.fixture
def world(db):
    units, users = build_organization()
    publicador = users["publicador"]
    outlet = make_outlet(publicador)
    ana = make_journalist(publicador, outlet)
    contact = make_contact(publicador)
    lista = make_list(publicador, "Prensa local", journalists=[ana], contacts=[contact])
    pks, distributions = {}, {}
    for case in CASES:
        if case.kind is None:
            continue
        if case.state == State.WITHDRAWN:
            # Sent while published (one failed delivery), then withdrawn.
            material_request = request_in_state(users, units, State.PUBLISHED, kind=case.kind)
            sent, _ = sending.distribute(publicador, material_request, lists=[lista], enqueue=False)
            Delivery.objects.filter(distribution=sent).update(status=Delivery.Status.FAILED, error="550")
            workflow.withdraw_request(users["gerente"], material_request, comment="Retirada.")
            distributions[case.key] = sent.pk
        else:
            material_request = request_in_state(users, units, case.state, kind=case.kind)
        if case.key == "nota/publicado":
            sent, _ = sending.distribute(publicador, material_request, lists=[lista], enqueue=False)
            Delivery.objects.filter(distribution=sent).update(status=Delivery.Status.FAILED, error="550")
            distributions[case.key] = sent.pk
        pks[case.key] = material_request.pk
    pks["inexistente"] = max(pks.values()) + 1000
    clients = {ANONYMOUS: Client()}
    for username in PEOPLE:
        clients[username] = Client()
        clients[username].force_login(users[username])
    return {"pks": pks, "distributions": distributions, "clients": clients, "lista": lista, "ana": ana, "users": users}


def outcome(response):
    if response.status_code == 302 and response.url.startswith("/ingresar/"):
        return LOGIN
    return response.status_code


def post(client, path, data):
    """A POST in a savepoint that is rolled back; a refused one must change nothing."""
    with transaction.atomic():
        before = (Distribution.objects.count(), list(Delivery.objects.values_list("pk", "status").order_by("pk")))
        response = client.post(path, data)
        after = (Distribution.objects.count(), list(Delivery.objects.values_list("pk", "status").order_by("pk")))
        transaction.set_rollback(True)
    client.cookies.pop("messages", None)
    result = outcome(response)
    problem = "" if (result == 302) == (before != after) else " (the records disagree with the answer)"
    return result, problem


def judge(cells):
    wrong = [
        f"{label}: expected {expected}, got {got}{problem}"
        for label, expected, got, problem in cells
        if expected != got or problem
    ]
    assert not wrong, f"{len(wrong)} cells wrong:\n" + "\n".join(wrong)


def test_distribution_matrix(world):
    cells = []
    published_distribution = world["distributions"]["nota/publicado"]
    for username, client in world["clients"].items():
        for case in CASES:
            pk = world["pks"][case.key]
            response = client.get(reverse("directory:distributions", args=[pk]))
            cells.append((f"{username} GET {case.key}", expect_page(username, case), outcome(response), ""))
            got, problem = post(
                client,
                reverse("directory:distribute", args=[pk]),
                {"lists": [world["lista"].pk], "subject": "Nota de prensa"},
            )
            cells.append((f"{username} send {case.key}", expect_send(username, case), got, problem))
            own = world["distributions"].get(case.key)
            got, problem = post(
                client,
                reverse("directory:distribution_retry", args=[pk, own or published_distribution]),
                {},
            )
            expected = expect_send(username, case, own_distribution=own is not None)
            cells.append((f"{username} retry {case.key}", expected, got, problem))
    judge(cells)


def test_a_distribution_of_another_request_is_not_found_through_a_visible_one(world):
    """The retry URL pairs the request with its own distribution: another's id is 404 even
    for who may send both."""
    client = world["clients"]["publicador"]
    withdrawn, published = world["pks"]["nota/retirado"], world["pks"]["nota/publicado"]
    path = reverse("directory:distribution_retry", args=[published, world["distributions"]["nota/retirado"]])
    assert post(client, path, {})[0] == 404
    path = reverse("directory:distribution_retry", args=[withdrawn, world["distributions"]["nota/publicado"]])
    assert post(client, path, {})[0] == 404


EDITORS_DATA = {
    "journalist_edit": lambda w: {"outlet": w["ana"].outlet_id, "full_name": "Ana T.", "email": w["ana"].email},
    "outlet_edit": lambda w: {"name": "Radio Capital FM", "outlet_type": "radio", "coverage_area": "lima"},
    "contact_edit": lambda w: {
        "kind": "embajada",
        "organization": "Embajada de España",
        "full_name": "Inés G.",
        "email": "prensa.embajada@example.pe",
    },
    "list_edit": lambda w: {"name": "Prensa local y regional", "journalists": [w["ana"].pk]},
}


def test_directory_objects_matrix(world):
    objects = {
        "journalist_edit": world["ana"].pk,
        "outlet_edit": world["ana"].outlet_id,
        "contact_edit": world["lista"].contacts.get().pk,
        "list_edit": world["lista"].pk,
    }
    cells = []
    for username, client in world["clients"].items():
        reader = username != ANONYMOUS and reads_directory(username)
        editor = reader and bool(PEOPLE[username][1] & OFFICE)
        for name, pk in objects.items():
            for label, target in (("own", pk), ("missing", pk + 1000)):
                path = reverse(f"directory:{name}", args=[target])
                expected_get = LOGIN if username == ANONYMOUS else (200 if reader and label == "own" else 404)
                cells.append((f"{username} GET {name} {label}", expected_get, outcome(client.get(path)), ""))
                with transaction.atomic():
                    response = client.post(path, EDITORS_DATA[name](world))
                    transaction.set_rollback(True)
                client.cookies.pop("messages", None)
                if username == ANONYMOUS:
                    expected_post = LOGIN
                elif not reader or label == "missing":
                    expected_post = 404
                else:
                    expected_post = 302 if editor else 403
                cells.append((f"{username} POST {name} {label}", expected_post, outcome(response), ""))
    judge(cells)
    # Every change above was rolled back.
    assert Journalist.objects.get().full_name == "Ana Torres"
    assert DistributionList.objects.get().name == "Prensa local"
