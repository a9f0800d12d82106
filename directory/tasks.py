"""Background tasks of the directory: sending press releases (see core/taskqueue.py)."""

from celery import shared_task


@shared_task
def send_distribution(distribution_id: int, delivery_ids: list[int] | None = None) -> dict:
    """Send the pending deliveries of one distribution (stored and audited on the page)."""
    from .distribution import deliver

    return deliver(distribution_id, delivery_ids)
