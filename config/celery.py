"""The Celery application: used when a broker is configured (CELERY_BROKER_URL, by
default REDIS_URL); see core/taskqueue.py for how tasks are sent and docs/DEPLOY.md for
the worker and beat services.

    celery -A config worker --loglevel=INFO
    celery -A config beat --loglevel=INFO --schedule=/srv/publicaciones/data/celerybeat-schedule

Tasks are the `shared_task` functions of each app's `tasks.py`; the periodic ones and
their schedules come from settings.PERIODIC_JOBS (core/periodic.py).
"""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("publicaciones")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _beat_schedule(sender, **kwargs):
    from core import periodic

    sender.conf.beat_schedule = periodic.beat_schedule()


@worker_init.connect
def _settle(sender=None, **kwargs):
    # Before the pool forks: the children share the loaded, frozen heap (core/warmup.py).
    from core import warmup

    warmup.settle()
