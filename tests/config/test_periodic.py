"""The periodic jobs: one registry (settings.PERIODIC_JOBS) for Celery beat and for cron's
`run_periodic_jobs`, which runs each job once, idempotently, and says what each did."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditCheckpoint
from core import periodic
from notifications.models import Kind, Notification
from tests.factories import create_request

pytestmark = pytest.mark.django_db


def local(*args):
    return timezone.make_aware(datetime(*args))


def test_a_daily_job_is_due_from_its_time_on_its_days():
    reminders = periodic.jobs()["deadline_reminders"]  # 07:30, Monday to Friday
    monday = local(2026, 11, 23, 7, 29)
    assert not reminders.due_today(monday)
    assert reminders.due_today(monday + timedelta(minutes=1))
    assert reminders.due_today(local(2026, 11, 23, 23, 59))
    assert not reminders.due_today(local(2026, 11, 22, 12, 0))  # Sunday
    assert periodic.jobs()["publish_scheduled"].due_today(local(2026, 11, 22, 0, 0))
    assert periodic.jobs()["export_jobs"].due_today(local(2026, 11, 22, 0, 0))


def test_times_are_local(settings):
    checkpoint = periodic.jobs()["audit_checkpoint"]  # 23:55 in TIME_ZONE (America/Lima, UTC-5)
    assert not checkpoint.due_today(datetime(2026, 11, 23, 4, 50, tzinfo=UTC))  # 23:50 in Lima
    assert checkpoint.due_today(datetime(2026, 11, 23, 4, 56, tzinfo=UTC))


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("run_periodic_jobs", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_cron_runs_each_due_job_once_and_again_does_nothing_twice(users, units, monkeypatch):
    late_on_a_weekday = local(2026, 11, 23, 23, 58)  # a Monday: every job is due
    create_request(users["rentas1"], units["rentas"], requested_by=date(2026, 11, 24))
    monkeypatch.setattr(timezone, "now", lambda: late_on_a_weekday)
    out, err, error = run()
    assert error is None, err
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert set(lines) == set(periodic.jobs())
    assert lines["deadline_reminders"].startswith("1 ")
    assert lines["audit_checkpoint"].startswith("1 ")  # the first checkpoint's sequence
    assert Notification.objects.filter(kind=Kind.DEADLINE).count() == 1
    assert AuditCheckpoint.objects.count() == 1

    out, err, error = run()
    assert error is None, err
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert lines["deadline_reminders"].startswith("0 ") and lines["audit_checkpoint"].startswith("0 ")
    assert Notification.objects.filter(kind=Kind.DEADLINE).count() == 1
    assert AuditCheckpoint.objects.count() == 1


def test_before_their_time_daily_jobs_wait(monkeypatch, db):
    monkeypatch.setattr(timezone, "now", lambda: local(2026, 11, 23, 6, 0))
    out, _err, error = run()
    assert error is None
    assert "deadline_reminders: aún no es hora" in out and "audit_checkpoint: aún no es hora" in out
    assert "publish_scheduled: 0" in out
    assert not AuditCheckpoint.objects.exists()


def test_only_runs_the_named_job_now(monkeypatch, db):
    monkeypatch.setattr(timezone, "now", lambda: local(2026, 11, 22, 6, 0))  # Sunday, early
    out, _err, error = run("--only", "audit_checkpoint")
    assert error is None
    assert out.startswith("audit_checkpoint: 1") and len(out.strip().splitlines()) == 1
    assert AuditCheckpoint.objects.count() == 1


def failing_job():
    raise RuntimeError("sin conexión con el servidor de correo")


def test_a_failing_job_does_not_stop_the_others_and_the_exit_status_says_so(settings, monkeypatch, db):
    settings.PERIODIC_JOBS = {
        "broken": {"task": "tests.config.test_periodic.failing_job", "schedule": {"minute": "*"}},
        **settings.PERIODIC_JOBS,
    }
    out, err, error = run()
    assert isinstance(error, CommandError) and "broken" in str(error)
    assert "broken: ERROR RuntimeError: sin conexión con el servidor de correo" in err
    assert "publish_scheduled: 0" in out and "workflow_timers: 0" in out


def test_the_command_exits_with_status_1_on_failure(settings, monkeypatch, db):
    settings.PERIODIC_JOBS = {"broken": {"task": "tests.config.test_periodic.failing_job", "schedule": {}}}
    with pytest.raises(SystemExit) as exited:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "run_periodic_jobs"])
    assert exited.value.code == 1
