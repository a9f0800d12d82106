"""The demo coverage: built on seed_demo's own requests, idempotent, relative to today."""

import struct
import zlib
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from press import demo
from press.models import Coverage
from press.selectors import coverage_summary
from workflows.management.commands.seed_demo import Command
from workflows.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    command = Command()
    users = command.seed_organization()
    command.seed_requests(users)
    return users


def test_demo_coverage_this_month_and_last_month_idempotent(demo_users):
    created = demo.seed(demo_users)
    assert created == len(demo.THIS_MONTH) + len(demo.LAST_MONTH)
    assert demo.seed(demo_users) == 0
    assert Coverage.objects.count() == created
    assert AuditEvent.objects.filter(action="coverage_record").count() == created

    today = timezone.localdate()
    first = today.replace(day=1)
    this_month = coverage_summary(first, today)
    last_month = coverage_summary((first - timedelta(days=1)).replace(day=1), first - timedelta(days=1))
    assert this_month.total == len(demo.THIS_MONTH)
    assert last_month.total == len(demo.LAST_MONTH)
    assert all(count > 0 for count in this_month.by_tone.values())  # mixed tones
    assert all(count > 0 for count in last_month.by_tone.values())

    linked = Coverage.objects.filter(request__isnull=False).select_related("request")
    assert linked.count() == len(demo.THIS_MONTH)
    assert {item.request.state for item in linked} == {State.PUBLISHED, State.WITHDRAWN}
    assert Coverage.objects.exclude(url="").count() == created - 1
    [clipped] = Coverage.objects.exclude(clipping="")
    assert clipped.clipping_content_type == "image/png"
    with clipped.clipping.open("rb") as stored:
        assert stored.read() == demo.tiny_png()


def test_the_tiny_png_is_a_real_png():
    png = demo.tiny_png(4, 3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (4, 3)
    # Every chunk's CRC checks out.
    position = 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind_and_data = png[position + 4 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind_and_data) & 0xFFFFFFFF == crc
        position += 12 + length
    assert position == len(png)
