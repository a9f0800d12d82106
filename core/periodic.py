"""The periodic jobs, read from settings.PERIODIC_JOBS: one registry for Celery beat and
for cron's `manage.py run_periodic_jobs`.

Each job is a task function (an app's `tasks.py`) that is idempotent: running it again
does nothing twice (reminders once per person and day, one scheduled checkpoint per day,
a scheduled publication once, a dossier built once). Beat runs each on its crontab
schedule. Cron, without a broker, runs `run_periodic_jobs` every minute: each job runs as
soon as its first time of the day has come (a daily job at 07:30 runs on every call from
07:30 on, and does its work on the first), so a minute missed by cron or a server down
at the time is caught up on the next call of the same day.
"""

from dataclasses import dataclass
from datetime import datetime

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str  # dotted path of the shared_task function
    schedule: dict  # crontab fields: minute, hour, day_of_week, day_of_month, month_of_year

    @property
    def crontab(self) -> crontab:
        return crontab(**self.schedule)

    def function(self):
        return import_string(self.task)

    def due_today(self, now: datetime | None = None) -> bool:
        """Whether one of today's times of the schedule (local time) has come."""
        local = timezone.localtime(now)
        cron = self.crontab
        # crontab counts weekdays from Sunday = 0; Python from Monday = 0.
        if (local.weekday() + 1) % 7 not in cron.day_of_week:
            return False
        if local.day not in cron.day_of_month or local.month not in cron.month_of_year:
            return False
        first = min((hour, minute) for hour in cron.hour for minute in cron.minute)
        return first <= (local.hour, local.minute)


def jobs() -> dict[str, PeriodicJob]:
    return {
        name: PeriodicJob(name=name, task=spec["task"], schedule=dict(spec.get("schedule", {})))
        for name, spec in settings.PERIODIC_JOBS.items()
    }


def beat_schedule() -> dict:
    """Celery beat's schedule (app.conf.beat_schedule)."""
    return {name: {"task": job.task, "schedule": job.crontab} for name, job in jobs().items()}
