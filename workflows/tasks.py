"""Background tasks of the workflows app (see core/taskqueue.py)."""

from celery import shared_task


@shared_task
def publish_scheduled() -> int:
    """Periodic: publish every approved request whose scheduled moment has come."""
    from .scheduling import publish_due

    return len(publish_due())
