"""Run the periodic jobs once: the cron side of the task queue (without Celery beat).

    * * * * *  publicaciones-manage run_periodic_jobs

Each job (settings.PERIODIC_JOBS, core/periodic.py) runs when its first time of the day
has come, and is idempotent, so running this every minute does each day's work once.
`--only NAME` runs the named jobs now, whatever their schedule. A job that fails is
reported and the others still run; the command then exits with status 1.
"""

import logging
import time

from django.core.management.base import BaseCommand, CommandError

from core import periodic, taskqueue

logger = logging.getLogger("tasks")


class Command(BaseCommand):
    help = (
        "Ejecuta una vez cada tarea periódica cuya hora del día ya llegó (publicaciones programadas, "
        "recordatorios, punto de control, expedientes pendientes, temporizadores del flujo). Para cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            choices=sorted(periodic.jobs()),
            metavar="NOMBRE",
            help="Ejecutar solo esta tarea, ahora (se puede repetir): %(choices)s.",
        )

    def handle(self, *args, only=None, **options):
        jobs = periodic.jobs()
        failed = []
        for name in only or jobs:
            job = jobs[name]
            if not only and not job.due_today():
                self.stdout.write(f"{name}: aún no es hora")
                continue
            started = time.monotonic()
            try:
                result = job.function()()
            except Exception as error:
                logger.exception("La tarea periódica %s falló", name)
                self.stderr.write(f"{name}: ERROR {type(error).__name__}: {error}")
                failed.append(name)
                continue
            self.stdout.write(f"{name}: {result} ({time.monotonic() - started:.1f} s)")
        # Emails the jobs queued in this process leave before it ends.
        taskqueue.wait_idle(timeout=120)
        if failed:
            raise CommandError(f"Fallaron {len(failed)} tareas: {', '.join(failed)}")
