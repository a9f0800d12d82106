"""The inbox page's markup at any size: a page of tasks with their count, one decision
dialog that comes back on the request whose decision failed, one form for the queue's
buttons, ids never localized, and a query count that neither tasks nor notifications grow."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services as flow_sync
from approvals.selectors import TASKS_PAGE_SIZE
from notifications.models import Kind, Notification
from tests.factories import create_request, request_in_state
from workflows import services
from workflows.models import State

pytestmark = pytest.mark.django_db

INBOX = reverse("approvals:inbox")


def rows(response) -> list[int]:
    """The request ids of the task rows, top to bottom."""
    return [int(pk) for pk in re.findall(r'<tr id="task-\d+" data-request-id="(\d+)"', response.content.decode())]


def dialog(response) -> str:
    html = response.content.decode()
    match = re.search(r'<dialog id="decide-dialog".*?</dialog>', html, re.S)
    assert match, "no decision dialog on the page"
    return match.group(0)


@pytest.fixture
def pending(users, units):
    """Three requests waiting for the gerente, oldest first."""
    return [request_in_state(users, units, State.PENDING_APPROVAL) for _ in range(3)]


def test_one_decision_dialog_whatever_the_rows(client_for, pending):
    html = client_for("gerente").get(INBOX).content.decode()

    assert html.count("<dialog") == 3  # the decision, the reassign and the bulk confirmation dialogs
    for material_request in pending:
        row = re.search(rf'<tr id="task-\d+" data-request-id="{material_request.pk}".*?>', html, re.S).group(0)
        # The dialog loads the version being approved from here (documents' fragment).
        assert f'data-review-url="{reverse("workflows:version_review", args=[material_request.pk])}"' in row
        assert f'data-reference="{material_request.reference}"' in row
        assert f'data-decide-url="{reverse("approvals:decide", args=[material_request.pk])}"' in row
        assert f'data-revision="{material_request.revision}"' in row
        assert f'data-heading="{material_request.reference} · {material_request.title}"' in row
    assert "data-open-on-load" not in dialog(client_for("gerente").get(INBOX))


def test_a_refused_return_comes_back_with_its_dialog_open(client_for, pending):
    target = pending[0]

    response = client_for("gerente").post(
        reverse("approvals:decide", args=[target.pk]),
        {"decision": "return", "comment": " ", "revision": target.revision},
    )

    assert response.status_code == 400
    box = dialog(response)
    assert f'data-open-on-load data-request-id="{target.pk}"' in box
    assert f'action="{reverse("approvals:decide", args=[target.pk])}"' in box
    assert f"{target.reference} · {target.title}" in box
    assert "Para devolver, indique el motivo." in box
    assert '<input type="radio" name="decision" value="return" checked>' in box


def test_a_stale_decision_reopens_on_the_request_as_it_is_now(client_for, users, pending):
    target = pending[1]
    seen = target.revision
    services.update_request(
        users["revisor1"], target, fields={"title": "Título nuevo"}, details={}, expected_revision=seen
    )

    response = client_for("gerente").post(
        reverse("approvals:decide", args=[target.pk]), {"decision": "approve", "comment": "", "revision": seen}
    )

    assert response.status_code == 409
    box = dialog(response)
    assert "Título nuevo" in box
    assert f'value="{seen + 1}" data-fill-value="revision"' in box


def test_tasks_come_a_page_at_a_time(client_for, users, units, monkeypatch):
    monkeypatch.setattr("approvals.selectors.TASKS_PAGE_SIZE", 2)
    newest_first = [request_in_state(users, units, State.PENDING_APPROVAL).pk for _ in range(5)][::-1]
    client = client_for("gerente")

    first = client.get(INBOX, {"estado": "unread"})
    assert rows(first) == newest_first[:2]
    html = first.content.decode()
    assert '<span class="chip" id="task-count">5</span>' in html
    assert "Página 1 de 3" in html
    assert 'href="?estado=unread&amp;tareas=2"' in html
    assert rows(client.get(INBOX, {"tareas": 2})) == newest_first[2:4]
    assert rows(client.get(INBOX, {"tareas": 99})) == newest_first[4:]  # the last page
    assert rows(client.get(INBOX, {"tareas": "x"})) == newest_first[:2]  # the first
    # The task list the page reloads keeps its page.
    partial = client.get(INBOX, {"tareas": 2, "parcial": "tareas"})
    assert rows(partial) == newest_first[2:4]
    assert "notification-list" not in partial.content.decode()


def test_the_queue_buttons_share_one_form(client_for, users, pending):
    mine = flow_sync.current_task(pending[0])
    flow_sync.take_task(users["gerente"], mine.pk)
    free = flow_sync.current_task(pending[1])

    html = client_for("gerente").get(INBOX).content.decode()

    assert html.count('id="queue-form"') == 1
    assert f'form="queue-form" formaction="{reverse("approvals:release", args=[mine.pk])}"' in html
    assert f'form="queue-form" formaction="{reverse("approvals:take", args=[free.pk])}"' in html
    assert reverse("approvals:take", args=[mine.pk]) not in html
    assert html.count('id="reassign-to"') == 1


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_ids_are_never_localized(client_for, users, units):
    note = Notification.objects.create(pk=1_234_567, recipient=users["gerente"], kind=Kind.COMMENT, message="Hola")
    Notification.objects.create(recipient=users["gerente"], kind=Kind.COMMENT, message="Otra")

    html = client_for("gerente").get(INBOX, {"antes": 9_999_999}).content.decode()

    assert f'data-id="{note.pk}"' in html
    assert f'name="ids" value="{note.pk}"' in html
    assert "1.234.567" not in html and "1,234,567" not in html


def test_the_query_count_grows_with_neither_tasks_nor_notifications(client_for, users, units):
    client = client_for("gerente")
    request_in_state(users, units, State.PENDING_APPROVAL)
    client.get(INBOX)  # warm the caches every page shares
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)

    for _ in range(TASKS_PAGE_SIZE + 2):
        request_in_state(users, units, State.PENDING_APPROVAL, author="obras1", unit="obras")
    # And notifications, some about a draft the gerente never saw.
    unseen = create_request(users["rentas1"], units["rentas"])
    Notification.objects.bulk_create(
        Notification(recipient=users["gerente"], kind=Kind.COMMENT, message=f"Aviso {index}", request=unseen)
        for index in range(40)
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(INBOX)

    assert len(rows(response)) == TASKS_PAGE_SIZE
    html = response.content.decode()
    assert html.count("Notificación sobre una solicitud a la que ya no tiene acceso.") == 20
    assert "Aviso" not in html
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_the_task_query_follows_the_persons_roles_and_encargaturas(users, units):
    """The ids query is compiled once per shape: a change of role or encargatura is a
    new shape, never yesterday's query."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from approvals.selectors import task_page
    from organization.services import create_delegation

    def shown(username):
        user = get_user_model().objects.get(username=username)
        return {material_request.pk for _task, material_request in task_page(user, 1).object_list}

    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    in_review = request_in_state(users, units, State.IN_REVIEW)
    assert shown("revisor2") == {in_review.pk}
    today = timezone.localdate()
    create_delegation(users["gerente"], delegate=users["revisor2"], starts_on=today, ends_on=today, resolution="R9")
    assert shown("revisor2") == {in_review.pk, pending.pk}
    users["revisor2"].groups.remove(Group.objects.get(name="revisor"))
    assert shown("revisor2") == {pending.pk}


def test_the_municipality_is_read_once_per_page(client_for, users):
    from organization.models import Municipality

    client = client_for("gerente")
    client.get(INBOX)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(INBOX).content.decode()

    name = Municipality.objects.order_by("pk").first().name
    assert html.count(name) >= 3  # the title, the header, the footer
    assert sum('FROM "organization_municipality"' in query["sql"] for query in captured.captured_queries) == 1
