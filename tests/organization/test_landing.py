"""Each role lands where its work is after logging in (organization.landing), through the
real login page; a safe `next` still wins, an external one is ignored."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organization import services as org_services
from organization.landing import landing_name
from organization.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
INBOX = reverse("approvals:inbox")
REQUESTS = reverse("workflows:request_list")
REGISTER = reverse("transparency:list")
AUDIT_LOG = reverse("audit:log")

# Every user of the demo organization (tests.factories.build_organization).
LANDINGS = {
    "rentas1": REQUESTS,
    "rentas2": REQUESTS,
    "social1": REQUESTS,
    "obras1": REQUESTS,
    "revisor1": INBOX,
    "revisor2": INBOX,
    "gerente": INBOX,
    "publicador": INBOX,
    "transparencia": REGISTER,
    "auditor": AUDIT_LOG,
    "nobody": REQUESTS,
    # Several roles: the inbox comes first.
    "revisor_rentas": INBOX,
    "gerente_rentas": INBOX,
    "publicador_rentas": INBOX,
    "admin": REQUESTS,
}


def login(client, username, **query):
    url = LOGIN_URL
    if query:
        url += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return client.post(url, {"username": username, "password": PASSWORD})


def test_every_demo_user_is_covered(users):
    assert set(LANDINGS) == set(users)


@pytest.mark.parametrize(("username", "landing"), LANDINGS.items(), ids=list(LANDINGS))
def test_each_role_lands_where_its_work_is(client, users, username, landing):
    response = login(client, username)
    assert response.status_code == 302
    assert response["Location"] == landing
    # The page is theirs to open.
    assert client.get(response["Location"]).status_code == 200


def test_an_active_encargado_of_the_gerente_lands_on_the_inbox(client, users, settings):
    settings.DELEGATION_ELIGIBLE_USERS = ["nobody"]
    today = timezone.localdate()
    org_services.create_delegation(
        users["gerente"],
        delegate=users["nobody"],
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="RG-001-2026",
    )
    response = login(client, "nobody")
    assert response["Location"] == INBOX


def test_a_future_encargatura_does_not_move_the_landing_yet(client, users, settings):
    settings.DELEGATION_ELIGIBLE_USERS = ["nobody"]
    today = timezone.localdate()
    org_services.create_delegation(
        users["gerente"],
        delegate=users["nobody"],
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=3),
        resolution="RG-002-2026",
    )
    assert login(client, "nobody")["Location"] == REQUESTS


def test_transparency_comes_before_the_audit_log(users):
    both = org_services.ensure_user("ambos", password=PASSWORD, roles=(Role.AUDITOR, Role.TRANSPARENCIA))
    assert landing_name(both) == "transparency:list"


def test_a_head_of_unit_lands_on_the_requests(client, units):
    org_services.ensure_user("jefe", password=PASSWORD, roles=(Role.JEFE_UNIDAD,), head_of=(units["rentas"],))
    assert login(client, "jefe")["Location"] == REQUESTS


def test_the_units_work_comes_before_the_register(units):
    clerk = org_services.ensure_user(
        "secretaria", password=PASSWORD, roles=(Role.SOLICITANTE, Role.TRANSPARENCIA), units=(units["obras"],)
    )
    assert landing_name(clerk) == "workflows:request_list"


def test_a_safe_next_wins(client, users):
    detail = reverse("organization:delegation_list")
    response = login(client, "auditor", next=detail)
    assert response["Location"] == detail


@pytest.mark.parametrize(
    "external", ["https://evil.example/", "//evil.example/bandeja/", "http://testserver.evil.example/"]
)
def test_an_external_next_is_ignored(client, users, external):
    response = login(client, "gerente", next=external)
    assert response.status_code == 302
    assert response["Location"] == INBOX


def test_a_logged_in_visit_to_the_login_page_lands_too(client, users):
    client.force_login(users["transparencia"])
    response = client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response["Location"] == REGISTER


def test_the_sites_root_lands_too(client, users):
    assert client.get("/")["Location"] == REQUESTS  # which asks to log in, as before
    client.force_login(users["publicador"])
    assert client.get("/")["Location"] == INBOX
    client.force_login(users["auditor"])
    assert client.get("/")["Location"] == AUDIT_LOG
