"""Recompute every hash chain and checkpoint of the audit log; exit 1 on any break."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_all


class Command(BaseCommand):
    help = "Verifica las cadenas de hashes y los puntos de control del registro de auditoría."

    def add_arguments(self, parser):
        parser.add_argument("--chain", default="", help="Verificar solo esta cadena (p. ej. materialrequest:42).")

    def handle(self, *args, chain="", **options):
        report = verify_all(chain=chain or None)
        self.stdout.write(
            f"Cadenas: {report.chains} · eventos: {report.events} · puntos de control: {report.checkpoints}"
        )
        if chain and not report.chains:
            raise CommandError(f"No existe la cadena «{chain}».", returncode=2)
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Registro de auditoría íntegro: ninguna cadena rota."))
            return
        self.stderr.write(f"Primer enlace roto: {report.first_break.describe()}")
        for broken in report.breaks[1:]:
            self.stderr.write(f"También: {broken.describe()}")
        raise CommandError(f"El registro de auditoría no es íntegro: {len(report.breaks)} ruptura(s).", returncode=1)
