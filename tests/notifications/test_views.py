"""The JSON endpoints, marking read, preferences and the bell: a person only ever reads
and changes their own notifications, and every bad input gets a Spanish answer."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import selectors
from notifications.models import Kind, Notification, NotificationPreference
from tests.factories import create_request, request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

NEW_URL = reverse("notifications:new")
MARK_URL = reverse("notifications:mark_read")
PREFERENCES_URL = reverse("notifications:preferences")


def state_url(material_request):
    return reverse("notifications:request_state", args=[material_request.pk])


@pytest.fixture
def submitted(users, units):
    """Two requests submitted by rentas1: each reviewer has two notifications."""
    return [request_in_state(users, units, State.IN_REVIEW) for _ in range(2)]


def own(users, username):
    return list(Notification.objects.filter(recipient=users[username]).order_by("pk"))


def test_urls_are_spanish():
    assert NEW_URL == "/notificaciones/nuevas/"
    assert MARK_URL == "/notificaciones/marcar-leidas/"
    assert PREFERENCES_URL == "/notificaciones/preferencias/"
    assert reverse("notifications:request_state", args=[7]) == "/notificaciones/solicitud/7/estado/"


# --- nuevas/ ---------------------------------------------------------------------------------


def test_new_lists_only_ones_own_newest_first(client_for, users, submitted):
    mine = own(users, "revisor1")
    response = client_for("revisor1").get(NEW_URL, {"despues": mine[0].pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["unread"] == 2
    assert data["last_id"] == mine[1].pk
    assert [item["id"] for item in data["notifications"]] == [mine[1].pk]
    item = data["notifications"][0]
    assert item["kind"] == "new_submission"
    assert item["kind_label"] == "Nueva solicitud para revisar"
    assert item["message"].startswith("rentas1 envió ")
    assert item["url"] == f"/solicitudes/{submitted[1].pk}/"
    assert item["read"] is False
    everything = client_for("revisor1").get(NEW_URL).json()
    assert [item["id"] for item in everything["notifications"]] == [mine[1].pk, mine[0].pk]
    theirs = {n.pk for n in own(users, "revisor2")}
    assert not theirs & {item["id"] for item in everything["notifications"]}


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "", " ", "１２", str(2**63), "9" * 40])
def test_new_refuses_a_bad_id_with_a_spanish_json_error(client_for, users, bad):
    response = client_for("revisor1").get(NEW_URL, {"despues": bad})
    assert response.status_code == 400
    assert response.json() == {"error": "El parámetro «despues» debe ser un número entero no negativo."}


def test_new_is_for_logged_in_people_only(client):
    response = client.get(NEW_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/ingresar/")


# --- marcar-leidas/ ------------------------------------------------------------------------------


def test_mark_read_by_form_marks_only_ones_own_and_goes_back(client_for, users, submitted):
    mine, theirs = own(users, "revisor1"), own(users, "revisor2")
    client = client_for("revisor1")
    response = client.post(MARK_URL, {"ids": [mine[0].pk, theirs[0].pk], "next": "/solicitudes/"})
    assert response.status_code == 302
    assert response["Location"] == "/solicitudes/"
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
    assert Notification.objects.get(pk=mine[1].pk).read_at is None


def test_mark_read_never_redirects_elsewhere(client_for, users, submitted):
    mine = own(users, "revisor1")
    response = client_for("revisor1").post(MARK_URL, {"ids": [mine[0].pk], "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_mark_all_read_as_json(client_for, users, submitted):
    client = client_for("revisor1")
    response = client.post(MARK_URL, data=json.dumps({"all": True}), content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert selectors.unread_count(users["revisor2"]) == 2


def test_mark_some_read_as_json(client_for, users, submitted):
    mine, theirs = own(users, "revisor1"), own(users, "revisor2")
    response = client_for("revisor1").post(
        MARK_URL, data=json.dumps({"ids": [mine[1].pk, theirs[1].pk]}), content_type="application/json"
    )
    assert response.json() == {"marked": 1, "unread": 1}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{no es json", "El cuerpo de la solicitud no es JSON válido."),
        ("[1, 2]", "El cuerpo de la solicitud no es JSON válido."),
        ('{"ids": "1"}', "Los identificadores de notificación no son válidos."),
        ('{"ids": ["x"]}', "Los identificadores de notificación no son válidos."),
        ("{}", "Elija al menos una notificación para marcar como leída."),
    ],
)
def test_mark_read_refuses_bad_json_in_spanish(client_for, users, body, error):
    response = client_for("revisor1").post(MARK_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_mark_read_refuses_a_bad_form_with_a_spanish_page(client_for, users):
    response = client_for("revisor1").post(MARK_URL, {"ids": ["uno"]})
    assert response.status_code == 400
    assert "Los identificadores de notificación no son válidos." in response.content.decode()
    response = client_for("revisor1").post(MARK_URL, {})
    assert response.status_code == 400
    assert "Elija al menos una notificación" in response.content.decode()


def test_mark_read_is_post_only_and_csrf_protected(users, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["revisor1"])
    assert client.get(MARK_URL).status_code == 405
    response = client.post(MARK_URL, {"all": "1"})
    assert response.status_code == 403
    assert selectors.unread_count(users["revisor1"]) == 2


# --- preferencias/ --------------------------------------------------------------------------------


def test_preferences_page_shows_the_defaults_and_the_address(client_for, users):
    users["rentas1"].email = "rosa@example.gob.pe"
    users["rentas1"].save(update_fields=["email"])
    html = client_for("rentas1").get(PREFERENCES_URL).content.decode()
    assert "Preferencias de notificación" in html
    assert "rosa@example.gob.pe" in html
    for kind in Kind:
        assert f'value="{kind.value}"' in html
        assert str(kind.label) in html
    checked = set(re.findall(r'value="(\w+)" id="[^"]+" checked', html))
    assert checked == {"task_assigned", "observation", "returned", "approval", "rejection"}


def test_preferences_page_warns_when_there_is_no_address(client_for, users):
    html = client_for("rentas1").get(PREFERENCES_URL).content.decode()
    assert "Su cuenta no tiene dirección de correo" in html


def test_preferences_are_saved_per_person(client_for, users):
    client = client_for("rentas1")
    response = client.post(PREFERENCES_URL, {"email_kinds": ["deadline", "approval"]})
    assert response.status_code == 302
    assert response["Location"] == PREFERENCES_URL
    assert NotificationPreference.objects.get(user=users["rentas1"]).email_kinds == ["approval", "deadline"]
    assert "Preferencias de notificación guardadas." in client.get(PREFERENCES_URL).content.decode()
    assert not NotificationPreference.objects.filter(user=users["rentas2"]).exists()
    response = client.post(PREFERENCES_URL, {})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=users["rentas1"]).email_kinds == []


def test_preferences_refuse_an_unknown_kind_in_spanish(client_for, users):
    response = client_for("rentas1").post(PREFERENCES_URL, {"email_kinds": ["approval", "espionaje"]})
    assert response.status_code == 400
    assert "Escoja una opción válida" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=users["rentas1"]).exists()


def test_preferences_need_login(client):
    assert client.get(PREFERENCES_URL).status_code == 302


# --- solicitud/<pk>/estado/ ------------------------------------------------------------------------


def test_request_state_for_someone_who_may_see_it(client_for, users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    for username in ("rentas1", "rentas2", "revisor1", "gerente"):
        response = client_for(username).get(state_url(in_review))
        assert response.status_code == 200, username
        assert response.json() == {
            "request_id": in_review.pk,
            "state": "en_revision",
            "label": "En revisión",
            "revision": in_review.revision,
        }


def test_request_state_of_another_units_request_is_not_found(client_for, users, units):
    draft = create_request(users["social1"], units["social"])
    in_review = request_in_state(users, units, State.IN_REVIEW, author="social1", unit="social")
    for username, material_request in (("rentas1", draft), ("revisor1", draft), ("rentas1", in_review)):
        response = client_for(username).get(state_url(material_request))
        assert response.status_code == 404, username
        assert response.json() == {"error": "No existe la solicitud o no tiene acceso a ella."}
    missing = reverse("notifications:request_state", args=[in_review.pk + 1000])
    assert client_for("admin").get(missing).status_code == 404


def test_request_state_of_a_published_speech(client_for, users, units):
    published = request_in_state(users, units, State.PUBLISHED, kind="speech")
    assert client_for("transparencia").get(state_url(published)).json()["label"] == "Discurso pronunciado"


# --- the bell -------------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(client_for, users, submitted):
    client = client_for("revisor1")
    last = own(users, "revisor1")[-1]
    for url in ("/solicitudes/", f"/solicitudes/{submitted[0].pk}/", PREFERENCES_URL):
        html = client.get(url).content.decode()
        assert '<span id="bell-count" class="chip">2</span>' in html, url
        assert f'data-last-id="{last.pk}"' in html, url
        assert 'href="/bandeja/"' in html, url
        assert 'src="/static/js/live.js"' in html, url
    detail = client.get(f"/solicitudes/{submitted[0].pk}/").content.decode()
    assert f'id="request-state" data-request-id="{submitted[0].pk}"' in detail


def test_no_bell_and_no_live_script_for_anonymous_visitors(client):
    html = client.get("/ingresar/").content.decode()
    assert "bell-count" not in html
    assert "live.js" not in html


def test_a_zero_count_is_hidden(client_for, users):
    html = client_for("nobody").get("/solicitudes/").content.decode()
    assert '<span id="bell-count" class="chip" hidden>0</span>' in html


def test_the_bell_costs_one_query(client_for, users, submitted):
    client = client_for("revisor1")
    client.get("/solicitudes/")  # warm-up
    with CaptureQueriesContext(connection) as captured:
        client.get("/solicitudes/")
    bell_queries = [q["sql"] for q in captured.captured_queries if 'FROM "notifications_notification" ' in q["sql"]]
    assert len(bell_queries) == 1
