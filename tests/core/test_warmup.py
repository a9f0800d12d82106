"""core.warmup.settle: what a worker does once loaded (config/asgi.py, config/celery.py)."""

import gc
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core import warmup


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_it_loads_every_view_and_freezes_what_loading_left(unfrozen):
    sys.modules.pop("workflows.views", None)  # as in a worker that has not served yet
    frozen = warmup.settle()
    assert "workflows.views" in sys.modules
    assert frozen == gc.get_freeze_count() > 10_000
    # What is frozen is no longer walked: the tracked generations hold only what came after.
    assert len(gc.get_objects()) < frozen


def test_objects_created_afterwards_are_still_collected(unfrozen):
    warmup.settle()

    class Node:
        pass

    first, second = Node(), Node()
    first.other, second.other = second, first  # a cycle: only the collector frees it
    del first, second
    assert gc.collect() >= 2


def test_a_daphne_worker_settles_once_the_application_is_loaded():
    """As daphne loads config.asgi:application: in a process of its own."""
    script = "import gc, config.asgi; print(gc.get_freeze_count())"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=environment, check=True
    )
    assert int(result.stdout.strip()) > 10_000


def test_a_celery_worker_settles_before_its_pool_forks(unfrozen):
    from celery.signals import worker_init

    import config.celery

    worker_init.send(sender=config.celery.app)
    assert gc.get_freeze_count() > 10_000
