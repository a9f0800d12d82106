"""Test settings: fast hashing, in-memory channel layer (Redis when REDIS_URL is set), a throwaway media root."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, CHANNEL_LAYERS, DATABASES, REDIS_URL

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# pytest-xdist workers (PYTEST_XDIST_WORKER=gw0, gw1…, inherited by the daphne and Celery
# subprocesses they start) share the scale-out run's redis-server: each gets a database of
# its own on it (gw0 → /1, gw1 → /2…; /0 for a run without workers), so one worker's channel
# groups (the notifications' fan-out group above all) and broker queues never reach another's.
# The test databases need nothing of the kind: pytest-django gives each worker its own
# (test_pubs_gw0…, pubs-test-<pid>.sqlite3_gw0…).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _XDIST_WORKER.startswith("gw"):
    from urllib.parse import urlsplit

    _worker_redis_url = urlsplit(REDIS_URL)._replace(path=f"/{int(_XDIST_WORKER[2:]) + 1}").geturl()
    if CELERY_BROKER_URL == REDIS_URL:
        CELERY_BROKER_URL = _worker_redis_url
    for _host in CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]:
        _host["address"] = _worker_redis_url
    REDIS_URL = _worker_redis_url

# In-memory channel layer, unless REDIS_URL (the scale-out run) asks for Redis (base.py).
if not REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="pubs-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The test database is a file, not SQLite's shared in-memory database: WAL and
# BEGIN IMMEDIATE only behave as in production on a file, and the race tests and the
# live browser server (another process) need it. TEST_SQLITE_PATH lets them share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "TEST_SQLITE_PATH", os.path.join(tempfile.gettempdir(), f"pubs-test-{os.getpid()}.sqlite3")
        )
    }

# Static files straight from the app folders: no collectstatic before a test run.
STATIC_ROOT = tempfile.mkdtemp(prefix="pubs-static-")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Background tasks run in the committing thread, so tests read their results at once;
# the browser tests' server sets TASKS_BACKEND=threads to run them in the background,
# as a server without Celery does.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "sync")

# Audit checkpoints: the public development key (base.py) and a fresh folder for the copy
# outside the database; tests that check it give each test its own (tests/audit/conftest.py).
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR") or tempfile.mkdtemp(prefix="pubs-checkpoints-"))

# Official PDFs: LibreOffice takes seconds per document, so the suite does not convert every
# approval it makes; the tests of the PDFs turn it on or call documents.official themselves,
# with a certificate of their own (tests/documents/conftest.py).
DOCUMENT_PDF_AUTO = os.environ.get("DOCUMENT_PDF_AUTO", "") == "1"
DOCUMENT_SIGNING_CERTIFICATE = os.environ.get("DOCUMENT_SIGNING_CERTIFICATE", "")
DOCUMENT_SIGNING_PASSPHRASE = os.environ.get("DOCUMENT_SIGNING_PASSPHRASE", "")
