"""Account events (login, logout, failed login, lockout) into the audit log.

Receivers of Django's and django-axes' signals: the only way to hear about logins made
by Django's own views. Each one hands over to the audit service at once."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from . import context
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


def on_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A user joins or leaves a group (a role or a unit): a grant or revoke of every
    permission the group holds, whoever made it (services, the admin, a shell)."""
    if action == "pre_clear":
        # The only moment the members of a clear are still known.
        pk_set = set((instance.user_set if reverse else instance.groups).values_list("pk", flat=True))
        action = "post_remove"
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    audit_action = "group_added" if action == "post_add" else "group_removed"
    if reverse:  # group.user_set.add(users...)
        pairs = [(user, instance) for user in get_user_model().objects.filter(pk__in=pk_set)]
    else:  # user.groups.add(groups...)
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    actor = context.current().acting_user()
    with transaction.atomic():
        for user, group in pairs:
            record_event(actor=actor, action=audit_action, target=user, data={"group": group.name})
