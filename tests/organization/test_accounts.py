"""Account security: failed-login lockout (django-axes), login and logout in the audit log,
session lifetime, deactivated users, and membership removal taking effect at once.

Logins here go through the real login page: django-axes needs the request, which
`client.login` does not give it."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from organization.services import add_member, remove_member
from tests.factories import PASSWORD, create_request

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
LOGOUT_URL = reverse("logout")
LIST_URL = reverse("workflows:request_list")
LOCKED = "bloqueada"


def login(client, username, password=PASSWORD):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def account_events(action, user=None):
    events = AuditEvent.objects.filter(action=action)
    if user is not None:
        events = events.filter(object_type="auth.user", object_id=str(user.pk))
    return events


def detail_url(material_request):
    return reverse("workflows:request_detail", args=[material_request.pk])


def assert_sent_to_login(response):
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


# --- lockout -------------------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(client, users):
    rentas1 = users["rentas1"]
    for attempt in range(1, 5):
        response = login(client, "rentas1", "contraseña-equivocada")
        assert response.status_code == 200, attempt
        assert "Usuario o contraseña incorrectos" in response.content.decode()
        assert LOCKED not in response.content.decode()
    # The fifth failure reaches the limit: the answer is already the lockout page.
    response = login(client, "rentas1", "contraseña-equivocada")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert account_events("login_failed", rentas1).count() == 5
    assert account_events("lockout", rentas1).exists()
    for event in account_events("login_failed", rentas1):
        assert event.data == {"username": "rentas1"}
        assert event.actor is None
        assert event.ip_address == "127.0.0.1"

    # The sixth, with the right password, is refused with the Spanish page.
    response = login(client, "rentas1")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED in body
    assert "Cuenta bloqueada temporalmente" in body
    assert "_auth_user_id" not in client.session
    assert_sent_to_login(client.get(LIST_URL))
    assert not account_events("login", rentas1).exists()
    # The refused attempt is on the record too: a failed login and another lockout event.
    assert account_events("login_failed", rentas1).count() == 6
    assert account_events("lockout", rentas1).count() == 2

    # Another user from the same address is not affected.
    other = Client()
    response = login(other, "rentas2")
    assert response.status_code == 302
    assert account_events("login", users["rentas2"]).count() == 1


def test_the_lock_holds_for_the_username_and_address_together(client, users):
    """A stranger elsewhere cannot lock an official out: the lock is per username and address."""
    stranger = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        stranger.post(LOGIN_URL, {"username": "rentas1", "password": "adivinanza"})
    response = stranger.post(LOGIN_URL, {"username": "rentas1", "password": PASSWORD})
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    # From the office's address, the official still logs in.
    assert login(client, "rentas1").status_code == 302
    assert client.get(LIST_URL).status_code == 200


def test_failed_logins_of_unknown_users_are_recorded(client, org):
    response = login(client, "no-existe", "x")
    assert response.status_code == 200
    event = account_events("login_failed").get()
    assert event.data == {"username": "no-existe"}
    assert event.object_id == ""


def test_a_success_before_the_limit_resets_the_count(client, users):
    for _ in range(4):
        login(client, "rentas1", "mala")
    assert login(client, "rentas1").status_code == 302
    client.post(LOGOUT_URL)
    for attempt in range(4):
        response = login(client, "rentas1", "mala")
        assert response.status_code == 200, attempt
    assert login(client, "rentas1").status_code == 302


# --- login, logout, session ---------------------------------------------------------------------


def test_login_and_logout_are_audited_and_logout_ends_the_session(client, users):
    rentas1 = users["rentas1"]
    response = login(client, "rentas1")
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    event = account_events("login", rentas1).get()
    assert event.actor == rentas1
    assert event.ip_address == "127.0.0.1"
    assert client.get(LIST_URL).status_code == 200
    old_session = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert account_events("logout", rentas1).get().actor == rentas1
    assert_sent_to_login(client.get(LIST_URL))

    # The old session cookie is dead too, not only forgotten by this browser.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_session
    assert_sent_to_login(replay.get(LIST_URL))


def test_logout_needs_post(client, users):
    login(client, "rentas1")
    assert client.get(LOGOUT_URL).status_code == 405
    assert client.get(LIST_URL).status_code == 200
    assert not account_events("logout").exists()


def test_session_lifetime_settings():
    assert settings.SESSION_COOKIE_AGE <= 10 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.AXES_FAILURE_LIMIT == 5


def test_the_session_cookie_ends_with_the_browser(client, users):
    response = login(client, "rentas1")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]
    assert client.session.get_expire_at_browser_close()


def test_a_user_deactivated_while_logged_in_is_sent_to_login(client, users):
    rentas1 = users["rentas1"]
    assert login(client, "rentas1").status_code == 302
    assert client.get(LIST_URL).status_code == 200
    rentas1.is_active = False
    rentas1.save(update_fields=["is_active"])
    assert_sent_to_login(client.get(LIST_URL))
    assert_sent_to_login(client.get(reverse("workflows:request_kind_choice")))
    # And cannot log in again.
    fresh = Client()
    response = login(fresh, "rentas1")
    assert response.status_code == 200
    assert "Usuario o contraseña incorrectos" in response.content.decode()
    assert "_auth_user_id" not in fresh.session
    assert_sent_to_login(fresh.get(LIST_URL))


# --- membership ----------------------------------------------------------------------------------


def test_removing_a_member_removes_access_to_the_units_drafts_at_once(client, users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    assert login(client, "rentas2").status_code == 302
    assert client.get(detail_url(draft)).status_code == 200
    assert draft.reference in client.get(LIST_URL).content.decode()

    remove_member(units["rentas"], users["rentas2"])

    assert client.get(detail_url(draft)).status_code == 404
    assert draft.reference not in client.get(LIST_URL).content.decode()
    assert client.get(reverse("workflows:request_edit", args=[draft.pk])).status_code == 404
    # The author, still a member, keeps access.
    author = Client()
    assert login(author, "rentas1").status_code == 302
    assert author.get(detail_url(draft)).status_code == 200


def test_adding_a_member_grants_access_at_once(client, users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    assert login(client, "social1").status_code == 302
    assert client.get(detail_url(draft)).status_code == 404
    add_member(units["rentas"], users["social1"])
    assert client.get(detail_url(draft)).status_code == 200
