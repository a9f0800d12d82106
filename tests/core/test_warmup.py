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


def _in_a_new_process(script: str) -> str:
    """Run `script` in a fresh interpreter on the test settings (a worker that has loaded
    nothing yet); its standard output."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=environment, check=True
    )
    return result.stdout.strip()


def test_it_loads_every_view_and_freezes_what_loading_left():
    script = (
        "import gc, sys, django; django.setup(); from core import warmup; "
        "loaded_before = 'workflows.views' in sys.modules; frozen = warmup.settle(); "
        "print(loaded_before, 'workflows.views' in sys.modules, frozen, len(gc.get_objects()))"
    )
    loaded_before, loaded_after, frozen, still_tracked = _in_a_new_process(script).split()
    assert (loaded_before, loaded_after) == ("False", "True")
    # What is frozen is no longer walked: the tracked generations hold only what came after.
    assert int(frozen) > 10_000 > int(still_tracked)


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
    assert int(_in_a_new_process("import gc, config.asgi; print(gc.get_freeze_count())")) > 10_000


def test_a_celery_worker_settles_before_its_pool_forks(unfrozen):
    from celery.signals import worker_init

    import config.celery

    worker_init.send(sender=config.celery.app)
    assert gc.get_freeze_count() > 10_000
