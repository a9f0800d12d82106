"""Background tasks of the civic calendar (see core/taskqueue.py and core/periodic.py)."""

from celery import shared_task


@shared_task
def send_calendar_reminders() -> int:
    """Periodic: the events' needs that are late or not yet submitted (once per need,
    person and day)."""
    from .reminders import send_need_reminders

    return send_need_reminders()
