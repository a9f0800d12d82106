"""Reference numbers people can quote: COM-2026-00042, one sequence per year."""

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import ReferenceSequence


def next_reference(year: int) -> str:
    """Hand out the next number of the year. Runs inside the caller's transaction, so
    a rolled-back request gives its number back and the sequence has no gaps."""
    prefix = settings.REQUEST_REFERENCE_PREFIX
    with transaction.atomic():
        # get_or_create retries its SELECT if a concurrent INSERT of the same year wins.
        sequence, _ = ReferenceSequence.objects.get_or_create(prefix=prefix, year=year)
        # One UPDATE ... SET last_value = last_value + 1: it takes the row lock on
        # PostgreSQL and the write lock on SQLite, so two callers never read the same value.
        ReferenceSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
        value = ReferenceSequence.objects.values_list("last_value", flat=True).get(pk=sequence.pk)
    return f"{prefix}-{year}-{value:05d}"
