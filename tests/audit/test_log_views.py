"""The audit log pages: who may read them, every filter, keyset pages, one request's trail."""

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import selectors
from audit.labels import ACTION_LABELS
from audit.models import AuditEvent
from tests.audit.helpers import raw
from tests.factories import create_request, request_in_state
from workflows import policies
from workflows.models import Kind, MaterialRequest, State

pytestmark = pytest.mark.django_db

LOG_URL = reverse("audit:log")
CSV_URL = reverse("audit:export_csv")
XLSX_URL = reverse("audit:export_xlsx")
ROW = re.compile(r'<tr data-event="(\d+)">')


def timeline_url(pk):
    return reverse("audit:request_timeline", kwargs={"pk": pk})


def bulk_events(count, *, start, step=timedelta(seconds=1), chain=None, **fields):
    """Write `count` events straight to the table (bulk_create, as the write-once model
    allows), one second apart from `start`, each with a unique hash."""
    chain = chain or f"test:{uuid.uuid4().hex[:12]}"
    defaults = {"action": "login", "actor_username": "", "comment": ""}
    defaults.update(fields)
    events = [
        AuditEvent(
            chain=chain,
            sequence=number + 1,
            occurred_at=start + step * number,
            hash=hashlib.sha256(f"{chain}:{number}".encode()).hexdigest(),
            **defaults,
        )
        for number in range(count)
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=2000)


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in ROW.findall(response.content.decode())]


# --- who ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    before = AuditEvent.objects.count()
    for url in (LOG_URL, timeline_url(material_request.pk), CSV_URL, XLSX_URL):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/ingresar/?next={url}"
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("username", ["auditor", "transparencia", "admin"])
def test_the_auditor_transparencia_and_administrators_read_the_log(client_for, username):
    response = client_for(username).get(LOG_URL)
    assert response.status_code == 200
    assert "Registro de auditoría" in response.content.decode()


@pytest.mark.parametrize("username", ["rentas1", "gerente", "revisor1", "publicador", "nobody"])
def test_everybody_else_is_refused_the_whole_section(client_for, users, units, username):
    own = create_request(users["rentas1"], units["rentas"])
    missing = MaterialRequest.objects.order_by("-pk").first().pk + 100
    client = client_for(username)
    before = AuditEvent.objects.filter(action="export").count()
    for url in (LOG_URL, timeline_url(own.pk), timeline_url(missing), CSV_URL, XLSX_URL):
        response = client.get(url)
        # The same answer whether the request exists or not: nothing leaks.
        assert response.status_code == 403, url
        assert "Solo el auditor y el responsable de transparencia" in response.content.decode()
    assert AuditEvent.objects.filter(action="export").count() == before


def test_the_log_answers_get_only(client_for):
    assert client_for("auditor").post(LOG_URL).status_code == 405


# --- what a row shows -------------------------------------------------------------------------


def test_a_row_shows_time_in_both_zones_user_delegation_action_reference_states_comment_hash_ip(
    client_for, users, units
):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    occurred = datetime(2026, 3, 10, 4, 30, 15, tzinfo=UTC)  # 23:30:15 the day before in Lima
    long_comment = "Observación extensa " * 10
    [event] = bulk_events(
        1,
        start=occurred,
        action="approve",
        actor=users["revisor1"],
        actor_username="revisor1",
        on_behalf_of=users["gerente"],
        object_type="workflows.materialrequest",
        object_id=str(material_request.pk),
        reference=material_request.reference,
        unit=units["rentas"],
        request_kind=Kind.CAMPAIGN,
        from_state=State.PENDING_APPROVAL,
        to_state=State.APPROVED,
        comment=long_comment,
        version_hash="ab" * 32,
        ip_address="10.1.2.3",
    )
    response = client_for("auditor").get(LOG_URL, {"date_from": "2026-03-09", "date_to": "2026-03-09"})
    assert response.status_code == 200
    assert shown_ids(response) == [event.pk]
    page = response.content.decode()
    assert settings.TIME_ZONE == "America/Lima"
    assert "09/03/2026 23:30:15" in page  # local
    assert "UTC 10/03/2026 04:30:15" in page
    assert "revisor1" in page
    assert "por encargo de gerente" in page
    assert "Aprobación" in page
    assert reverse("workflows:request_detail", args=[material_request.pk]) in page
    assert timeline_url(material_request.pk) in page
    assert material_request.reference in page
    assert "Pendiente de aprobación → Aprobada" in page
    assert long_comment not in page.replace(f'title="{long_comment}"', "")  # truncated in the cell
    assert "Observación extensa Observación extensa" in page
    assert ">" + "ab" * 6 + "<" in page  # the short version hash
    assert "10.1.2.3" in page


def test_the_log_names_people_and_says_what_other_events_are_about(client_for, users, units):
    revisor, gerente = users["revisor1"], users["gerente"]
    revisor.first_name, revisor.last_name = "Julia", "Pérez Ñaupari"
    revisor.save()
    gerente.first_name, gerente.last_name = "Marta", "Quispe"
    gerente.save()
    start = datetime(2026, 5, 4, 15, tzinfo=UTC)
    [logged_in] = bulk_events(
        1,
        start=start,
        action="group_added",
        actor=gerente,
        actor_username="gerente",
        on_behalf_of=revisor,
        object_type="auth.user",
        object_id=str(revisor.pk),
    )
    [other] = bulk_events(
        1,
        start=start + timedelta(minutes=1),
        action="revoke_delegation",
        object_type="organization.delegation",
        object_id="3",
    )
    response = client_for("auditor").get(LOG_URL, {"date_from": "2026-05-04", "date_to": "2026-05-04"})
    page = response.content.decode()
    assert "Marta Quispe (gerente)" in page
    assert "por encargo de Julia Pérez Ñaupari (revisor1)" in page
    assert "Usuario: Julia Pérez Ñaupari (revisor1)" in page
    assert "Encargatura n.º 3" in page
    assert f"usuario {revisor.pk}" not in page.lower()
    assert "auth.user" not in page and "organization.delegation" not in page
    assert {logged_in.pk, other.pk} == set(shown_ids(response))


def test_events_written_by_the_services_are_listed_newest_first(client_for, users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    response = client_for("auditor").get(LOG_URL, {"reference": material_request.reference})
    expected = list(
        AuditEvent.objects.filter(reference=material_request.reference)
        .order_by("-occurred_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert len(expected) >= 3
    assert shown_ids(response) == expected


# --- filters --------------------------------------------------------------------------------


@pytest.fixture
def trail(users, units):
    """Requests of two units and two kinds, moved by several people."""
    return {
        "rentas_campaign": request_in_state(users, units, State.PUBLISHED),
        "social_speech": request_in_state(
            users, units, State.IN_REVIEW, kind=Kind.SPEECH, author="social1", unit="social"
        ),
    }


def events_shown(client, **params):
    response = client.get(LOG_URL, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return AuditEvent.objects.filter(pk__in=shown_ids(response))


def test_filter_by_user_matches_who_acted_or_for_whom(client_for, users, trail):
    client = client_for("auditor")
    shown = events_shown(client, user="gerente")
    assert shown.exists()
    assert set(shown.values_list("action", flat=True)) >= {"approve"}
    assert all(event.actor_username == "gerente" or event.on_behalf_of_id == users["gerente"].pk for event in shown)
    [delegated] = bulk_events(
        1, start=datetime(2026, 1, 5, 15, tzinfo=UTC), action="approve", actor=users["revisor2"],
        actor_username="revisor2", on_behalf_of=users["gerente"],
    )  # fmt: skip
    assert delegated in events_shown(client, user="gerente")
    assert delegated not in events_shown(client, user="revisor1")


def test_filter_by_action(client_for, trail):
    shown = events_shown(client_for("auditor"), action="publish")
    assert [event.reference for event in shown] == [trail["rentas_campaign"].reference]


def test_filter_by_unit_and_kind(client_for, units, trail):
    client = client_for("auditor")
    by_unit = events_shown(client, unit=units["social"].pk)
    assert by_unit.exists()
    assert set(by_unit.values_list("reference", flat=True)) == {trail["social_speech"].reference}
    by_kind = events_shown(client, kind=Kind.CAMPAIGN)
    assert set(by_kind.values_list("reference", flat=True)) == {trail["rentas_campaign"].reference}
    assert not events_shown(client, unit=units["social"].pk, kind=Kind.CAMPAIGN).exists()


def test_filter_by_reference_finds_part_of_it(client_for, trail):
    reference = trail["social_speech"].reference
    shown = events_shown(client_for("auditor"), reference=reference[-5:])
    assert shown.exists()
    assert set(shown.values_list("reference", flat=True)) == {reference}


def test_date_filters_are_days_in_the_local_time_zone(client_for):
    # 23:30 on 9 March in Lima is already 10 March in UTC; 00:30 on 10 March is 05:30 UTC.
    [late] = bulk_events(1, start=datetime(2026, 3, 10, 4, 30, tzinfo=UTC))
    [early] = bulk_events(1, start=datetime(2026, 3, 10, 5, 30, tzinfo=UTC))
    [next_day] = bulk_events(1, start=datetime(2026, 3, 11, 5, 0, tzinfo=UTC))
    client = client_for("auditor")
    assert list(events_shown(client, date_from="2026-03-09", date_to="2026-03-09")) == [late]
    assert set(events_shown(client, date_from="2026-03-10", date_to="2026-03-10")) == {early}
    assert set(events_shown(client, date_from="10/03/2026", date_to="11/03/2026")) == {early, next_day}
    assert late not in events_shown(client, date_from="2026-03-10")
    assert next_day not in events_shown(client, date_to="2026-03-10")


def test_the_first_and_last_days_there_are_are_valid_bounds(client_for):
    [event] = bulk_events(1, start=datetime(2026, 3, 10, 15, tzinfo=UTC))
    assert event in events_shown(client_for("auditor"), date_from="0001-01-01", date_to="9999-12-31")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-45"}, "«Desde» no es una fecha válida («2026-13-45»)"),
        ({"date_to": "ayer"}, "«Hasta» no es una fecha válida («ayer»)"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "«Hasta» no puede ser anterior a «Desde»"),
        ({"user": "fantasma"}, "No hay ningún usuario «fantasma»"),
        ({"action": "borrar_todo"}, "Escoja una opción válida"),
        ({"unit": "999999"}, "Escoja una opción válida"),
        ({"kind": "folleto"}, "Escoja una opción válida"),
        ({"request": "999999"}, "No existe la solicitud indicada"),
        ({"before": "abc"}, "La página pedida no es válida"),
    ],
)
def test_malformed_filters_answer_400_with_a_spanish_message_and_keep_what_was_typed(client_for, params, message):
    bulk_events(3, start=datetime(2026, 3, 10, 15, tzinfo=UTC))
    response = client_for("auditor").get(LOG_URL, {**params, "reference": "COM-2026"})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Corrija los filtros marcados" in page
    assert 'value="COM-2026"' in page  # nothing typed is lost
    assert shown_ids(response) == []
    assert CSV_URL not in page  # no export of filters that mean nothing


# --- pages ------------------------------------------------------------------------------------


def test_pages_walk_the_whole_range_newest_first_without_gaps_or_repeats(client_for):
    start = datetime(2025, 6, 1, 12, tzinfo=UTC)
    events = bulk_events(60, start=start)
    # Ties on the time are settled by the id.
    events += bulk_events(60, start=start + timedelta(seconds=30), step=timedelta(0))
    expected = list(
        AuditEvent.objects.filter(pk__in=[event.pk for event in events])
        .order_by("-occurred_at", "-pk")
        .values_list("pk", flat=True)
    )
    client = client_for("auditor")
    filters = {"date_from": "2025-06-01", "date_to": "2025-06-01"}
    response = client.get(LOG_URL, filters)
    assert "120 eventos" in response.content.decode()
    pages, seen = [], []
    while True:
        ids = shown_ids(response)
        pages.append(ids)
        seen += ids
        older = re.search(r'href="\?([^"]*before=\d+)"', response.content.decode())
        if not older:
            break
        query = older.group(1).replace("&amp;", "&")
        assert "date_from=2025-06-01" in query  # the filters ride along
        response = client.get(f"{LOG_URL}?{query}")
    assert [len(ids) for ids in pages] == [selectors.PAGE_SIZE, selectors.PAGE_SIZE, 20]
    assert seen == expected
    # And back: "more recent" from the last page gives the middle page again.
    newer = re.search(r'href="\?([^"]*after=\d+)"', response.content.decode()).group(1).replace("&amp;", "&")
    assert shown_ids(client.get(f"{LOG_URL}?{newer}")) == pages[1]


def test_the_count_is_capped_past_the_limit(client_for, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    bulk_events(15, start=datetime(2025, 6, 1, 12, tzinfo=UTC))
    response = client_for("auditor").get(LOG_URL, {"date_from": "2025-06-01", "date_to": "2025-06-01"})
    assert "Más de 10 eventos" in response.content.decode()
    assert len(shown_ids(response)) == 15


def test_the_page_costs_the_same_queries_for_20_and_2000_events(client_for):
    client = client_for("auditor")
    params = {"date_from": "2025-06-01", "date_to": "2025-06-30"}
    bulk_events(20, start=datetime(2025, 6, 1, 12, tzinfo=UTC))
    client.get(LOG_URL, params)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(LOG_URL, params)
    bulk_events(1980, start=datetime(2025, 6, 2, 12, tzinfo=UTC))
    oldest = AuditEvent.objects.filter(occurred_at__year=2025).order_by("-occurred_at", "-pk")[100].pk
    with CaptureQueriesContext(connection) as large:
        response = client.get(LOG_URL, {**params, "before": oldest})
    assert len(shown_ids(response)) == selectors.PAGE_SIZE
    assert len(large.captured_queries) == len(small.captured_queries) + 1  # + the cursor's time


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_page_query_walks_the_occurred_at_index_without_sorting():
    events = selectors.filtered_events().order_by("-occurred_at", "-pk")[:51]
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "occurred_at" in plan
    assert "TEMP B-TREE" not in plan


# --- one request's trail --------------------------------------------------------------------


@pytest.mark.parametrize("username", ["auditor", "transparencia", "admin"])
def test_the_trail_of_any_request_drafts_and_cancelled_ones_included(client_for, users, units, username):
    for state in (State.DRAFT, State.CANCELLED, State.PUBLISHED):
        material_request = request_in_state(users, units, state)
        response = client_for(username).get(timeline_url(material_request.pk))
        assert response.status_code == 200, (username, state)
        assert material_request.reference in response.content.decode()


def test_the_trail_shows_the_chain_in_order_with_every_detail(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    events = list(AuditEvent.objects.filter(chain=f"materialrequest:{material_request.pk}").order_by("sequence"))
    assert [event.action for event in events] == ["create", "submit", "forward", "approve"]
    response = client_for("auditor").get(timeline_url(material_request.pk), HTTP_USER_AGENT="Navegador de prueba/1.0")
    page = response.content.decode()
    positions = [page.index(f'id="evento-{event.sequence}"') for event in events]
    assert positions == sorted(positions)
    for event in events:
        assert event.hash in page
        if event.prev_hash:
            assert event.prev_hash in page
        if event.version_hash:
            assert event.version_hash in page
    for label in ("Creación del borrador", "Envío a revisión", "Derivación a aprobación", "Aprobación"):
        assert label in page
    assert "Pendiente de aprobación → Aprobada" in page
    # Exports of this trail only.
    assert f"{CSV_URL}?request={material_request.pk}" in page
    assert f"{XLSX_URL}?request={material_request.pk}" in page


def test_the_trail_shows_where_each_event_came_from_and_its_data(client_for, users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    response = client_for("rentas1").post(
        reverse("workflows:request_action", args=[material_request.pk, "submit"]),
        {"revision": material_request.revision, "comment": "Lista para revisión"},
        HTTP_USER_AGENT="Navegador de prueba/1.0",
    )
    assert response.status_code == 302
    submit = AuditEvent.objects.get(chain=f"materialrequest:{material_request.pk}", action="submit")
    assert submit.request_id and submit.ip_address
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                chain=submit.chain,
                sequence=99,
                occurred_at=submit.occurred_at + timedelta(seconds=1),
                action="share",
                actor_username="jefe",
                data={"unit": "obras", "motivo": "Coautoría"},
                hash="f" * 64,
            )
        ]
    )
    page = client_for("auditor").get(timeline_url(material_request.pk)).content.decode()
    assert "Navegador de prueba/1.0" in page
    assert submit.request_id in page
    assert submit.ip_address in page
    assert "Lista para revisión" in page
    assert "Solicitud compartida" in page
    assert "&quot;unit&quot;: &quot;obras&quot;" in page  # the event's data, as JSON
    assert "Coautoría" in page


def test_the_trail_says_its_chain_verifies(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    page = client_for("auditor").get(timeline_url(material_request.pk)).content.decode()
    assert "Cadena verificada: los 4 eventos corresponden a sus hashes" in page
    assert "Cadena rota" not in page


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's triggers refuse the tampering itself")
def test_the_trail_shows_where_a_tampered_chain_breaks(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    forward = AuditEvent.objects.get(chain=f"materialrequest:{material_request.pk}", action="forward")
    # What someone with the database file could do (past the triggers).
    raw("UPDATE audit_auditevent SET comment = %s WHERE id = %s", ["Todo conforme", forward.pk])
    page = client_for("auditor").get(timeline_url(material_request.pk)).content.decode()
    assert f"Cadena rota en la posición {forward.sequence}:" in page
    assert "Cadena verificada" not in page
    broken = page.index("Aquí se rompe la cadena.")
    assert page.index(f'id="evento-{forward.sequence}"') < broken < page.index(f'id="evento-{forward.sequence + 1}"')


def test_the_log_of_one_request_says_so(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    other = request_in_state(users, units, State.IN_REVIEW)
    response = client_for("auditor").get(LOG_URL, {"request": material_request.pk})
    page = response.content.decode()
    assert f"Solo los eventos de la solicitud {material_request.reference}" in page
    shown = AuditEvent.objects.filter(pk__in=shown_ids(response))
    assert set(shown.values_list("reference", flat=True)) == {material_request.reference}
    assert other.reference not in page
    assert f"request={material_request.pk}" in page  # the exports keep it


def test_the_trail_costs_the_same_queries_for_4_and_304_events(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    client = client_for("auditor")
    url = timeline_url(material_request.pk)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    chain = f"materialrequest:{material_request.pk}"
    AuditEvent.objects.bulk_create(
        AuditEvent(
            chain=chain,
            sequence=sequence,
            occurred_at=datetime(2026, 3, 10, 15, tzinfo=UTC) + timedelta(seconds=sequence),
            action="download",
            hash=hashlib.sha256(f"{chain}:{sequence}".encode()).hexdigest(),
        )
        for sequence in range(5, 305)
    )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count('id="evento-') == 304
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_trail_of_a_missing_request_is_not_found(client_for):
    missing = (MaterialRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 100
    assert client_for("auditor").get(timeline_url(missing)).status_code == 404


def test_the_trail_links_to_the_request_page_only_for_who_may_open_it(client_for, users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    published = request_in_state(users, units, State.PUBLISHED)
    detail = reverse("workflows:request_detail", args=[draft.pk])
    assert f'href="{detail}"' not in client_for("auditor").get(timeline_url(draft.pk)).content.decode()
    assert f'href="{detail}"' in client_for("admin").get(timeline_url(draft.pk)).content.decode()
    detail = reverse("workflows:request_detail", args=[published.pk])
    assert f'href="{detail}"' in client_for("auditor").get(timeline_url(published.pk)).content.decode()


# --- labels -------------------------------------------------------------------------------------


def test_every_action_the_project_records_has_a_spanish_label():
    codes = set(policies.ACTIONS)
    root = Path(settings.BASE_DIR)
    for path in root.rglob("*.py"):
        if any(part in {".venv", "tests", "migrations", "node_modules"} for part in path.relative_to(root).parts):
            continue
        source = path.read_text(encoding="utf-8")
        for call in re.finditer(r"record_event\((.*?)\)\n", source, re.S):
            codes.update(re.findall(r'action="(\w+)"', call.group(1)))
    assert {"create", "approve", "login", "download", "delegate", "export"} <= codes
    missing = sorted(code for code in codes if code not in ACTION_LABELS)
    assert not missing, f"actions without a label in audit/labels.py: {missing}"
