"""Reading notifications: a person reads only their own, pages of them by id whatever
their number, and never the content of one about a request they may no longer see."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import selectors, services
from notifications.models import Kind, Notification
from tests.factories import create_request, request_in_state, step_kwargs
from workflows import services as workflow_services
from workflows.models import State

pytestmark = pytest.mark.django_db

INBOX = reverse("approvals:inbox")


def fresh(user):
    """Re-read the user: permission lookups are cached on the instance."""
    return get_user_model().objects.get(pk=user.pk)


def notes_for(users, units, count=3):
    """`count` requests submitted by rentas1: revisor1 gets one notification each."""
    for _ in range(count):
        request_in_state(users, units, State.IN_REVIEW)
    return list(Notification.objects.filter(recipient=users["revisor1"]).order_by("pk"))


def listed(response) -> list[int]:
    """The ids of the notifications the inbox page lists, top to bottom."""
    html = response.content.decode()
    block = re.search(r'<ul id="notification-list".*?</ul>', html, re.S).group(0)
    return [int(pk) for pk in re.findall(r'<li class="notification[^"]*" data-id="(\d+)"', block)]


@pytest.fixture
def lost_sight(users, units, head):
    """A draft of Rentas shared with Social, cancelled (social1 is told), then the share
    revoked: social1 holds a notification about a request it may no longer see."""
    draft = create_request(users["rentas1"], units["rentas"], title="Campaña reservada de arbitrios")
    share = workflow_services.share_request(head, draft, reason="Coautoría.", unit=units["social"])
    cancelled = workflow_services.cancel_request(users["rentas1"], draft, **step_kwargs("cancel"))
    [note] = Notification.objects.filter(recipient=users["social1"], request=cancelled)
    assert cancelled.reference in note.message
    workflow_services.revoke_share(head, share, reason="Terminó la coordinación.")
    return cancelled, note


# --- the list, newest first, filtered ---------------------------------------------------------


def test_the_list_filters_and_orders(users, units):
    notes = notes_for(users, units, 3)
    user = users["revisor1"]
    services.mark_read(user, [notes[0].pk])

    def ids(**filters):
        return [item.pk for item in selectors.notification_page(user, **filters).items]

    assert ids() == [n.pk for n in reversed(notes)]
    assert ids(status="unread") == [notes[2].pk, notes[1].pk]
    assert ids(status="read") == [notes[0].pk]
    assert ids(kind=Kind.REJECTION) == []
    assert ids(kind=Kind.NEW_SUBMISSION) == [n.pk for n in reversed(notes)]
    assert [n.pk for n in selectors.notifications_after(user, notes[0].pk)] == [notes[2].pk, notes[1].pk]
    assert selectors.bell(user) == {"unread": 2, "last_id": notes[2].pk}
    assert selectors.unread_count(user) == 2
    with pytest.raises(ValueError, match="Estado de notificación desconocido"):
        selectors.notification_page(user, status="todas")
    with pytest.raises(ValueError, match="Tipo de notificación desconocido"):
        selectors.notification_page(user, kind="nada")


def test_only_ones_own(users, units):
    notes_for(users, units, 2)
    theirs = set(Notification.objects.filter(recipient=users["revisor2"]).values_list("pk", flat=True))
    mine = {item.pk for item in selectors.notification_page(users["revisor1"]).items}
    assert len(mine) == len(theirs) == 2
    assert not mine & theirs
    assert selectors.bell(users["nobody"]) == {"unread": 0, "last_id": 0}
    assert selectors.notification_page(users["nobody"]).items == []


def test_pages_go_by_id_in_both_directions(users, units):
    notes = [n.pk for n in reversed(notes_for(users, units, 5))]  # newest first
    user = users["revisor1"]

    first = selectors.notification_page(user, size=2)
    assert [item.pk for item in first.items] == notes[:2]
    assert (first.newer, first.older, first.count, first.count_capped) == (None, notes[1], 5, False)
    second = selectors.notification_page(user, before=first.older, size=2)
    assert [item.pk for item in second.items] == notes[2:4]
    assert (second.newer, second.older) == (notes[2], notes[3])
    last = selectors.notification_page(user, before=second.older, size=2)
    assert [item.pk for item in last.items] == notes[4:]
    assert (last.newer, last.older) == (notes[4], None)
    back = selectors.notification_page(user, after=last.newer, size=2)
    assert [item.pk for item in back.items] == notes[2:4]
    assert (back.newer, back.older) == (notes[2], notes[3])
    top = selectors.notification_page(user, after=back.newer, size=2)
    assert [item.pk for item in top.items] == notes[:2]
    assert (top.newer, top.older) == (None, notes[1])
    assert top.last_id == notes[0]


def test_the_count_is_capped(users, units, monkeypatch):
    notes_for(users, units, 4)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)

    page = selectors.notification_page(users["revisor1"])
    assert (page.count, page.count_capped, len(page.items)) == (3, True, 4)
    page = selectors.notification_page(users["revisor1"], status="read")
    assert (page.count, page.count_capped) == (0, False)


def test_the_selectors_run_a_fixed_number_of_queries(users, units):
    notes_for(users, units, 1)

    def count_queries():
        user = fresh(users["revisor1"])
        with CaptureQueriesContext(connection) as captured:
            selectors.unread_count(user)
            selectors.notification_page(user, status="unread")
            selectors.notifications_after(user, 0)
            selectors.bell(user)
        statements = [query["sql"] for query in captured.captured_queries]
        return (
            len(statements),
            sum('FROM "notifications_notification"' in sql for sql in statements),
            sum(sql.startswith('SELECT "workflows_materialrequest"."id"') for sql in statements),
        )

    few = count_queries()
    notes_for(users, units, 12)
    assert count_queries() == few
    # unread, the page's count and rows, the catch-up, the bell; the visibility of the
    # page's requests and of the catch-up's (plus the user's delegations, once).
    assert few[1:] == (5, 2)


def test_the_visibility_check_reads_only_the_page(users, units):
    """The query that tells which requests are still visible names the page's requests,
    not every request the person may see."""
    notes = notes_for(users, units, 5)
    user = fresh(users["revisor1"])
    with CaptureQueriesContext(connection) as captured:
        page = selectors.notification_page(user, size=2)
    [check] = [q["sql"] for q in captured.captured_queries if 'FROM "workflows_materialrequest"' in q["sql"]]
    shown = {item.request_id for item in page.items}
    assert shown == {notes[4].request_id, notes[3].request_id}
    assert all(str(pk) in check for pk in shown)
    assert str(notes[0].request_id) not in re.findall(r"IN \(([^)]*)\)", check)[-1]
    assert not any(item.hidden for item in page.items)


# --- a request the person may no longer see ---------------------------------------------------------


def test_a_notification_about_a_request_one_can_no_longer_see_shows_nothing_of_it(users, lost_sight):
    cancelled, note = lost_sight
    social1 = fresh(users["social1"])

    [item] = selectors.notification_page(social1).items
    assert item.pk == note.pk
    assert item.hidden
    assert item.message == "Notificación sobre una solicitud a la que ya no tiene acceso."
    assert item.url == ""
    # Live updates and the socket leave it out altogether.
    assert selectors.notifications_after(social1, 0) == []
    assert selectors.visible_notification(social1, note.pk) is None
    # It was addressed to them: it still counts as unread, and can be marked read.
    assert selectors.unread_count(social1) == 1
    assert selectors.bell(social1) == {"unread": 1, "last_id": note.pk}
    assert services.mark_read(social1, [note.pk]) == 1
    assert selectors.unread_count(social1) == 0
    # Stored as it was written: only what is shown is hidden.
    note.refresh_from_db()
    assert cancelled.reference in note.message


def test_the_inbox_page_never_shows_its_title_or_link(client_for, users, lost_sight):
    cancelled, note = lost_sight

    response = client_for("social1").get(INBOX)

    assert response.status_code == 200
    html = response.content.decode()
    assert listed(response) == [note.pk]
    assert "Notificación sobre una solicitud a la que ya no tiene acceso." in html
    for secret in (cancelled.reference, cancelled.title, note.message, f"/solicitudes/{cancelled.pk}/"):
        assert secret not in html
    assert f'name="ids" value="{note.pk}"' in html  # it can still be marked read
    # Whoever still sees the request reads it in full.
    rentas = client_for("rentas2").get(INBOX).content.decode()
    assert cancelled.reference in rentas


def test_a_superuser_reads_every_notification_of_theirs(users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    Notification.objects.create(recipient=users["admin"], kind=Kind.COMMENT, request=draft, message="Hola")
    [item] = selectors.notification_page(fresh(users["admin"])).items
    assert not item.hidden
    assert item.message == "Hola"


def test_a_notification_without_a_request_is_shown(users):
    note = Notification.objects.create(
        recipient=users["transparencia"], kind=Kind.TRANSPARENCY_DEADLINE, message="Plazo"
    )
    [item] = selectors.notification_page(fresh(users["transparencia"])).items
    assert (item.pk, item.hidden, item.message) == (note.pk, False, "Plazo")


# --- the inbox page's list ---------------------------------------------------------------------------


def test_the_inbox_pages_its_notifications(client_for, users, units, monkeypatch):
    notes = [n.pk for n in reversed(notes_for(users, units, 5))]
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    client = client_for("revisor1")

    first = client.get(INBOX, {"estado": "unread"})
    assert listed(first) == notes[:2]
    html = first.content.decode()
    assert "5 notificaciones" in html
    assert f'href="?estado=unread&amp;antes={notes[1]}"' in html
    assert "despues=" not in html
    second = client.get(INBOX, {"estado": "unread", "antes": notes[1]})
    assert listed(second) == notes[2:4]
    assert f'href="?estado=unread&amp;despues={notes[2]}"' in second.content.decode()
    assert listed(client.get(INBOX, {"estado": "unread", "despues": notes[2]})) == notes[:2]


@pytest.mark.parametrize("query", [{"antes": "x"}, {"antes": "0"}, {"despues": "-4"}, {"antes": "5", "despues": "3"}])
def test_a_bad_page_of_notifications_is_refused_in_spanish(client_for, users, units, query):
    notes = notes_for(users, units, 1)

    response = client_for("revisor1").get(INBOX, query)

    assert response.status_code == 400
    assert "La página de notificaciones pedida no es válida." in response.content.decode()
    assert listed(response) == [notes[0].pk]


def test_the_inbox_says_more_than_the_cap(client_for, users, units, monkeypatch):
    notes_for(users, units, 4)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)

    html = client_for("revisor1").get(INBOX).content.decode()

    assert "Más de 3 notificaciones" in html


def test_marking_read_from_the_inbox(client_for, users, units):
    notes = notes_for(users, units, 3)
    client = client_for("revisor1")
    html = client.get(INBOX).content.decode()
    assert html.count('form="mark-read-form" name="ids"') == 3
    assert 'name="all" value="1"' in html

    response = client.post(reverse("notifications:mark_read"), {"ids": notes[1].pk, "next": INBOX})
    assert response.status_code == 302
    assert selectors.unread_count(users["revisor1"]) == 2
    html = client.get(INBOX).content.decode()
    assert f'name="ids" value="{notes[1].pk}"' not in html
    assert "2 sin leer" in html

    client.post(reverse("notifications:mark_read"), {"all": "1", "next": INBOX})
    html = client.get(INBOX).content.decode()
    assert 'name="all" value="1"' not in html
    assert 'name="ids"' not in html
