"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne first: it replaces runserver with the ASGI server.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.apps.ProjectStaticFilesConfig",
    "django.contrib.humanize",
    "channels",
    "guardian",
    "axes",
    "django_fsm",
    "viewflow",
    "viewflow.workflow",
    "organization",
    "audit",
    "workflows",
    "documents",
    "approvals",
    "notifications",
    "transparency",
    "records",
    "civic_calendar",
    "directory",
    "press",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who, from where, under which request id: read by the audit log.
    "audit.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: answers a locked-out login with its page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): only this site's own files run, style or load.
# Pages carry no inline script, event handler, <style> block or style attribute (values go
# in data-* attributes, read by static JS; tests/test_templates_csp.py keeps it so), so no
# 'unsafe-inline' and no nonces. connect-src 'self' covers fetch() and, under CSP Level 3,
# the live socket on the same host (ws:/wss:), as Chromium, Firefox and Safari 15.4+ apply
# it. frame-ancestors 'none' is X_FRAME_OPTIONS = "DENY" for browsers that read CSP.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organization.context_processors.municipality",
                "notifications.context_processors.notifications",
                "config.navigation.main_navigation",
            ],
            # Money in the country's format and quoted titles (core/wording.py).
            "libraries": {"wording": "core.templatetags.wording"},
        },
    },
]

# SQLite by default: WAL lets readers run beside the writer, and IMMEDIATE makes every
# transaction take the write lock at BEGIN, so concurrent writers queue instead of
# failing with "database is locked" when they upgrade a read lock.
SQLITE_PATH = env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3"))
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
else:
    # 0: under ASGI each request may run on another thread, so persistent connections
    # would pile up (Django's documentation); use a pooler such as PgBouncer instead.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Messages a channel may hold unread: each worker process receives every change once on
# its fan-out channel (notifications/consumers.py), and a bulk approval of a hundred
# requests sends a hundred at once; the layers' default (100) would drop the rest.
CHANNEL_CAPACITY = env.int("CHANNEL_CAPACITY", default=1000)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # No read timeout: redis-py's default (5 s) equals channels-redis's blocking
            # receive, so idle consumers died with TimeoutError and their sockets closed
            # (django/channels_redis#422): the benchmark lost 3-4 % of messages that way.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "capacity": CHANNEL_CAPACITY,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": CHANNEL_CAPACITY}}
    }

AUTHENTICATION_BACKENDS = [
    # First: refuses logins of a locked-out account before checking the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed logins: after 5 for one username from one address, that pair is locked for
# 30 minutes (the lockout, like every login, is written to the audit log). Locking by
# username and address together keeps a town hall behind one NAT address usable, and
# keeps a stranger from locking an official out from elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# A session lasts at most one working day from login, and ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=9 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False

LOGIN_URL = "login"
# Only a fallback: the login view sends each person where their work is
# (organization.landing), unless a safe `next` says otherwise.
LOGIN_REDIRECT_URL = "workflows:request_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "es-pe"
LANGUAGES = [("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Lima")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="comunicaciones@localhost")

# Notifications (notifications/): emails go after commit through the task queue (below),
# so a slow mail server never holds a response. SITE_URL starts the links in those
# emails (https://comunicaciones.example.gob.pe).
NOTIFICATIONS_SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The live socket: a client may send at most this many messages in the window (it only
# pings), frames above the size are ignored, and user and session are checked again
# at least this often.
NOTIFICATIONS_WS_MAX_MESSAGES = 30
NOTIFICATIONS_WS_WINDOW_SECONDS = 10
NOTIFICATIONS_WS_MAX_FRAME = 1024
NOTIFICATIONS_WS_RECHECK_SECONDS = 60

# Limits that keep one form from filling the disk or the database.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# A .docx imported as a draft's body: checked as a zip (sizes, count, ratio) before parsing.
DOCX_IMPORT_MAX_BYTES = env.int("DOCX_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)

# --- Official documents: the signed PDF of every approved and published version --------------
# (documents/official.py, docs/DEPLOY.md#signed-pdfs). LibreOffice headless converts the DOCX
# (Debian's libreoffice-writer-nogui; LIBREOFFICE_PATH when soffice is not on the PATH),
# each conversion bounded in time and output size. DOCUMENT_PDF_AUTO makes the PDF after
# every approval and publication (the task queue) and lets the periodic job retry.
DOCUMENT_PDF_AUTO = env.bool("DOCUMENT_PDF_AUTO", default=True)
LIBREOFFICE_PATH = env.str("LIBREOFFICE_PATH", default="")
PDF_CONVERT_TIMEOUT = env.int("PDF_CONVERT_TIMEOUT", default=120)
PDF_MAX_BYTES = env.int("PDF_MAX_BYTES", default=50 * 1024 * 1024)
# The municipality's signing certificate (PKCS#12) and its passphrase, from the environment:
# in Peru, a digital certificate under Ley 27269. The defaults are the demo certificate that
# `seed_demo` makes ("CERTIFICADO DE DEMOSTRACIÓN — SIN VALOR LEGAL") and its public
# passphrase; production.py has no defaults, and `manage.py check` warns about both.
DEMO_SIGNING_CERTIFICATE = str(VAR_DIR / "firma" / "certificado-demostracion.p12")
DEMO_SIGNING_PASSPHRASE = "demostracion-sin-valor-legal"
DOCUMENT_SIGNING_CERTIFICATE = env.str("DOCUMENT_SIGNING_CERTIFICATE", default=DEMO_SIGNING_CERTIFICATE)
DOCUMENT_SIGNING_PASSPHRASE = env.str("DOCUMENT_SIGNING_PASSPHRASE", default=DEMO_SIGNING_PASSPHRASE)
# Where the signature says it was made (by default the municipality's name).
DOCUMENT_SIGNING_LOCATION = env.str("DOCUMENT_SIGNING_LOCATION", default="")

# Reference numbers people quote: COM-2026-00042.
REQUEST_REFERENCE_PREFIX = env.str("REQUEST_REFERENCE_PREFIX", default="COM")
MUNICIPALITY_NAME = env.str("MUNICIPALITY_NAME", default="Municipalidad Distrital de Pueblo Libre")
# Encargatura: who may receive the gerente's approval power besides another gerente. Office
# staff by role (codes of organization.roles.Role) and by username; never a member of a
# requesting unit (organization.services.delegation_refusal).
DELEGATION_ELIGIBLE_ROLES = env.list("DELEGATION_ELIGIBLE_ROLES", default=["revisor"])
DELEGATION_ELIGIBLE_USERS = env.list("DELEGATION_ELIGIBLE_USERS", default=[])

# Transparency register (TUO de la Ley 27806, DS 021-2019-JUS): working days counted with
# the `holidays` package for this country (PE; HN for Honduras) and optional subdivision.
# It is the municipality's country: it also sets how amounts are written (S/ 8 500,50 or
# L 8,500.50) and which identity documents the register asks for (core/country.py).
TRANSPARENCY_HOLIDAYS_COUNTRY = env.str("TRANSPARENCY_HOLIDAYS_COUNTRY", default="PE").upper()
TRANSPARENCY_HOLIDAYS_SUBDIVISION = env.str("TRANSPARENCY_HOLIDAYS_SUBDIVISION", default="") or None
TRANSPARENCY_RESPONSE_DAYS = env.int("TRANSPARENCY_RESPONSE_DAYS", default=10)
TRANSPARENCY_EXTENSION_NOTICE_DAYS = env.int("TRANSPARENCY_EXTENSION_NOTICE_DAYS", default=2)
# Reminders go this many working days before each deadline (and on the day itself).
TRANSPARENCY_REMINDER_DAYS = env.int("TRANSPARENCY_REMINDER_DAYS", default=2)

# Public pages: show officials' names in the approval chain, or only their roles.
PUBLIC_SHOW_OFFICIAL_NAMES = env.bool("PUBLIC_SHOW_OFFICIAL_NAMES", default=True)

# Exports: dossiers are built in the background by the task queue (in-process: by this
# many threads of their own, so a long dossier never holds an email back); log exports
# stream, whatever their size.
EXPORT_WORKERS = env.int("EXPORT_WORKERS", default=2)

# Background tasks (core/taskqueue.py). "celery": a Celery worker takes them from the
# broker (CELERY_BROKER_URL, by default REDIS_URL) and beat runs the periodic jobs;
# "threads": a small pool in the web process runs them after commit, no extra service,
# and cron runs `manage.py run_periodic_jobs`; "sync": in the committing thread (tests).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
TASKS_BACKEND = env.str("TASKS_BACKEND", default="celery" if CELERY_BROKER_URL else "threads")
TASKS_WORKERS = env.int("TASKS_WORKERS", default=env.int("NOTIFICATIONS_EMAIL_WORKERS", default=2))
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic jobs (core/periodic.py): crontab fields in local time (TIME_ZONE). Celery beat
# runs each on its schedule; without Celery, cron runs `run_periodic_jobs` every minute and
# it runs each job whose first time of the day has come (each job is idempotent).
PERIODIC_JOBS = {
    "publish_scheduled": {"task": "workflows.tasks.publish_scheduled", "schedule": {"minute": "*"}},
    "workflow_timers": {"task": "approvals.tasks.fire_workflow_timers", "schedule": {"minute": "*"}},
    "export_jobs": {"task": "records.tasks.run_export_jobs", "schedule": {"minute": "*/10"}},
    "deadline_reminders": {
        "task": "notifications.tasks.send_deadline_reminders",
        "schedule": {"minute": "30", "hour": "7", "day_of_week": "mon-fri"},
    },
    "transparency_reminders": {
        "task": "transparency.tasks.send_transparency_reminders",
        "schedule": {"minute": "35", "hour": "7", "day_of_week": "mon-fri"},
    },
    "calendar_reminders": {
        "task": "civic_calendar.tasks.send_calendar_reminders",
        "schedule": {"minute": "40", "hour": "7", "day_of_week": "mon-fri"},
    },
    "audit_checkpoint": {"task": "audit.tasks.daily_checkpoint", "schedule": {"minute": "55", "hour": "23"}},
    "official_pdfs": {"task": "documents.tasks.sweep_official_pdfs", "schedule": {"minute": "*/10"}},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Audit checkpoints: their seal and their copy outside the database -------------------
# (audit/sealing.py, audit/outside_copy.py, docs/OPERATIONS.md#the-checkpoint-key-and-the-outside-copy)
# Each checkpoint is sealed with HMAC-SHA256 under a key that is not in the database, so
# whoever can write the database cannot rebuild a checkpoint that verifies. The key's id is
# stored beside the MAC: to rotate, give the new key a new id and move the old one to
# AUDIT_CHECKPOINT_OLD_KEYS ("id=key,id=key"), where it only verifies. Never derived from
# SECRET_KEY, which is rotated for other reasons: old seals must keep verifying. The default
# below is a fixed development key, public in this file; production.py requires a real one.
DEV_AUDIT_CHECKPOINT_KEY = "dev-only-audit-checkpoint-key-public-not-secret"
AUDIT_CHECKPOINT_KEY_ID = env.str("AUDIT_CHECKPOINT_KEY_ID", default="dev")
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default=DEV_AUDIT_CHECKPOINT_KEY)
AUDIT_CHECKPOINT_OLD_KEYS = env.dict("AUDIT_CHECKPOINT_OLD_KEYS", default={})
# Every sealed checkpoint is also appended, one JSON line each, to checkpoints.jsonl in this
# folder, after its commit; `audit_verify` compares the database with it. Put it where the
# database's users cannot rewrite it, and back it up with the database.
AUDIT_CHECKPOINT_DIR = Path(env.str("AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit-checkpoints")))
