"""The settings modules, each read in a fresh interpreter.

Settings read the environment when they are imported, so reloading them inside the test
process would test a mix of two environments. Every case here starts `manage.py` or a
small probe script in a subprocess with an environment built for it: the test run's own
environment minus every variable the settings read, plus the case's values.
"""

import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_DIR = BASE_DIR / "config" / "settings"
DOTENV = BASE_DIR / ".env"

# Every variable a settings module reads (env("X"), env.str("X"), env.db("X")...), found in
# the source so a new one is covered without editing this list, plus the two read otherwise.
_ENV_READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
SETTINGS_VARIABLES = frozenset(
    {name for path in SETTINGS_DIR.glob("*.py") for name in _ENV_READ.findall(path.read_text(encoding="utf-8"))}
    | {"DJANGO_SETTINGS_MODULE", "TEST_SQLITE_PATH"}
)

# Prints the requested names of a settings module as JSON. The local .env file is
# switched off: the test, not a developer's machine, decides the environment.
PROBE = """
import importlib, json, sys
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
module = importlib.import_module(sys.argv[1])
print(json.dumps({name: getattr(module, name) for name in sys.argv[2:]}, default=str))
"""

# Opens the default database through Django and reports what SQLite says about it.
SQLITE_PROBE = """
import json
import django
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy_timeout = cursor.fetchone()[0]
print(json.dumps({"journal_mode": journal_mode, "busy_timeout": busy_timeout,
                  "transaction_mode": connection.transaction_mode}))
"""

STRONG_SECRET_KEY = secrets.token_urlsafe(64)  # 86 characters, far above check --deploy's 50
# Production refuses to start without the audit checkpoints' key (audit/sealing.py).
CHECKPOINT_KEY = secrets.token_urlsafe(48)
PRODUCTION = "config.settings.production"


def clean_env(**overrides: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(overrides)
    return env


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], **env)


def probe(module: str, *names: str, **env: str) -> dict:
    result = run(["-c", PROBE, module, *names], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def skip_if_dotenv_sets(*names: str) -> None:
    """manage.py reads a local .env (never present in CI); one that sets what a case
    needs unset would make the case test the developer's file instead of the settings."""
    if not DOTENV.exists():
        return
    assigned = {
        line.split("=", 1)[0].removeprefix("export ").strip()
        for line in DOTENV.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    leaked = sorted(assigned & set(names))
    if leaked:
        pytest.skip(f"{DOTENV} sets {', '.join(leaked)}, which this case needs unset")


# --- production ---------------------------------------------------------------------


SIGNING_PASSPHRASE = "frase-de-paso-de-la-municipalidad"


@pytest.fixture(scope="module")
def real_certificate(tmp_path_factory):
    """A certificate that stands for the municipality's own (not named as a demo)."""
    from documents.signing import make_demo_certificate

    path = tmp_path_factory.mktemp("firma") / "municipalidad.p12"
    make_demo_certificate(
        str(path), SIGNING_PASSPHRASE, "Municipalidad de Prueba", common_name="Municipalidad de Prueba — Firma"
    )
    return str(path)


def production_check(certificate: str, passphrase: str) -> subprocess.CompletedProcess:
    return manage(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=STRONG_SECRET_KEY,
        ALLOWED_HOSTS="example.gob.pe",
        AUDIT_CHECKPOINT_KEY=CHECKPOINT_KEY,
        DOCUMENT_SIGNING_CERTIFICATE=certificate,
        DOCUMENT_SIGNING_PASSPHRASE=passphrase,
    )


def test_production_passes_check_deploy_without_warnings(real_certificate):
    skip_if_dotenv_sets("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "EMAIL_URL", "DATABASE_URL")
    if not shutil.which("soffice"):
        skip_or_fail("LibreOffice (soffice) no está instalado: check --deploy avisa, con razón")
    result = production_check(real_certificate, SIGNING_PASSPHRASE)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output, output
    assert "ERRORS" not in output, output


@pytest.mark.parametrize(
    ("certificate", "passphrase", "warning"),
    [
        pytest.param("", "", "No hay certificado de firma configurado", id="missing"),
        pytest.param(None, "no-es-esta", "frase de paso del certificado de firma", id="wrong-passphrase"),
        pytest.param("/no/existe.p12", "x", "No se pudo leer el certificado de firma", id="unreadable"),
    ],
)
def test_check_warns_about_the_signing_certificate(real_certificate, certificate, passphrase, warning):
    result = production_check(real_certificate if certificate is None else certificate, passphrase)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # a warning: the office keeps approving
    assert "documents.W001" in output, output
    assert warning in output, output


@pytest.mark.parametrize(
    ("missing", "present"),
    [
        pytest.param("SECRET_KEY", {"ALLOWED_HOSTS": "example.gob.pe"}, id="SECRET_KEY"),
        pytest.param("ALLOWED_HOSTS", {"SECRET_KEY": STRONG_SECRET_KEY}, id="ALLOWED_HOSTS"),
    ],
)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_refuses_to_start_without(missing, present, how):
    env = {"DJANGO_SETTINGS_MODULE": PRODUCTION, **present}
    if how == "empty":
        env[missing] = ""  # set, even empty, it wins over a local .env
    else:
        skip_if_dotenv_sets(missing)
    result = manage("check", **env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    assert missing in result.stderr, result.stderr


@pytest.mark.slow
def test_production_collectstatic_builds_the_manifest(tmp_path):
    """The deploy step: hashed, compressed files and staticfiles.json under STATIC_ROOT."""
    static_root = tmp_path / "static"
    result = manage(
        "collectstatic",
        "--noinput",
        "--verbosity",
        "0",
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=STRONG_SECRET_KEY,
        ALLOWED_HOSTS="example.gob.pe",
        AUDIT_CHECKPOINT_KEY=CHECKPOINT_KEY,
        STATIC_ROOT=str(static_root),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((static_root / "staticfiles.json").read_text(encoding="utf-8"))
    hashed = manifest["paths"]["css/app.css"]
    assert (static_root / hashed).exists()
    assert (static_root / f"{hashed}.gz").exists()


def test_production_reads_mail_server_from_email_url():
    settings = probe(
        PRODUCTION,
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_USE_TLS",
        "SECURE_PROXY_SSL_HEADER",
        "DEBUG",
        SECRET_KEY=STRONG_SECRET_KEY,
        ALLOWED_HOSTS="example.gob.pe",
        AUDIT_CHECKPOINT_KEY=CHECKPOINT_KEY,
        EMAIL_URL="smtp+tls://avisos:clave@correo.example.gob.pe:587",
    )
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["EMAIL_HOST"] == "correo.example.gob.pe"
    assert settings["EMAIL_PORT"] == 587
    assert settings["EMAIL_HOST_USER"] == "avisos"
    assert settings["EMAIL_USE_TLS"] is True
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert settings["DEBUG"] is False


# --- base: the embedded default and the scale-out switches ---------------------------


def test_default_database_is_sqlite_with_wal_and_immediate_transactions():
    database = probe("config.settings.base", "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == BASE_DIR / "var" / "db.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=wal" in database["OPTIONS"]["init_command"].lower()


def test_sqlite_connection_really_runs_in_wal_mode(tmp_path):
    path = tmp_path / "probe.sqlite3"
    result = run(
        ["-c", SQLITE_PROBE],
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SQLITE_PATH=str(path),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"journal_mode": "wal", "busy_timeout": 30000, "transaction_mode": "IMMEDIATE"}
    # WAL is a property of the file: any later connection, Django's or not, sees it.
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_database_url_selects_postgresql():
    database = probe("config.settings.base", "DATABASES", DATABASE_URL="postgres://u:p@localhost:5432/db")["DATABASES"][
        "default"
    ]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["HOST"], database["PORT"]) == ("db", "u", "localhost", 5432)
    assert "transaction_mode" not in database.get("OPTIONS", {})
    assert database["CONN_HEALTH_CHECKS"] is True


def test_channel_layer_is_in_memory_without_redis_url():
    layers = probe("config.settings.base", "CHANNEL_LAYERS")["CHANNEL_LAYERS"]
    assert layers["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert layers["default"]["CONFIG"]["capacity"] == 1000


def test_a_channel_holds_more_changes_than_a_bulk_approval_sends():
    # Each process's fan-out channel receives every change once; the layers drop what
    # exceeds a channel's capacity (100 by default), as many as a bulk approval sends.
    from approvals.forms import BulkApproveForm

    for env in ({}, {"REDIS_URL": "redis://localhost:6379/0"}):
        layers = probe("config.settings.base", "CHANNEL_LAYERS", **env)["CHANNEL_LAYERS"]
        assert layers["default"]["CONFIG"]["capacity"] >= 5 * BulkApproveForm.MAX_ITEMS


def test_redis_url_selects_the_redis_channel_layer():
    url = "redis://localhost:6379/0"
    layers = probe("config.settings.base", "CHANNEL_LAYERS", REDIS_URL=url)["CHANNEL_LAYERS"]
    assert layers["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    # No read timeout: with redis-py's 5 s default, idle consumers died (channels_redis#422).
    assert layers["default"]["CONFIG"]["hosts"] == [{"address": url, "socket_timeout": None}]


def test_language_and_time_zone_defaults():
    settings = probe("config.settings.base", "LANGUAGE_CODE", "TIME_ZONE", "USE_I18N", "USE_TZ")
    assert settings == {"LANGUAGE_CODE": "es-pe", "TIME_ZONE": "America/Lima", "USE_I18N": True, "USE_TZ": True}


# --- dev: the demo served by `make run` ------------------------------------------------


def test_the_demo_runs_with_debug_off_unless_asked():
    # Django's debug page shows settings, source and every URL: never by default to people
    # looking at the demo. `DEBUG=1 make run` still gives it to a developer.
    skip_if_dotenv_sets("DEBUG", "ALLOWED_HOSTS")
    assert probe("config.settings.dev", "DEBUG", "ALLOWED_HOSTS") == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
    }
    assert probe("config.settings.dev", "DEBUG", DEBUG="1")["DEBUG"] is True


def test_every_environment_sends_the_content_security_policy():
    for module, env in (
        ("config.settings.dev", {}),
        ("config.settings.test", {}),
        (
            PRODUCTION,
            {
                "SECRET_KEY": STRONG_SECRET_KEY,
                "ALLOWED_HOSTS": "example.gob.pe",
                "AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(48),
            },
        ),
    ):
        settings = probe(module, "MIDDLEWARE", "CONTENT_SECURITY_POLICY", **env)
        assert "csp.middleware.CSPMiddleware" in settings["MIDDLEWARE"], module
        directives = settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
        assert directives["script-src"] == ["'self'"], module
        assert directives["frame-ancestors"] == ["'none'"], module
