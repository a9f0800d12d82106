"""The task queue (core/taskqueue.py): at once in tests, a thread pool without a broker,
Celery with one; and the work it carries (DOCX rendering after commit, emails, dossiers)."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction

from config.celery import app as celery_app
from core import periodic, taskqueue
from documents.models import DocumentVersion, RenderedDocument
from documents.tasks import render_version_docx
from tests.conftest import artifacts_dir, skip_or_fail
from tests.factories import request_in_state
from workflows import services
from workflows.models import State

ROOT = Path(django_settings.BASE_DIR)
WORKER_TIMEOUT = 60
# var/test-artifacts[/<worker> under pytest-xdist]/celery-worker.log
WORKER_LOG = artifacts_dir() / "celery-worker.log"


def _recorder():
    calls = []

    def task(*args):
        calls.append((threading.current_thread().name, args))
        return len(calls)

    task.delay = lambda *args: calls.append(("delay", args))
    return calls, task


def test_sync_runs_at_once_and_a_failure_is_logged_not_raised(settings, caplog):
    settings.TASKS_BACKEND = "sync"
    calls, task = _recorder()
    taskqueue.enqueue(task, 1, "a")
    assert calls == [(threading.current_thread().name, (1, "a"))]

    def broken():
        raise RuntimeError("el servidor de correo no responde")

    taskqueue.enqueue(broken)
    assert "falló" in caplog.text and "el servidor de correo no responde" in caplog.text


def test_an_unknown_backend_is_a_configuration_error(settings):
    settings.TASKS_BACKEND = "rabbit"
    with pytest.raises(ValueError, match="TASKS_BACKEND"):
        taskqueue.enqueue(print)


def test_threads_run_in_the_background_and_dossiers_have_their_own_lane(settings):
    settings.TASKS_BACKEND = "threads"
    calls, task = _recorder()
    taskqueue.enqueue(task, "correo").result(timeout=10)
    taskqueue.enqueue(task, "expediente", lane="exports").result(timeout=10)
    names = [name for name, _args in calls]
    assert names[0].startswith("tasks-default") and names[1].startswith("tasks-exports")


def test_celery_sends_to_the_broker(settings):
    settings.TASKS_BACKEND = "celery"
    calls, task = _recorder()
    taskqueue.enqueue(task, 7)
    assert calls == [("delay", (7,))]


def test_celery_without_a_reachable_broker_runs_the_task_here(settings, caplog):
    settings.TASKS_BACKEND = "celery"
    calls, task = _recorder()

    def unreachable(*args):
        raise ConnectionRefusedError("broker caído")

    task.delay = unreachable
    taskqueue.enqueue(task, 3).result(timeout=10)
    assert calls and calls[0][1] == (3,)
    assert "No se pudo encolar" in caplog.text


def test_after_commit_only(settings, db, django_capture_on_commit_callbacks):
    settings.TASKS_BACKEND = "sync"
    calls, task = _recorder()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            taskqueue.on_commit_enqueue(task, "x")
        assert calls == []
    assert len(callbacks) == 1


def test_a_new_version_is_rendered_after_commit(settings, users, units, django_capture_on_commit_callbacks):
    settings.TASKS_BACKEND = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        submitted = request_in_state(users, units, State.IN_REVIEW)
    version = DocumentVersion.objects.get(request=submitted)
    rendered = RenderedDocument.objects.get(version=version)
    assert rendered.size > 0
    assert render_version_docx(version.pk) == "ya generado"  # idempotent
    assert render_version_docx(10**9) == "versión inexistente"


@pytest.mark.django_db(transaction=True)
def test_the_in_process_pool_renders_in_the_background(settings, users, units):
    """As on a server without Celery: the transition returns, a pool thread renders the
    DOCX and sends the email on its own connection to the (file) database."""
    settings.TASKS_BACKEND = "threads"
    users["publicador"].email = "publicador@example.gob.pe"
    users["publicador"].save()
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    taskqueue.wait_idle()
    mail.outbox.clear()
    approved = services.approve_request(users["gerente"], pending)
    taskqueue.wait_idle()
    version = DocumentVersion.objects.filter(request=approved).latest("number")
    assert RenderedDocument.objects.filter(version=version).exists()
    assert any(approved.reference in message.subject for message in mail.outbox)


# --- a real Celery worker on a real Redis ---------------------------------------------------------


def _database_env(settings_dict) -> dict[str, str]:
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return {"SQLITE_PATH": str(settings_dict["NAME"]), "TEST_SQLITE_PATH": str(settings_dict["NAME"])}
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        user = quote(settings_dict["USER"] or "", safe="")
        password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict["HOST"] or "127.0.0.1"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        credentials = f"{user}{password}@" if user else ""
        return {"DATABASE_URL": f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"}
    skip_or_fail(f"the Celery worker test knows SQLite and PostgreSQL test databases, not {settings_dict['ENGINE']}")
    return {}


@pytest.fixture
def celery_worker(redis_url):
    """A `celery -A config worker` subprocess on the test database and the test Redis,
    consuming a queue of its own; the test process sends to that queue."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.pop("DATABASE_URL", None)
    env.update(_database_env(connection.settings_dict))
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_BROKER_URL=redis_url,
        TASKS_BACKEND="celery",
        PYTHONUNBUFFERED="1",
    )
    WORKER_LOG.parent.mkdir(parents=True, exist_ok=True)
    previous = {"broker_url": celery_app.conf.broker_url, "task_default_queue": celery_app.conf.task_default_queue}
    celery_app.conf.update(broker_url=redis_url, task_default_queue=queue)
    with WORKER_LOG.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command line: this interpreter's celery
            [
                sys.executable,
                *("-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"),
                *("-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Drop the connections to this test's broker; not app.close(), which would also
        # take the app off the list shared tasks register with.
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        if "amqp" in celery_app.__dict__:
            celery_app.amqp._producer_pool = None
        celery_app.conf.update(previous)


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_renders_the_docx_sent_after_commit(settings, users, units, celery_worker):
    settings.TASKS_BACKEND = "celery"
    submitted = request_in_state(users, units, State.IN_REVIEW)  # commits; the task goes to Redis
    version = DocumentVersion.objects.get(request=submitted)
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline and not RenderedDocument.objects.filter(version=version).exists():
        assert celery_worker.poll() is None, f"the Celery worker stopped ({WORKER_LOG})"
        time.sleep(0.2)
    assert RenderedDocument.objects.filter(version=version).exists(), str(WORKER_LOG)
    log = WORKER_LOG.read_text()
    assert "documents.tasks.render_version_docx" in log


def test_beat_runs_every_periodic_job_from_the_settings():
    schedule = celery_app.conf.beat_schedule
    assert set(schedule) == set(django_settings.PERIODIC_JOBS)
    for name, job in periodic.jobs().items():
        assert job.function().name == schedule[name]["task"] == job.task
        assert job.task in celery_app.tasks, name
