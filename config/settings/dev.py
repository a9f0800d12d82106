"""Local development and the demo served by `make run`."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The embedded database and uploads live under var/; make sure it exists.
(BASE_DIR / "var").mkdir(exist_ok=True)
