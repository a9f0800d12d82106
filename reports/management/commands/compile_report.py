"""Compile the monthly report (--month AAAA-MM) or the memoria anual (--year AAAA) as the
next version of that period; exit 2 on a bad argument, 1 when generation is refused."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from reports.periods import parse_month, parse_year
from reports.services import generate_report
from workflows.exceptions import InvalidInput

USAGE = "Indique el periodo: --month AAAA-MM (informe mensual) o --year AAAA (memoria anual), uno de los dos."


class Command(BaseCommand):
    help = "Genera el informe mensual (--month AAAA-MM) o la memoria anual (--year AAAA) en DOCX, como nueva versión."

    def add_arguments(self, parser):
        parser.add_argument("--month", default=None, help="Mes del informe mensual, AAAA-MM (p. ej. 2026-11).")
        parser.add_argument("--year", default=None, help="Año de la memoria anual, AAAA (p. ej. 2026).")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="Usuario que lo genera (gerente o administrador); sin él, lo genera el sistema.",
        )

    def handle(self, *args, month=None, year=None, username=None, **options):
        if (month is None) == (year is None):
            raise CommandError(USAGE, returncode=2)
        try:
            period = parse_month(month) if month is not None else parse_year(year)
        except InvalidInput as error:
            raise CommandError(error.message, returncode=2) from error
        actor = None
        if username is not None:
            actor = get_user_model().objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"No existe un usuario activo «{username}».", returncode=2)
        try:
            report = generate_report(actor, period)
        except PermissionDenied as error:
            raise CommandError(f"{username}: {error}", returncode=1) from error
        except InvalidInput as error:
            raise CommandError(error.message, returncode=1) from error
        who = username or "el sistema"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.period.title}: versión {report.version} generada por {who} ({report.reference})."
            )
        )
        self.stdout.write(f"Archivo: {report.file.name} · {report.size} bytes · SHA-256 {report.sha256}")
