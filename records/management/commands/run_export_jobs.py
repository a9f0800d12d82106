"""Build dossier exports left pending (after a restart) — also run by the scheduler."""

from django.core.management.base import BaseCommand

from records.jobs import run_pending


class Command(BaseCommand):
    help = "Prepara los expedientes pendientes de exportación."

    def handle(self, *args, **options):
        count = run_pending()
        self.stdout.write(f"Expedientes preparados: {count}")
