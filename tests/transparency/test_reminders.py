"""Deadline reminders through the notification system: right person, right days, once."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Kind, Notification
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD
from transparency import services
from transparency.reminders import send_deadline_reminders

from .conftest import received, walk

pytestmark = pytest.mark.django_db

# Received Monday 2 March 2026: extension notice due Wednesday 4, answer due Monday 16.


def reminders():
    return list(Notification.objects.filter(kind=Kind.TRANSPARENCY_DEADLINE).order_by("pk"))


@pytest.fixture
def officer2(users):
    return ensure_user("transparencia2", password=PASSWORD, roles=(Role.TRANSPARENCIA,))


@pytest.fixture
def assigned(users, register):
    entry = register()
    return services.assign_officer(users["transparencia"], entry, officer=users["transparencia"])


def test_two_working_days_before_the_answer_deadline(users, assigned, officer2):
    # Thursday 12 March: Friday 13 and Monday 16 are left.
    assert send_deadline_reminders(today=date(2026, 3, 12)) == 1
    [notification] = reminders()
    assert notification.recipient == users["transparencia"]
    assert notification.request is None
    assert notification.url == reverse("transparency:detail", args=[assigned.pk])
    assert assigned.reference in notification.message
    assert "plazo de respuesta" in notification.message and "16/03/2026" in notification.message


def test_nothing_while_the_deadline_is_far(assigned):
    # Monday 9 March: five working days to answer; the extension deadline passed on the 4th.
    assert send_deadline_reminders(today=date(2026, 3, 9)) == 0
    assert reminders() == []


def test_the_extension_notice_deadline_is_reminded_before_and_on_the_day_not_after(assigned):
    assert send_deadline_reminders(today=date(2026, 3, 3)) == 1
    assert "prórroga" in reminders()[-1].message
    assert send_deadline_reminders(today=date(2026, 3, 4)) == 1
    assert "vence hoy" in reminders()[-1].message
    assert send_deadline_reminders(today=date(2026, 3, 5)) == 0


def test_on_the_day_and_every_day_once_overdue(assigned):
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 1
    assert "vence hoy" in reminders()[-1].message
    assert send_deadline_reminders(today=date(2026, 3, 17)) == 1
    assert "venció" in reminders()[-1].message
    assert send_deadline_reminders(today=date(2026, 3, 18)) == 1
    assert len(reminders()) == 3


def test_once_per_day(assigned):
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 1
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 0
    assert len(reminders()) == 1


def test_without_an_officer_every_active_transparencia_user_is_told(users, register, officer2):
    register()
    retired = ensure_user("transparencia_cesado", password=PASSWORD, roles=(Role.TRANSPARENCIA,))
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 2
    assert {n.recipient.username for n in reminders()} == {"transparencia", "transparencia2"}
    # A second run the same day sends nothing, to either of them.
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 0


def test_an_officer_who_lost_the_role_is_replaced_by_everyone_who_has_it(users, assigned, officer2):
    users["transparencia"].groups.remove(Group.objects.get(name=Role.TRANSPARENCIA))
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 1
    assert reminders()[0].recipient == officer2


@pytest.mark.parametrize("path", [("start", "answer"), ("start", "deny"), ("archive",)])
def test_closed_entries_are_not_reminded(users, assigned, path):
    walk(users, assigned, *path)
    for day in (date(2026, 3, 3), date(2026, 3, 16), date(2026, 3, 20)):
        assert send_deadline_reminders(today=day) == 0
    assert reminders() == []


def test_after_an_extension_the_new_date_counts(users, assigned):
    services.communicate_extension(
        users["transparencia"],
        assigned,
        new_due_on=date(2026, 3, 27),
        justification="Volumen.",
        communicated_at=received(2026, 3, 3),
    )
    assert send_deadline_reminders(today=date(2026, 3, 16)) == 0  # the old date no longer applies
    assert send_deadline_reminders(today=date(2026, 3, 25)) == 1
    assert "27/03/2026" in reminders()[-1].message
    assert send_deadline_reminders(today=date(2026, 3, 30)) == 1
    assert "venció" in reminders()[-1].message


def test_the_command(assigned, capsys):
    call_command("send_transparency_reminders")
    # Today the March deadline is long overdue: the assigned officer is told once.
    assert len(reminders()) == 1
    call_command("send_transparency_reminders")
    assert len(reminders()) == 1
    assert "Recordatorios de transparencia enviados: 1" in capsys.readouterr().out
