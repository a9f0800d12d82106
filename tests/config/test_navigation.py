"""The header's navigation (config/navigation.py): who is offered which page, and the
office's tools folding under "Más" only for a person whose links would not fit one row."""

import pytest

from config.navigation import MAX_ON_ROW, navigation_for
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

DAILY = ["Bandeja", "Solicitudes", "Calendario", "Prensa"]


def labels(links):
    return [str(link.label) for link in links]


@pytest.mark.parametrize(
    ("username", "on_row", "more"),
    [
        ("rentas1", [*DAILY, "Nueva solicitud"], []),
        ("revisor1", [*DAILY, "Urgentes", "Directorio"], []),
        ("gerente", [*DAILY, "Urgentes", "Encargaturas", "Directorio", "Informes"], []),
        ("publicador", [*DAILY, "Directorio"], []),
        # Nine links: the dossiers and the reports fold.
        ("transparencia", [*DAILY, "Urgentes", "Transparencia", "Auditoría"], ["Expedientes", "Informes"]),
        ("auditor", [*DAILY, "Urgentes", "Transparencia", "Auditoría"], ["Expedientes", "Informes"]),
        (
            "admin",
            [*DAILY, "Urgentes", "Transparencia", "Auditoría"],
            ["Encargaturas", "Expedientes", "Directorio", "Informes", "Administración"],
        ),
    ],
)
def test_each_role_is_offered_its_pages_and_a_long_list_folds_its_tools(users, username, on_row, more):
    navigation = navigation_for(users[username])
    assert labels(navigation.on_row) == on_row
    assert labels(navigation.more) == more
    assert len(navigation.on_row) + (1 if navigation.more else 0) <= MAX_ON_ROW


def test_the_links_point_at_the_pages(users):
    navigation = navigation_for(users["admin"])
    urls = {str(link.label): link.url for link in navigation.on_row + navigation.more}
    assert urls["Bandeja"] == "/bandeja/"
    assert urls["Expedientes"] == "/expedientes/"
    assert urls["Administración"] == "/admin/"


def test_a_unit_head_writes_requests_and_the_anonymous_get_nothing(units, users):
    from django.contrib.auth.models import AnonymousUser

    head = ensure_user("jefe_rentas", password=PASSWORD, roles=(Role.JEFE_UNIDAD,), units=(units["rentas"],))
    assert labels(navigation_for(head).on_row) == [*DAILY, "Nueva solicitud"]
    assert navigation_for(AnonymousUser()).on_row == []


def test_the_page_shows_the_folded_tools_behind_a_disclosure_button(client, users):
    client.force_login(users["admin"])
    html = client.get("/solicitudes/").content.decode()
    assert 'aria-controls="nav-more" data-disclosure="dropdown">Más</button>' in html
    assert 'aria-controls="site-menu" data-disclosure>' in html
    client.force_login(users["gerente"])
    html = client.get("/solicitudes/").content.decode()
    assert "nav-more" not in html
    assert '<a href="/organizacion/encargaturas/">Encargaturas</a>' in html
