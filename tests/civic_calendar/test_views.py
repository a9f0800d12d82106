"""The calendar's pages: who gets what on every event URL (404 for what one may not see,
403 for what one may see but not do), CSRF, bad input answered in Spanish, the month
grid, the list's filters, spawning from the page with its overdue confirmation, and
request titles never shown to who may not see the request."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civic_calendar import services
from civic_calendar.models import CalendarEvent, Category, EventNeed
from tests.factories import advance, create_request
from workflows.models import Kind, MaterialRequest, State

from .conftest import PRESS_RELEASE, SPEECH, event_data, in_days

pytestmark = pytest.mark.django_db

LOGIN = "302→login"
OFFICE = {"revisor1", "gerente", "publicador", "admin"}
PEOPLE = ["anonymous", "rentas1", "jefe_rentas", "social1", "obras1", *sorted(OFFICE), "transparencia", "auditor"]


def answer(client, method, path, data=None):
    response = client.post(path, data or {}) if method == "POST" else client.get(path)
    if response.status_code == 302 and response["Location"].startswith("/ingresar/"):
        return LOGIN
    return response.status_code


@pytest.fixture
def clients(users, jefe_rentas):
    result = {"anonymous": Client()}
    for username in PEOPLE[1:]:
        result[username] = Client()
        result[username].force_login(users[username])
    return result


# --- the matrix of the event URLs ---------------------------------------------------------


def expected(username, event_key, url):
    """The oracle: written from the rules, not read from civic_calendar.policies."""
    if username == "anonymous":
        return LOGIN
    visible = event_key == "public" or (event_key == "reserved" and (username in OFFICE or username == "obras1"))
    if not visible:
        return 404
    if url == "detail":
        return 200
    if username not in OFFICE:
        return 403
    return {
        "edit": 200,
        "cancel": 400,  # no reason given
        "need_add": 400,  # no kind given
        "need_remove": 302,
        "need_link": 400,  # no reference given
        # The public event is of Rentas, whose head receives the drafts; Obras has no head.
        "spawn": 302 if event_key == "public" else 400,
    }[url]


def test_event_url_matrix(users, units, clients):
    public = services.create_event(users["gerente"], data=event_data(units, days=60), needs=[SPEECH, PRESS_RELEASE])
    reserved = services.create_event(
        users["gerente"], data=event_data(units, days=60, unit="obras", internal=True), needs=[SPEECH]
    )
    missing_pk = reserved.pk + 1000
    events = {"public": public, "reserved": reserved, "missing": None}
    cells, wrong = 0, []
    for key, event in events.items():
        pk = event.pk if event else missing_pk
        need_pk = event.needs.order_by("pk").first().pk if event else 1
        urls = {
            "detail": ("GET", reverse("civic_calendar:event_detail", args=[pk])),
            "edit": ("GET", reverse("civic_calendar:event_edit", args=[pk])),
            "cancel": ("POST", reverse("civic_calendar:event_cancel", args=[pk])),
            "need_add": ("POST", reverse("civic_calendar:need_add", args=[pk])),
            "need_remove": ("POST", reverse("civic_calendar:need_remove", args=[pk, need_pk])),
            "need_link": ("POST", reverse("civic_calendar:need_link", args=[pk, need_pk])),
            "spawn": ("POST", reverse("civic_calendar:spawn", args=[pk])),
        }
        for username in PEOPLE:
            for url, (method, path) in urls.items():
                before = (CalendarEvent.objects.count(), EventNeed.objects.count(), MaterialRequest.objects.count())
                with transaction.atomic():
                    got = answer(clients[username], method, path)
                    if got != 302:
                        after = (
                            CalendarEvent.objects.count(),
                            EventNeed.objects.count(),
                            MaterialRequest.objects.count(),
                        )
                        assert after == before, (username, url, key)
                    transaction.set_rollback(True)
                cells += 1
                want = expected(username, key, url)
                if got != want:
                    wrong.append(f"{username} {method} {url} {key}: expected {want}, got {got}")
    assert cells == len(PEOPLE) * 7 * 3
    assert not wrong, "\n".join(wrong)


def test_a_hidden_event_and_a_missing_one_get_the_same_answer(users, units, clients):
    reserved = services.create_event(
        users["gerente"], data=event_data(units, days=60, unit="obras", internal=True), needs=[SPEECH]
    )
    client = clients["social1"]
    bodies = []
    for pk in (reserved.pk, reserved.pk + 1000):
        response = client.get(reverse("civic_calendar:event_detail", args=[pk]))
        assert response.status_code == 404
        bodies.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()))
    assert bodies[0] == bodies[1]
    assert reserved.title not in bodies[0]


def test_a_need_of_another_event_is_not_found_through_this_one(users, units, clients):
    one = services.create_event(users["gerente"], data=event_data(units, days=60), needs=[SPEECH])
    other = services.create_event(users["gerente"], data=event_data(units, days=61), needs=[SPEECH])
    foreign = other.needs.get()
    for name in ("civic_calendar:need_remove", "civic_calendar:need_link"):
        response = clients["gerente"].post(reverse(name, args=[one.pk, foreign.pk]), {"reference": "COM-1"})
        assert response.status_code == 404
    assert EventNeed.objects.filter(pk=foreign.pk).exists()


# --- CSRF ----------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused(users, units, jefe_rentas):
    event = services.create_event(users["gerente"], data=event_data(units, days=60), needs=[SPEECH])
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["gerente"])
    for path, data in (
        (reverse("civic_calendar:spawn", args=[event.pk]), {}),
        (reverse("civic_calendar:event_cancel", args=[event.pk]), {"reason": "Sin token."}),
        (reverse("civic_calendar:event_create"), {"title": "Sin token"}),
        (reverse("civic_calendar:feed_renew"), {}),
    ):
        assert client.post(path, data).status_code == 403, path
    assert not MaterialRequest.objects.exists()
    event.refresh_from_db()
    assert not event.is_cancelled
    assert CalendarEvent.objects.count() == 1
    # With the page's token the same spawn goes through.
    page = client.get(reverse("civic_calendar:event_detail", args=[event.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("civic_calendar:spawn", args=[event.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert MaterialRequest.objects.count() == 1


# --- forms and bad input -------------------------------------------------------------------


def form_data(**overrides):
    start = in_days(45)
    data = {
        "title": "Izamiento por el aniversario",
        "category": Category.CEREMONY,
        "start_date": start.isoformat(),
        "end_date": "",
        "start_time": "09:00",
        "end_time": "10:30",
        "place": "Plaza Bolívar",
        "unit": "",
        "description": "",
        "needs": ["speech:", "publication:nota_prensa"],
    }
    data.update(overrides)
    return data


def test_the_office_creates_an_event_with_its_needs_from_the_form(client_for, units):
    client = client_for("revisor1")
    page = client.get(reverse("civic_calendar:event_create"))
    assert page.status_code == 200
    token = re.search(r'name="client_token" value="([^"]+)"', page.content.decode()).group(1)
    data = form_data(unit=units["rentas"].pk, client_token=token)
    response = client.post(reverse("civic_calendar:event_create"), data)
    event = CalendarEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "civic_calendar:event_detail", args=[event.pk]
    )
    assert event.end_date == event.start_date and not event.all_day
    assert event.start_time.hour == 9
    assert sorted(event.needs.values_list("kind", "publication_format")) == [
        ("publication", "nota_prensa"),
        ("speech", ""),
    ]
    # The same page sent twice makes one event.
    client.post(reverse("civic_calendar:event_create"), data)
    assert CalendarEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "2000-01-01"}, "La fecha de fin no puede ser anterior a la de inicio."),
        ({"start_date": "31/02/2026"}, "Introduzca una fecha válida (día, mes y año)."),
        ({"start_time": ""}, "Indique la hora de inicio o marque «todo el día»."),
        ({"start_time": "25:99"}, "Introduzca una hora válida (horas y minutos)."),
        ({"end_time": "08:00"}, "La hora de fin debe ser posterior a la de inicio."),
        ({"title": ""}, "Este campo es obligatorio."),
        ({"needs": ["banner:"]}, "Escoja una opción válida."),
    ],
)
def test_bad_event_input_is_refused_in_spanish_and_nothing_is_written(client_for, overrides, message):
    response = client_for("gerente").post(reverse("civic_calendar:event_create"), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CalendarEvent.objects.exists()


def test_an_edit_from_a_stale_page_is_refused(users, units, client_for):
    event = services.create_event(users["gerente"], data=event_data(units, days=45))
    services.update_event(users["revisor1"], event, data={"place": "Parque Vivanco"}, expected_revision=None)
    data = form_data(place="Otro lugar", revision=1, needs=[])
    response = client_for("gerente").post(reverse("civic_calendar:event_edit", args=[event.pk]), data)
    assert response.status_code == 409
    assert "El evento cambió desde que abrió esta página" in response.content.decode()
    event.refresh_from_db()
    assert event.place == "Parque Vivanco"


def test_bad_months_are_answered_in_spanish(client_for):
    client = client_for("rentas1")
    response = client.get(reverse("civic_calendar:month"), {"mes": "2026-13"})
    assert response.status_code == 400
    assert "no es válido: use AAAA-MM" in response.content.decode()
    response = client.get(reverse("civic_calendar:list"), {"mes": "diciembre"})
    assert response.status_code == 400
    assert "Indique el mes como AAAA-MM" in response.content.decode()


def test_cancelling_needs_a_reason(users, units, client_for):
    event = services.create_event(users["gerente"], data=event_data(units, days=45))
    client = client_for("gerente")
    response = client.post(reverse("civic_calendar:event_cancel", args=[event.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Indique el motivo de la anulación." in response.content.decode()
    response = client.post(reverse("civic_calendar:event_cancel", args=[event.pk]), {"reason": "Duelo nacional."})
    assert response.status_code == 302
    response = client.get(reverse("civic_calendar:event_edit", args=[event.pk]))
    assert response.status_code == 409
    assert "El evento está anulado" in response.content.decode()


def test_linking_a_reference_nobody_may_see_says_so(users, units, client_for):
    event = services.create_event(users["gerente"], data=event_data(units, days=45), needs=[SPEECH])
    draft = create_request(users["rentas1"], units["rentas"], Kind.SPEECH)
    need = event.needs.get()
    response = client_for("gerente").post(
        reverse("civic_calendar:need_link", args=[event.pk, need.pk]), {"reference": draft.reference.lower()}
    )
    assert response.status_code == 400
    assert "No hay una solicitud con esa referencia que usted pueda ver." in response.content.decode()
    need.refresh_from_db()
    assert need.request is None


# --- spawning from the page ----------------------------------------------------------------


def test_spawning_overdue_needs_asks_for_confirmation_on_the_page(users, units, client_for, jefe_rentas):
    event = services.create_event(users["gerente"], data=event_data(units, days=6), needs=[SPEECH])
    client = client_for("gerente")
    path = reverse("civic_calendar:spawn", args=[event.pk])
    detail = client.get(reverse("civic_calendar:event_detail", args=[event.pk])).content.decode()
    assert "ya vencida" in detail  # the preview already warns

    response = client.post(path)
    body = response.content.decode()
    assert response.status_code == 409
    assert 'id="overdue-confirmation"' in body
    assert "La fecha requerida de 1 solicitud ya pasó" in body
    assert "Confirme para crearla con fecha requerida hoy; quedará marcada" in body  # one need: singular
    assert 'name="confirmar" value="1"' in body
    assert not MaterialRequest.objects.exists()

    response = client.post(path, {"confirmar": "1"})
    assert response.status_code == 302
    need = event.needs.get()
    assert need.request.requested_by == timezone.localdate()
    assert need.spawned_late
    page = client.get(reverse("civic_calendar:event_detail", args=[event.pk]), follow=True).content.decode()
    assert "generada fuera de plazo" in page
    assert "badge-late" in page


def test_spawning_for_a_unit_without_a_head_is_refused_in_spanish(users, units, client_for):
    event = services.create_event(users["gerente"], data=event_data(units, days=60, unit="social"), needs=[SPEECH])
    response = client_for("gerente").post(reverse("civic_calendar:spawn", args=[event.pk]))
    assert response.status_code == 400
    assert "no tiene un jefe de unidad activo" in response.content.decode()
    assert not MaterialRequest.objects.exists()


# --- what each person sees -------------------------------------------------------------------


def test_request_titles_are_shown_only_to_who_may_see_the_request(users, units, client_for, jefe_rentas):
    event = services.create_event(users["gerente"], data=event_data(units, days=60), needs=[SPEECH, PRESS_RELEASE])
    speech = advance(
        create_request(users["rentas1"], units["rentas"], Kind.SPEECH, title="Discurso con datos aún reservados"),
        State.IN_REVIEW,
        users,
    )
    services.link_request(users["gerente"], event.needs.get(kind=Kind.SPEECH), speech)
    services.spawn_requests(users["gerente"], event)
    draft = event.needs.get(kind=Kind.PUBLICATION).request
    path = reverse("civic_calendar:event_detail", args=[event.pk])

    def page(username):
        response = client_for(username).get(path)
        assert response.status_code == 200
        return response.content.decode()

    # The gerente sees the submitted speech, not Rentas' draft.
    gerente = page("gerente")
    assert speech.title in gerente and speech.reference in gerente
    assert draft.reference not in gerente
    assert "Una solicitud que usted no puede ver" in gerente
    # The publicador plans with the office but sees neither request yet.
    publicador = page("publicador")
    assert 'id="needs"' in publicador
    assert speech.title not in publicador and speech.reference not in publicador and draft.reference not in publicador
    # Rentas sees both of its requests.
    rentas = page("rentas1")
    assert speech.title in rentas and draft.reference in rentas
    assert "Generar las solicitudes" not in rentas and "Anular el evento" not in rentas
    # Another unit sees the public event, but not what it needs.
    social = page("social1")
    assert 'id="needs"' not in social
    assert speech.title not in social and "Nota de prensa" not in social


def test_the_month_grid(users, units, client_for, jefe_rentas):
    today = timezone.localdate()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    event = services.create_event(
        users["gerente"],
        data=event_data(units, title="Día de la Bandera", all_day=True, start_time=None, end_time=None)
        | {"start_date": next_month + timedelta(days=6), "end_date": next_month + timedelta(days=6)},
        needs=[SPEECH],
    )
    # A need whose date has certainly passed: 60 working days before next month.
    late = services.add_need(
        users["gerente"], event, kind=Kind.PUBLICATION, publication_format="nota_prensa", lead_days=60
    )
    assert late.is_late(today)

    client = client_for("gerente")
    current = client.get(reverse("civic_calendar:month")).content.decode()
    assert f'data-date="{today.isoformat()}" aria-current="date"' in current
    assert f'href="?mes={next_month:%Y-%m}"' in current

    response = client.get(reverse("civic_calendar:month"), {"mes": f"{next_month:%Y-%m}"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-current="date"' not in body  # today is not in next month's grid
    cell = body[body.index(f'data-date="{event.start_date.isoformat()}"') :]
    cell = cell[: cell.index("</td>")]
    assert "Día de la Bandera" in cell
    assert "Discurso del Alcalde" in cell and "Nota de prensa" in cell
    assert cell.count("badge-late") == sum(need.is_late(today) for need in event.needs.all())
    # Another unit's member sees the date, not its needs.
    social = client_for("social1").get(reverse("civic_calendar:month"), {"mes": f"{next_month:%Y-%m}"}).content.decode()
    social_cell = social[social.index(f'data-date="{event.start_date.isoformat()}"') :]
    social_cell = social_cell[: social_cell.index("</td>")]
    assert "Día de la Bandera" in social_cell and "Nota de prensa" not in social_cell


def test_the_month_grid_reads_a_fixed_number_of_queries(users, units, client_for, jefe_rentas):
    client = client_for("jefe_rentas")
    month = {"mes": f"{in_days(40):%Y-%m}"}
    first = services.create_event(users["gerente"], data=event_data(units, days=40), needs=[SPEECH])
    services.spawn_requests(users["gerente"], first)
    client.get(reverse("civic_calendar:month"), month)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("civic_calendar:month"), month)
    start = in_days(40).replace(day=1)
    for offset in range(20):
        event = services.create_event(
            users["gerente"],
            data=event_data(units)
            | {"start_date": start + timedelta(days=offset), "end_date": start + timedelta(days=offset)},
            needs=[SPEECH, PRESS_RELEASE],
        )
        if offset % 4 == 0:
            services.spawn_requests(users["gerente"], event, confirm_overdue=True)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("civic_calendar:month"), month)
    assert response.content.decode().count('class="cal-event') == 21
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_list_filters_by_category_unit_and_month(users, units, client_for):
    gerente = users["gerente"]
    services.create_event(gerente, data=event_data(units, days=10, title="Ceremonia de Rentas"))
    services.create_event(
        gerente,
        data=event_data(units, days=12, title="Conferencia de Obras", unit="obras", category=Category.PRESS_CONFERENCE),
    )
    services.create_event(gerente, data=event_data(units, days=-30, title="Ceremonia pasada"))
    client = client_for("rentas2")
    path = reverse("civic_calendar:list")

    def titles(**params):
        response = client.get(path, params)
        assert response.status_code == 200
        return set(re.findall(r'data-event="\d+">.*?<a href="[^"]+">([^<]+)</a>', response.content.decode(), re.S))

    assert titles() == {"Ceremonia de Rentas", "Conferencia de Obras"}  # upcoming only
    assert titles(category=Category.PRESS_CONFERENCE) == {"Conferencia de Obras"}
    assert titles(unit=units["rentas"].pk) == {"Ceremonia de Rentas"}
    assert titles(mes=f"{in_days(-30):%Y-%m}") >= {"Ceremonia pasada"}


def test_the_calendar_is_in_the_navigation_of_everyone_logged_in(client_for):
    for username in ("rentas1", "auditor", "gerente"):
        page = client_for(username).get(reverse("workflows:request_list")).content.decode()
        assert f'href="{reverse("civic_calendar:month")}"' in page


def test_the_subscription_address_is_shown_renewed_and_revoked(users, client_for):
    client = client_for("obras1")
    page = client.get(reverse("civic_calendar:month")).content.decode()
    assert 'id="feed-url"' not in page
    client.post(reverse("civic_calendar:feed_renew"))
    token = users["obras1"].calendar_feed.token
    page = client.get(reverse("civic_calendar:month")).content.decode()
    assert f"/calendario/ics/{token}.ics" in page
    client.post(reverse("civic_calendar:feed_revoke"))
    assert Client().get(f"/calendario/ics/{token}.ics").status_code == 404
    assert client.get(reverse("civic_calendar:feed_renew")).status_code == 405


def test_a_season_lists_its_needs_on_its_first_day_and_continues_as_a_strip(users, units):
    from civic_calendar.selectors import month_grid

    # A Wednesday early in a month two months ahead: the season crosses into the next week.
    start = (in_days(60).replace(day=1)) + timedelta(days=2)
    start += timedelta(days=(2 - start.weekday()) % 7)
    season = services.create_event(
        users["gerente"],
        data=event_data(units, all_day=True, start_time=None, end_time=None, category=Category.CAMPAIGN_SEASON)
        | {"start_date": start, "end_date": start + timedelta(days=8)},
        needs=[SPEECH],
    )
    assert start.weekday() == 2 and start.day <= 9
    weeks = month_grid(users["gerente"], start.year, start.month)
    days = {day.day: day for week in weeks for day in week}
    entries = {
        day: [e for e in days[day].entries if e.row.event == season] for day in days if day in set(season.days())
    }
    assert all(len(found) == 1 for found in entries.values())
    first, thursday, monday = start, start + timedelta(days=1), start + timedelta(days=5)
    assert entries[first][0].first and not entries[first][0].continued
    assert not entries[thursday][0].first and entries[thursday][0].continued
    assert not entries[monday][0].first and not entries[monday][0].continued  # a new week row: drawn in full
