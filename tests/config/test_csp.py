"""The Content-Security-Policy header (django-csp, config/settings/base.py) on the pages.

The templates' side (no inline script, handler or style) is tests/test_templates_csp.py;
that the pages really work under it, in a browser, is tests/e2e/test_csp_browser.py."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parsed = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        parsed[name] = value.strip()
    return parsed


def test_the_login_page_carries_the_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert directives(response) == EXPECTED
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


def test_the_public_record_carries_the_policy(client, org):
    response = client.get(reverse("public:list"))
    assert response.status_code == 200
    assert directives(response) == EXPECTED


def test_the_pages_people_work_in_carry_the_policy(client_for, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    client = client_for("gerente")
    for url in (
        reverse("workflows:request_list"),
        reverse("workflows:request_detail", args=[material_request.pk]),
        reverse("approvals:inbox"),
        reverse("civic_calendar:month"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response) == EXPECTED, url


def test_the_audit_log_carries_the_policy(client_for):
    response = client_for("auditor").get(reverse("audit:log"))
    assert response.status_code == 200
    assert directives(response) == EXPECTED


@pytest.mark.urls("tests.config.error_urls")
def test_error_pages_carry_the_policy(org):
    client = Client(raise_request_exception=False)
    assert directives(client.get("/no-existe/")) == EXPECTED
    assert directives(client.get("/prueba/falla/")) == EXPECTED
