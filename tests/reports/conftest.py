from datetime import datetime

import pytest
from django.utils import timezone


def local(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute))


class Clock:
    """timezone.now() under the test's control: every service stamps its time from it."""

    def __init__(self, moment):
        self.moment = moment

    def now(self):
        return self.moment

    def at(self, *args):
        self.moment = local(*args)
        return self.moment


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(local(2026, 3, 1, 8))
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock
