"""Recompute every hash chain and checkpoint of the audit log, and compare the checkpoints
with their seals and with their copy outside the database; exit 1 on any divergence."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_all


class Command(BaseCommand):
    help = (
        "Verifica las cadenas de hashes y los puntos de control del registro de auditoría, sus sellos "
        "y su copia fuera de la base de datos."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chain", default="", help="Verificar solo esta cadena (p. ej. materialrequest:42).")
        parser.add_argument(
            "--checkpoint-file",
            default="",
            help="Copia externa de los puntos de control a comparar (por omisión, la de AUDIT_CHECKPOINT_DIR).",
        )
        parser.add_argument(
            "--from-backup",
            action="store_true",
            help=(
                "La base de datos es una copia de seguridad restaurada: los puntos de control de la copia "
                "externa posteriores al último de la base se cuentan, no son una ruptura."
            ),
        )

    def handle(self, *args, chain="", checkpoint_file="", from_backup=False, **options):
        report = verify_all(
            chain=chain or None,
            checkpoint_file=Path(checkpoint_file) if checkpoint_file else None,
            from_backup=from_backup,
        )
        self.stdout.write(
            f"Cadenas: {report.chains} · eventos: {report.events} · puntos de control: {report.checkpoints}"
        )
        if report.unsealed_checkpoints:
            self.stdout.write(
                f"{report.unsealed_checkpoints} punto(s) de control anteriores a los sellos: los cubre el enlace "
                "del primer punto de control sellado."
            )
        lines = "no existe" if report.outside_lines is None else f"{report.outside_lines} línea(s)"
        self.stdout.write(f"Copia externa: {report.outside_copy} ({lines})")
        if report.newer_outside_lines:
            self.stdout.write(
                f"{report.newer_outside_lines} punto(s) de control de la copia externa son posteriores a esta "
                "copia de seguridad (no verificados)."
            )
        if chain and not report.chains:
            raise CommandError(f"No existe la cadena «{chain}».", returncode=2)
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Registro de auditoría íntegro: ninguna cadena rota."))
            return
        self.stderr.write(f"Primera divergencia: {report.first_break.describe()}")
        for broken in report.breaks[1:]:
            self.stderr.write(f"También: {broken.describe()}")
        raise CommandError(f"El registro de auditoría no es íntegro: {len(report.breaks)} ruptura(s).", returncode=1)
