"""Seal the heads of every audit chain in a checkpoint (run daily by the scheduler)."""

from django.core.management.base import BaseCommand, CommandError

from audit import outside_copy
from audit.services import create_checkpoint


class Command(BaseCommand):
    help = "Crea un punto de control sellado con el último hash de cada cadena del registro de auditoría."

    def add_arguments(self, parser):
        parser.add_argument("--by", default="programado", help="Quién lo crea (queda en el punto de control).")

    def handle(self, *args, by="programado", **options):
        checkpoint = create_checkpoint(created_by=by)
        self.stdout.write(
            f"Punto de control #{checkpoint.sequence}: {checkpoint.chain_count} cadenas, "
            f"{checkpoint.event_count} eventos, hash {checkpoint.hash}, clave «{checkpoint.key_id}»"
        )
        # The copy was appended after the commit, or its failure logged: say which, here.
        path = outside_copy.default_path()
        held = {line.sequence for line in outside_copy.read(path) or []}
        if checkpoint.sequence not in held:
            raise CommandError(f"No se pudo escribir la copia externa {path}: véase el registro.", returncode=1)
        self.stdout.write(f"Copia externa: {path}")
