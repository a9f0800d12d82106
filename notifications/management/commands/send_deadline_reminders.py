"""Remind authors of open requests whose requested date is near. Run it daily (cron or a
systemd timer); running it twice the same day sends nothing twice."""

from django.core.management.base import BaseCommand

from notifications.services import REMINDER_DAYS, deadline_reminders


class Command(BaseCommand):
    help = f"Avisa a los autores de solicitudes abiertas cuya fecha requerida llega en {REMINDER_DAYS} días o menos."

    def handle(self, *args, **options):
        sent = deadline_reminders()
        self.stdout.write(f"Recordatorios enviados: {sent}")
