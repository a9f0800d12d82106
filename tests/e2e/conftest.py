"""Browser tests: a live daphne server in a subprocess and Debian's Chromium through Playwright.

The server is a separate process, so it only sees committed data: every test here must use
``@pytest.mark.django_db(transaction=True)``. It serves the very SQLite file pytest-django
created as the test database (``SQLITE_PATH`` and ``TEST_SQLITE_PATH`` point at it), or, in the
scale-out run, the PostgreSQL test database (``DATABASE_URL``; ``REDIS_URL`` is inherited), so
what the test process builds through the services is what the browser sees, and the other way round.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.conftest import artifacts_dir, skip_or_fail
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# var/test-artifacts, or var/test-artifacts/<worker> under pytest-xdist (tests/conftest.py).
ARTIFACTS = artifacts_dir()
SERVER_START_TIMEOUT = 30  # seconds
ACTION_TIMEOUT_MS = 10_000


@contextmanager
def _orm_allowed_beside_playwright():
    """Let the test process use the ORM while Playwright is started.

    Playwright's sync API runs its own asyncio loop in the test's thread (through greenlets),
    and while it is started that loop counts as "running" there, so Django refuses every ORM
    query with SynchronousOnlyOperation. The check is a false alarm here: no coroutine ever
    touches the test's database connection; the loop only talks to the browser. The daphne
    subprocess does not inherit the variable (see _server_env)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _listening_socket() -> socket.socket:
    """A socket already bound to a free loopback port and listening, for daphne to adopt
    (`daphne --fd`): the port is never free between choosing it and serving on it, so two
    pytest-xdist workers (or anything else on the machine) can never end up on one port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _serves_http(port: int) -> bool:
    """True once daphne answers an HTTP request (any status). A bare connect proves nothing
    here: the kernel accepts connections on the adopted socket before daphne serves them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/ingresar/")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _server_env(settings_dict) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    env["PYTHONUNBUFFERED"] = "1"
    # Dossiers in the background, with the progress page polling, as in production.
    env["TASKS_BACKEND"] = "threads"
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = env["TEST_SQLITE_PATH"] = str(settings_dict["NAME"])
    elif settings_dict["ENGINE"] == "django.db.backends.postgresql":
        # The scale-out run: the server serves the test database pytest-django created.
        env["DATABASE_URL"] = _postgres_url(settings_dict)
    else:
        skip_or_fail(
            f"the live browser server serves SQLite or PostgreSQL test databases, not {settings_dict['ENGINE']}"
        )
    return env


def _postgres_url(settings_dict) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture
def daphne_server(django_db_setup):
    """Base URL of a daphne server (a subprocess) serving the test database.

    One per test: between transactional tests pytest-django empties the tables, and the
    content types come back with new ids that a long-lived server would still have cached.

    Its output (tracebacks of any 500 included) goes to var/test-artifacts/daphne.log
    (var/test-artifacts/<worker>/daphne.log under pytest-xdist)."""
    from django.db import connection

    # After django_db_setup, NAME is the test database file, not the development one.
    env = _server_env(connection.settings_dict)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "daphne.log"
    daphne = Path(sys.executable).with_name("daphne")

    def server_output() -> str:
        return log_path.read_text(errors="replace")[-5000:]

    # A file, not a pipe: a chatty server must never block on a full pipe nobody reads.
    with log_path.open("w") as log:
        # daphne inherits the listening socket; this process closes its own copy at once, so
        # once daphne is gone nothing is left accepting connections on the port.
        with _listening_socket() as listener:
            port = listener.getsockname()[1]
            process = subprocess.Popen(  # noqa: S603 - fixed command line, our own venv's daphne
                [str(daphne), "--fd", str(listener.fileno()), "config.asgi:application"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
            )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _serves_http(port):
                if process.poll() is not None:
                    pytest.fail(f"daphne exited with code {process.returncode} before answering:\n{server_output()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"daphne did not answer on port {port} in {SERVER_START_TIMEOUT} s:\n{server_output()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


# Package scope, not session: while Playwright is started its loop counts as running in this
# thread, which would break pytest-asyncio tests (and Django's async-safety checks) collected
# after this package. It stops as soon as the last e2e test is done.
@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the e2e tests; each person gets their own context."""
    if not CHROMIUM.exists():
        skip_or_fail(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("browser tests need the playwright Python package (pip install -r requirements-dev.txt)")
    with _orm_allowed_beside_playwright(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def login_as(browser, daphne_server):
    """Open a fresh browser context (its own cookies) and log a person in through the login page.

    Returns the page, sitting on the person's landing page (organization.landing: the inbox,
    the request list, the transparency register or the audit log)."""
    contexts = []

    def login(username: str, password: str = PASSWORD, **context_options):
        """`context_options`: more of Playwright's context settings (a time zone…)."""
        context = browser.new_context(
            base_url=daphne_server, locale="es-PE", viewport={"width": 1280, "height": 900}, **context_options
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/ingresar/")
        page.get_by_label("Usuario").fill(username)
        page.get_by_label("Contraseña").fill(password)
        page.get_by_role("button", name="Ingresar").click()
        page.wait_for_url(lambda url: "/ingresar/" not in url)
        return page

    yield login
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot to var/test-artifacts[/<worker>]/<test name>-<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(page, step: str) -> Path:
        path = ARTIFACTS / f"{prefix}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
