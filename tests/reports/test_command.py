"""`manage.py compile_report`: a version per run, as a user or as the system; every bad
argument a Spanish message, an exit status other than 0, and nothing generated."""

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from audit.models import AuditEvent
from reports.models import Report

pytestmark = pytest.mark.django_db


def month_of(day) -> str:
    return f"{day:%Y-%m}"


def next_month() -> str:
    today = timezone.localdate()
    return f"{today.year + 1}-01" if today.month == 12 else f"{today.year}-{today.month + 1:02d}"


def test_as_the_gerente(users, capsys):
    call_command("compile_report", "--month", month_of(timezone.localdate()), "--as", "gerente")
    report = Report.objects.get()
    assert (report.period_kind, report.version, report.generated_by) == ("month", 1, users["gerente"])
    out = capsys.readouterr().out
    assert "versión 1 generada por gerente" in out
    assert report.sha256 in out


def test_as_the_system_without_as(users):
    year = str(timezone.localdate().year)
    call_command("compile_report", "--year", year)
    call_command("compile_report", "--year", year)
    first, second = Report.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.generated_by is None and second.generated_by is None
    assert first.sha256 == second.sha256
    events = AuditEvent.objects.filter(action="report_generate").order_by("pk")
    assert [(event.actor, event.actor_username) for event in events] == [(None, ""), (None, "")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Indique el periodo: --month AAAA-MM"),
        (("--month", "2026-01", "--year", "2026"), "uno de los dos"),
        (("--month", "2026-13"), "El mes va de 01 a 12"),
        (("--month", "nov-2026"), "Escríbalo como AAAA-MM"),
        (("--month", "1999-05"), "Debe ser 2000 o posterior"),
        (("--year", "dos mil"), "Escríbalo con cuatro cifras"),
        (("--month", "2026-01", "--as", "fantasma"), "No existe un usuario activo «fantasma»"),
    ],
)
def test_bad_arguments(users, args, message):
    with pytest.raises(CommandError, match=message) as refused:
        call_command("compile_report", *args)
    assert refused.value.returncode == 2
    assert not Report.objects.exists()


def test_a_period_not_yet_begun_is_refused(users):
    with pytest.raises(CommandError, match="todavía no ha empezado") as refused:
        call_command("compile_report", "--month", next_month())
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="todavía no ha empezado"):
        call_command("compile_report", "--year", str(timezone.localdate().year + 1))
    assert not Report.objects.exists()


@pytest.mark.parametrize("username", ["revisor1", "publicador", "transparencia", "rentas1"])
def test_only_the_gerente_or_the_administrator_generates(users, username):
    with pytest.raises(CommandError, match="Solo el gerente de comunicaciones") as refused:
        call_command("compile_report", "--month", month_of(timezone.localdate()), "--as", username)
    assert refused.value.returncode == 1
    assert not Report.objects.exists()
    call_command("compile_report", "--month", month_of(timezone.localdate()), "--as", "admin")
    assert Report.objects.get().generated_by == users["admin"]


def test_the_exit_status_and_message_from_the_command_line(users, capsys, monkeypatch):
    # run_from_argv closes the database connections when done, the test's own included.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    command = load_command_class("reports", "compile_report")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "compile_report", "--month", "2026-13"])
    assert exited.value.code == 2
    assert "Mes no válido: «2026-13». El mes va de 01 a 12." in capsys.readouterr().err
    assert not Report.objects.exists()
