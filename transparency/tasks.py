"""Background tasks of the transparency register (run by the periodic jobs, core/periodic.py)."""

from celery import shared_task


@shared_task
def send_transparency_reminders() -> int:
    """Periodic: the register's deadlines (once per entry, deadline, person and day)."""
    from .reminders import send_deadline_reminders

    return send_deadline_reminders()
