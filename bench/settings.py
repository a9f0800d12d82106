"""Settings of the benchmark's processes: production-like (DEBUG off, the real
middleware, templates and channel layer chosen by REDIS_URL), with a fast password hasher,
a throwaway media root and no outgoing mail. The database comes from DATABASE_URL or
SQLITE_PATH, which the parent sets for each child."""

import os
import tempfile

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 - throwaway benchmark database
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="pubs-bench-media-")
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = tempfile.mkdtemp(prefix="pubs-bench-static-")
WHITENOISE_USE_FINDERS = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The benchmark's own minimal viewflow flow (bench/flows.py) needs its app installed:
# viewflow stores a flow as "<app label>/<module>.<class>".
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405

# What-if runs only (never by default; the benchmark measures the project's settings):
# BENCH_REDIS_SOCKET_TIMEOUT ("none" or seconds) sets redis-py's socket timeout for the
# channel layer. redis-py 8 reads with a 5 s timeout by default, as long as the blocking
# BZPOPMIN of channels_redis's receive loop (django/channels_redis#422).
if os.environ.get("BENCH_REDIS_SOCKET_TIMEOUT") and CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis"):  # noqa: F405
    _timeout = os.environ["BENCH_REDIS_SOCKET_TIMEOUT"]
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [  # noqa: F405
        {"address": REDIS_URL, "socket_timeout": None if _timeout == "none" else float(_timeout)}  # noqa: F405
    ]

# An approval also queues its signed PDF (documents/official.py): LibreOffice takes seconds,
# a cost of its own, measured by its own scenario (bench/pdf.py, `--only pdf`); the approval's
# figures stay those of the change and its DOCX.
DOCUMENT_PDF_AUTO = False
