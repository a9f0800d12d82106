"""The lockout page (django-axes, registration/locked_out.html) says what is locked: this
username from this address (AXES_LOCKOUT_PARAMETERS = username + IP), and for how long
(AXES_COOLOFF_TIME), not that the account is blocked everywhere."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")


def lock_out(client: Client, username: str = "rentas1"):
    for _ in range(5):
        response = client.post(LOGIN_URL, {"username": username, "password": "equivocada"})
    assert response.status_code == 429
    return response


def test_the_lockout_says_from_this_address_and_for_how_long(client, users, settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME == 0.5
    body = lock_out(client).content.decode()
    assert "<h1>Cuenta bloqueada temporalmente desde esta dirección</h1>" in body
    assert "desde esta dirección de red (IP)" in body
    assert (
        "el ingreso con este usuario queda bloqueado desde esta dirección durante 30 minutos "
        "contados desde el último intento." in body
    )
    assert "El bloqueo no alcanza a otras direcciones ni a otros usuarios de esta dirección." in body
    # The old wording claimed the whole account was blocked.
    assert "la cuenta queda bloqueada" not in body

    # The right password from here is refused with the same page.
    refused = client.post(LOGIN_URL, {"username": "rentas1", "password": PASSWORD})
    assert refused.status_code == 429
    assert "desde esta dirección durante 30 minutos" in refused.content.decode()


def test_the_page_follows_the_cool_off_setting(client, users, settings):
    settings.AXES_COOLOFF_TIME = timedelta(hours=2)
    assert "durante 120 minutos contados" in lock_out(client).content.decode()
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    assert "durante 1 minuto contado desde" in lock_out(Client(REMOTE_ADDR="198.51.100.9")).content.decode()


def test_without_a_cool_off_the_page_says_until_unlocked(client, users, settings):
    settings.AXES_COOLOFF_TIME = None
    body = lock_out(client).content.decode()
    assert "queda bloqueado desde esta dirección hasta que el administrador del sistema lo desbloquee." in body
