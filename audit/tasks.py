"""Background tasks of the audit ledger: the daily checkpoint (see core/taskqueue.py and
core/periodic.py)."""

from celery import shared_task
from django.utils import timezone

SCHEDULED_BY = "programado"


@shared_task
def daily_checkpoint() -> int:
    """Periodic: seal the heads of every chain once a day. Returns the new checkpoint's
    sequence, or 0 when the scheduler already sealed one today.

    Either way, the outside copy gets any sealed checkpoint it lacks (a write that failed
    after an earlier commit), so a passing failure heals within a day; after commit, as
    always (at once when no transaction is open, as under cron or Celery)."""
    from django.db import transaction

    from . import outside_copy
    from .models import AuditCheckpoint
    from .services import create_checkpoint

    transaction.on_commit(outside_copy.append_pending_after_commit)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if AuditCheckpoint.objects.filter(created_by=SCHEDULED_BY, created_at__gte=today).exists():
        return 0
    return create_checkpoint(created_by=SCHEDULED_BY).sequence
