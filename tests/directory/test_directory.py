"""The directory's people, outlets and lists: validation, uniqueness, deactivation instead
of deletion, search and filters, audit events that carry no personal data, the CSV
export, and personal data hidden from everyone outside the office."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from directory import services
from directory.models import Journalist, MediaOutlet
from tests.directory.conftest import make_contact, make_journalist, make_list, make_outlet
from workflows.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


# --- services ------------------------------------------------------------------------------


def test_emails_are_unique_per_kind_of_person_whatever_their_case(publicador, outlet):
    make_journalist(publicador, outlet, email="Ana.Torres@Example.PE")
    assert Journalist.objects.get().email == "ana.torres@example.pe"
    with pytest.raises(InvalidInput) as refused:
        make_journalist(publicador, outlet, full_name="Otra Ana", email="ANA.TORRES@example.pe")
    assert refused.value.field_errors["email"] == [
        "El correo ana.torres@example.pe ya está registrado en el directorio: Ana Torres (Radio Capital)."
    ]
    # The same address may belong to an institutional contact: another kind of person.
    make_contact(publicador, email="ana.torres@example.pe")
    # Two journalists without email are fine.
    make_journalist(publicador, outlet, full_name="Sin correo 1", email="")
    make_journalist(publicador, outlet, full_name="Sin correo 2", email="")


def test_the_database_refuses_a_duplicate_email_that_slipped_past_the_check(publicador, outlet):
    make_journalist(publicador, outlet)
    with pytest.raises(IntegrityError), transaction.atomic():
        Journalist.objects.create(outlet=outlet, full_name="Copia", email="ANA.TORRES@example.pe")


def test_invalid_data_is_refused_field_by_field(publicador, outlet):
    with pytest.raises(InvalidInput) as refused:
        services.save_journalist(
            publicador, {"outlet": outlet, "full_name": "", "email": "no-es-correo", "phone": "llamar"}
        )
    errors = refused.value.field_errors
    assert set(errors) == {"full_name", "email", "phone"}
    assert not Journalist.objects.exists()
    with pytest.raises(InvalidInput) as refused:
        make_outlet(publicador, name="radio capital")  # same name, other case
    assert refused.value.field_errors["name"] == ["Ya existe un medio con ese nombre."]


def test_only_the_office_changes_the_directory(users, outlet):
    for username in ("admin", "transparencia", "auditor", "rentas1"):
        with pytest.raises(PermissionDenied):
            make_journalist(users[username], outlet)
    for username in ("revisor1", "gerente", "publicador"):
        make_journalist(users[username], outlet, email=f"{username}@example.pe")


def test_changes_are_audited_by_field_name_never_by_value(publicador, outlet):
    journalist = make_journalist(publicador, outlet)
    services.save_journalist(publicador, {"phone": "01 555 0000", "is_active": False}, instance=journalist)
    events = list(AuditEvent.objects.filter(object_type="directory.journalist").order_by("pk"))
    assert [event.action for event in events] == ["directory_create", "directory_update"]
    assert events[1].data == {"model": "journalist", "fields": ["is_active", "phone"]}
    for event in events:
        flat = str(event.data) + event.comment + event.reference
        assert "Ana" not in flat and "example.pe" not in flat and "555" not in flat
    # Saving the same values again records nothing.
    services.save_journalist(publicador, {"phone": "01 555 0000"}, instance=journalist)
    assert AuditEvent.objects.filter(object_type="directory.journalist").count() == 2


def test_a_deactivated_outlet_cannot_take_new_journalists(publicador):
    closed = make_outlet(publicador, name="Canal Cerrado", is_active=False)
    with pytest.raises(InvalidInput) as refused:
        make_journalist(publicador, closed)
    assert "desactivado" in refused.value.field_errors["outlet"][0]


def test_lists_keep_their_members_and_refuse_new_inactive_ones(publicador, directory):
    local = directory["local"]
    assert set(local.journalists.all()) == {directory["ana"], directory["sin_correo"], directory["inactivo"]}
    # An inactive member already in the list may stay; a new inactive one is refused.
    services.save_list(
        publicador,
        {"name": "Prensa local"},
        journalists=[directory["ana"], directory["inactivo"]],
        contacts=[],
        instance=local,
    )
    with pytest.raises(InvalidInput):
        services.save_list(publicador, {"name": "Otra"}, journalists=[directory["inactivo"]])
    with pytest.raises(InvalidInput) as refused:
        make_list(publicador, "PRENSA LOCAL")
    assert refused.value.field_errors["name"] == ["Ya existe una lista con ese nombre."]
    event = AuditEvent.objects.filter(action="directory_list_members", object_id=str(local.pk)).last()
    assert event.data["journalists_removed"] == [directory["sin_correo"].pk]
    assert event.data["contacts_removed"] == [directory["contact"].pk]


# --- pages --------------------------------------------------------------------------------


def test_create_and_edit_pages_save_through_the_service(client_for, outlet):
    client = client_for("revisor1")
    response = client.post(
        reverse("directory:journalist_create"),
        {
            "outlet": outlet.pk,
            "full_name": "Rosa Díaz",
            "email": "rosa@example.pe",
            "beat": "Cultura",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rosa = Journalist.objects.get(email="rosa@example.pe")
    response = client.post(
        reverse("directory:journalist_edit", args=[rosa.pk]),
        {"outlet": outlet.pk, "full_name": "Rosa Díaz", "email": "rosa@example.pe", "beat": "Cultura"},
    )
    assert response.status_code == 302
    rosa.refresh_from_db()
    assert not rosa.is_active  # unticked: deactivated, not deleted
    # An invalid form is answered 400 with the Spanish errors, and changes nothing.
    response = client.post(
        reverse("directory:journalist_edit", args=[rosa.pk]),
        {"outlet": outlet.pk, "full_name": "Rosa Díaz", "email": "mal", "beat": "Cultura", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Introduzca una dirección de correo electrónico válida" in response.content.decode()
    rosa.refresh_from_db()
    assert rosa.email == "rosa@example.pe" and not rosa.is_active


def test_the_administrator_reads_but_does_not_edit(client_for, publicador, outlet):
    journalist = make_journalist(publicador, outlet)
    client = client_for("admin")
    page = client.get(reverse("directory:journalist_edit", args=[journalist.pk]))
    assert page.status_code == 200 and "Solo lectura" in page.content.decode()
    response = client.post(
        reverse("directory:journalist_edit", args=[journalist.pk]),
        {"outlet": outlet.pk, "full_name": "Cambio", "email": journalist.email},
    )
    assert response.status_code == 403
    journalist.refresh_from_db()
    assert journalist.full_name == "Ana Torres"


def test_search_and_filters(client_for, directory):
    client = client_for("gerente")

    def names(query):
        response = client.get(reverse("directory:journalist_list"), query)
        assert response.status_code == 200
        return {person.full_name for person in response.context["page"].object_list}

    assert names({}) == {"Ana Torres", "Luis Paredes", "Óscar Tapia", "Marta Ríos"}
    assert names({"q": "vecino"}) == {"Luis Paredes", "Óscar Tapia"}  # outlet
    assert names({"q": "luis.paredes@"}) == {"Luis Paredes"}  # email
    assert names({"q": "polít"}) == {"Luis Paredes"}  # beat
    assert names({"outlet_type": "radio"}) == {"Ana Torres", "Marta Ríos"}
    assert names({"beat": "Política"}) == {"Luis Paredes"}
    assert names({"active": "no"}) == {"Marta Ríos"}
    assert names({"lista": directory["nacional"].pk}) == {"Ana Torres", "Luis Paredes"}
    response = client.get(reverse("directory:journalist_list"), {"outlet_type": "nada"})
    assert response.status_code == 400  # a bad filter is said so, and the list shown unfiltered
    response = client.get(reverse("directory:contact_list"), {"q": "embajada", "kind": "embajada"})
    assert [c.full_name for c in response.context["page"].object_list] == ["Inés Garrido"]
    response = client.get(reverse("directory:outlet_list"), {"outlet_type": "prensa"})
    assert [o.name for o in response.context["page"].object_list] == ["Diario El Vecino"]


def test_list_pages_run_a_fixed_number_of_queries(client_for, publicador, outlet):
    client = client_for("publicador")
    urls = [
        reverse("directory:journalist_list"),
        reverse("directory:outlet_list"),
        reverse("directory:contact_list"),
        reverse("directory:list_list"),
    ]

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    make_journalist(publicador, outlet)
    make_contact(publicador)
    make_list(publicador, "Una")
    first = counts()
    for n in range(15):
        other = make_outlet(publicador, name=f"Medio {n}")
        person = make_journalist(publicador, other, full_name=f"Persona {n}", email=f"p{n}@example.pe", beat=f"B{n}")
        make_contact(publicador, full_name=f"Contacto {n}", email=f"c{n}@example.pe")
        make_list(publicador, f"Lista {n}", journalists=[person])
    assert counts() == first


# --- personal data: who sees it -------------------------------------------------------------


def test_personal_data_is_not_found_outside_the_office(client_for, directory):
    ana = directory["ana"]
    pages = [
        reverse("directory:journalist_list"),
        reverse("directory:outlet_list"),
        reverse("directory:contact_list"),
        reverse("directory:list_list"),
        reverse("directory:journalist_edit", args=[ana.pk]),
        reverse("directory:contact_edit", args=[directory["contact"].pk]),
        reverse("directory:list_edit", args=[directory["local"].pk]),
        reverse("directory:export", args=["periodistas"]),
        reverse("directory:export", args=["instituciones"]),
    ]
    for username in ("transparencia", "auditor", "rentas1", "nobody"):
        client = client_for(username)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 404, (username, page)
            assert ana.email not in response.content.decode()
    for username in ("revisor1", "gerente", "publicador", "admin"):
        client = client_for(username)
        response = client.get(reverse("directory:journalist_list"))
        assert response.status_code == 200 and ana.email in response.content.decode()
    # No export was recorded for the refused ones.
    assert not AuditEvent.objects.filter(action="directory_export").exists()


def test_the_nav_link_shows_only_to_the_office(client_for):
    link = f'href="{reverse("directory:journalist_list")}"'
    for username, shown in (("publicador", True), ("revisor1", True), ("admin", True), ("transparencia", False)):
        html = client_for(username).get(reverse("workflows:request_list")).content.decode()
        assert (link in html) is shown, username


# --- export --------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_export_reads_back_as_an_import_and_neutralizes_formulas(client_for, publicador, directory):
    make_journalist(
        publicador, directory["ana"].outlet, full_name="=HYPERLINK(1)", email="formula@example.pe", beat="+Cifras"
    )
    client = client_for("publicador")
    response = client.get(reverse("directory:export", args=["periodistas"]), {"q": "radio capital"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["medio", "tipo_medio", "nombre", "correo"]
    by_email = {row[3]: row for row in rows[1:]}
    assert set(by_email) == {"ana.torres@example.pe", "marta.rios@example.pe", "formula@example.pe"}  # filtered
    assert by_email["formula@example.pe"][2] == "'=HYPERLINK(1)"
    assert by_email["formula@example.pe"][4] == "'+Cifras"
    assert by_email["ana.torres@example.pe"][10] == "Medios nacionales | Prensa local"
    assert by_email["marta.rios@example.pe"][9] == "no"
    event = AuditEvent.objects.get(action="directory_export")
    assert event.actor_username == "publicador"
    assert event.data == {"format": "csv", "what": "periodistas", "filters": {"q": "radio capital"}, "rows": 3}

    # The export's columns are the import's: the file goes back in elsewhere.
    from directory.importing import parse

    parsed = parse("periodistas", response.content.decode("utf-8-sig"))
    assert {"medio", "tipo_medio", "nombre", "correo", "fuente", "telefono"} <= set(parsed.columns)
    assert len(parsed.rows) == 3


def test_outlet_and_contact_exports(client_for, directory):
    client = client_for("gerente")
    outlets = read_csv(client.get(reverse("directory:export", args=["medios"])))
    assert [row[0] for row in outlets[1:]] == ["Diario El Vecino", "Radio Capital"]
    assert outlets[1][7] == "2"  # its journalists
    contacts = read_csv(client.get(reverse("directory:export", args=["instituciones"])))
    assert contacts[1][:4] == ["Embajada", "Embajada de España", "Inés Garrido", "prensa.embajada@example.pe"]
    assert client.get(reverse("directory:export", args=["usuarios"])).status_code == 404
    assert AuditEvent.objects.filter(action="directory_export").count() == 2


def test_the_export_query_count_is_fixed(client_for, publicador, outlet):
    client = client_for("publicador")
    make_journalist(publicador, outlet)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("directory:export", args=["periodistas"]))
    for n in range(10):
        person = make_journalist(publicador, outlet, full_name=f"P{n}", email=f"p{n}@example.pe")
        make_list(publicador, f"L{n}", journalists=[person])
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("directory:export", args=["periodistas"]))
    assert len(second) == len(first)
    assert MediaOutlet.objects.count() == 1
