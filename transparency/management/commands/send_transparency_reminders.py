"""Remind the transparency officers of the register's deadlines. Run it daily (cron or a
systemd timer) after midnight; running it twice the same day sends nothing twice."""

from django.conf import settings
from django.core.management.base import BaseCommand

from transparency.reminders import send_deadline_reminders


class Command(BaseCommand):
    help = (
        "Avisa a los responsables de transparencia de los plazos de las solicitudes de acceso a la información "
        f"({settings.TRANSPARENCY_REMINDER_DAYS} días hábiles antes, el día del vencimiento y cuando están vencidas)."
    )

    def handle(self, *args, **options):
        sent = send_deadline_reminders()
        self.stdout.write(f"Recordatorios de transparencia enviados: {sent}")
