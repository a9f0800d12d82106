"""The header's navigation (base.html): which pages each person is offered, in order.

Here, in the wiring layer, because it names pages of every app. Each link says who sees
it; a person with many links (the superuser sees twelve) would overflow the desktop
header's one row, so past `MAX_ON_ROW` the office's tools (pages used weekly, not hourly)
fold under a "Más" button and the daily pages stay on the row. On phones the whole
navigation is behind the "Menú" button anyway (static/js/menu.js)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from organization.roles import Role
from organization.selectors import roles_of, unit_ids_of

# What fits one row at 1366 px beside the brand and the person's menu (test_role_walks).
MAX_ON_ROW = 8

EVERYONE = frozenset()
OFFICE_READERS = frozenset({Role.GERENTE, Role.REVISOR, Role.TRANSPARENCIA, Role.AUDITOR})
RECORD_READERS = frozenset({Role.TRANSPARENCIA, Role.AUDITOR})
PRESS_OFFICE = frozenset({Role.REVISOR, Role.GERENTE, Role.PUBLICADOR})
REPORT_READERS = frozenset({Role.GERENTE, Role.TRANSPARENCIA, Role.AUDITOR})


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    # The roles that see it (EVERYONE: every logged-in person); the superuser sees all.
    roles: frozenset = EVERYONE
    # A tool folds under "Más" when the row is full.
    tool: bool = False
    # Only for people who belong to a unit (they write requests).
    unit_member: bool = False
    # Only for staff (Django's admin).
    staff: bool = False


ENTRIES = (
    Entry("approvals:inbox", _("Bandeja")),
    Entry("workflows:request_list", _("Solicitudes")),
    Entry("civic_calendar:month", _("Calendario")),
    Entry("press:archive", _("Prensa")),
    Entry("workflows:request_kind_choice", _("Nueva solicitud"), unit_member=True),
    Entry("workflows:urgent_publications", _("Urgentes"), OFFICE_READERS),
    Entry("organization:delegation_list", _("Encargaturas"), frozenset({Role.GERENTE}), tool=True),
    Entry("transparency:list", _("Transparencia"), RECORD_READERS),
    Entry("audit:log", _("Auditoría"), RECORD_READERS),
    Entry("dossier:list", _("Expedientes"), RECORD_READERS, tool=True),
    Entry("directory:journalist_list", _("Directorio"), PRESS_OFFICE, tool=True),
    Entry("reports:list", _("Informes"), REPORT_READERS, tool=True),
    Entry("admin:index", _("Administración"), staff=True, tool=True),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Navigation:
    on_row: list[Link]
    more: list[Link]  # under "Más"; empty when everything fits the row


def _offered(entry: Entry, user, roles, is_unit_member: bool) -> bool:
    if entry.staff:
        return user.is_staff
    if entry.unit_member:
        return is_unit_member
    return user.is_superuser or not entry.roles or bool(entry.roles & roles)


def navigation_for(user) -> Navigation:
    if not user.is_authenticated:
        return Navigation([], [])
    roles, is_unit_member = roles_of(user), bool(unit_ids_of(user))
    offered = [entry for entry in ENTRIES if _offered(entry, user, roles, is_unit_member)]
    folded = len(offered) > MAX_ON_ROW

    def link(entry):
        return Link(reverse(entry.url_name), entry.label)

    return Navigation(
        on_row=[link(entry) for entry in offered if not (folded and entry.tool)],
        more=[link(entry) for entry in offered if folded and entry.tool],
    )


def main_navigation(request):
    """Context processor: `main_navigation`, worked out only if a page shows it (fragments
    rendered for scripts never do)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"main_navigation": SimpleLazyObject(lambda: navigation_for(user))}
