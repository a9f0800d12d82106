"""Where a person lands after logging in: the page where their work is.

The one place that decides it. The destinations are URL names of the apps above
(resolved by Django when the page runs, so organization imports none of them); the
login view (config.views.LoginView) and the site's root ask `landing_url(user)`.
An explicit, safe `next` given to the login page still wins (Django's LoginView).

A person with several roles lands on the most work-ful destination, in this order:

1. the inbox (`/bandeja/`): the reviewers, the gerente, an active encargado of the
   gerente (organization.Delegation) and the publisher, whose tasks wait there;
2. the requests list: the units' staff (a member of a unit, solicitante or jefe de unidad),
   who follow and correct their requests there;
3. the transparency register: the responsable de transparencia, who answers requests
   with a legal deadline;
4. the audit log: the auditor (OCI), who only reads;
5. otherwise the requests list.
"""

from django.shortcuts import resolve_url

from .roles import Role
from .selectors import delegators_for, roles_of, unit_ids_of

INBOX = "approvals:inbox"
REQUESTS = "workflows:request_list"
TRANSPARENCY_REGISTER = "transparency:list"
AUDIT_LOG = "audit:log"
DEFAULT = REQUESTS

# The roles whose work waits in the inbox (their tasks: review, approval, publication).
INBOX_ROLES = frozenset({Role.REVISOR, Role.GERENTE, Role.PUBLICADOR})
UNIT_ROLES = frozenset({Role.SOLICITANTE, Role.JEFE_UNIDAD})


def landing_name(user) -> str:
    """The URL name of the page `user` starts on (see the module's order)."""
    if not user.is_authenticated or not user.is_active:
        return DEFAULT
    roles = roles_of(user)
    if roles & INBOX_ROLES or delegators_for(user):
        return INBOX
    if roles & UNIT_ROLES or unit_ids_of(user):
        return REQUESTS
    if Role.TRANSPARENCIA in roles:
        return TRANSPARENCY_REGISTER
    if Role.AUDITOR in roles:
        return AUDIT_LOG
    return DEFAULT


def landing_url(user) -> str:
    return resolve_url(landing_name(user))
