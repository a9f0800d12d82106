"""Background tasks of the notifications app (see core/taskqueue.py)."""

from celery import shared_task


@shared_task
def send_emails(emails: list[dict]) -> int:
    """Send notification emails composed in the transaction of the change they tell about."""
    from .services import send_emails as send

    send(emails)
    return len(emails)


@shared_task
def send_deadline_reminders() -> int:
    """Periodic: remind authors of open requests whose requested date is near (once per
    request and day)."""
    from .services import deadline_reminders

    return deadline_reminders()
