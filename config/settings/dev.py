"""Local development and the demo served by `make run`."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

# Off unless asked for (`DEBUG=1 make run`): the demo is shown to people, and Django's
# debug page would show them settings, the source and every URL of the site. Off, errors
# get the site's Spanish pages (config/views.py), and WhiteNoise serves the files
# `make run` collected into STATIC_ROOT. ALLOWED_HOSTS stays base's 127.0.0.1 and localhost.
DEBUG = env.bool("DEBUG", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The embedded database and uploads live under var/; make sure it exists.
(BASE_DIR / "var").mkdir(exist_ok=True)
