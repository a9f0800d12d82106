"""Account events (login, logout, failed login, lockout) into the audit log.

Receivers of Django's and django-axes' signals: the only way to hear about logins made
by Django's own views. Each one hands over to the audit service at once."""

from django.contrib.auth import get_user_model
from django.db import transaction

from .services import record_event


def _username(credentials) -> str:
    return str((credentials or {}).get("username", ""))[:150]


def on_login(sender, request, user, **kwargs):
    with transaction.atomic():
        record_event(actor=user, action="login", target=user)


def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    with transaction.atomic():
        record_event(actor=user, action="logout", target=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = _username(credentials)
    user = get_user_model().objects.filter(username=username).first()
    with transaction.atomic():
        record_event(actor=None, action="login_failed", target=user, data={"username": username})


def on_locked_out(sender, request, username, ip_address, **kwargs):
    user = get_user_model().objects.filter(username=username).first()
    with transaction.atomic():
        record_event(actor=None, action="lockout", target=user, data={"username": str(username)[:150]})
