"""Errors get the site's Spanish pages, never Django's debug page with the URL list.

In-process, the test settings run with DEBUG off as the demo now does; the last case starts
`config.settings.dev` itself in a fresh interpreter, as `make run` does."""

import json

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from config.views import server_error
from tests.config.test_settings import manage, run, skip_if_dotenv_sets

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.error_urls")]

# What Django's technical 404 and 500 pages show, and a project URL they would list.
DEBUG_PAGE_MARKS = ("URLconf", "urlpatterns", "Traceback", "DEBUG = True", "solicitudes/", "Django tried")


def assert_no_debug_page(body: str) -> None:
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in body, mark


def test_the_tests_run_with_debug_off():
    assert settings.DEBUG is False


def test_an_unknown_address_gets_the_spanish_404(client):
    response = client.get("/no-existe/en-ninguna-parte/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>No encontrado</h1>" in body
    assert "La página o la solicitud no existe" in body
    assert_no_debug_page(body)


def test_a_refusal_gets_the_spanish_403(client):
    response = client.get("/prueba/prohibido/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>Acceso denegado</h1>" in body
    assert "No tiene permiso para realizar esta acción." in body
    assert_no_debug_page(body)


def test_a_malformed_request_gets_the_spanish_400(client):
    response = client.get("/prueba/sospechoso/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "<h1>Solicitud no válida</h1>" in body
    assert "malformed" not in body
    assert_no_debug_page(body)


def test_a_crash_gets_the_spanish_500_with_the_stylesheet():
    client = Client(raise_request_exception=False)
    response = client.get("/prueba/falla/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Error del servidor</h1>" in body
    assert 'href="/static/css/app.css"' in body
    assert "a view that crashes" not in body
    assert_no_debug_page(body)


def test_the_500_page_needs_no_database(django_assert_num_queries):
    # The database may be what failed: no context processor, no query.
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Error del servidor" in response.content.decode()


def test_a_refused_form_gets_the_spanish_csrf_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/ingresar/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>Formulario vencido</h1>" in body
    assert "CSRF verification failed" not in body


# --- the demo's own settings, in a fresh interpreter ----------------------------------

# With config.settings.dev as `make run` leaves it (DEBUG unset), after migrate and
# collectstatic: what a visitor of http://127.0.0.1:8000/ gets.
DEV_PROBE = """
import json, re
import django
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1:8000", raise_request_exception=False)
missing = client.get("/no-existe/")
login = client.get("/ingresar/")
stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', login.content.decode()).group(1)
css = client.get(stylesheet)
print(json.dumps({
    "debug": settings.DEBUG,
    "missing_status": missing.status_code,
    "missing_body": missing.content.decode(),
    "login_status": login.status_code,
    "login_csp": login.headers.get("Content-Security-Policy", ""),
    "stylesheet": stylesheet,
    "css_status": css.status_code,
}))
"""


@pytest.mark.slow
def test_the_demo_settings_serve_spanish_errors_and_collected_static_files(tmp_path):
    skip_if_dotenv_sets("DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "STATIC_ROOT", "SQLITE_PATH")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "SQLITE_PATH": str(tmp_path / "demo.sqlite3"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        result = manage(*step, **env)
        assert result.returncode == 0, result.stderr[-3000:]
    result = run(["-c", DEV_PROBE], **env)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert seen["missing_status"] == 404
    assert "<h1>No encontrado</h1>" in seen["missing_body"]
    assert_no_debug_page(seen["missing_body"])
    # 127.0.0.1 is an allowed host with DEBUG off, and the page carries the policy.
    assert seen["login_status"] == 200
    assert "script-src 'self'" in seen["login_csp"]
    # WhiteNoise serves what collectstatic wrote (DEBUG off: no finders).
    assert seen["stylesheet"] == "/static/css/app.css"
    assert seen["css_status"] == 200
    assert (tmp_path / "static" / "css" / "app.css").exists()
