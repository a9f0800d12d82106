"""The inbox: what waits for each person, decided in place, one by one or in bulk."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import selectors
from approvals import services as flow_sync
from approvals.selectors import TASKS_PAGE_SIZE
from audit.models import AuditEvent
from organization.roles import Role
from organization.services import create_delegation, ensure_user
from tests.factories import PASSWORD, request_in_state
from workflows import services
from workflows.models import MaterialRequest, State

pytestmark = pytest.mark.django_db

INBOX = reverse("approvals:inbox")
BULK = reverse("approvals:bulk_approve")
STALE = "cambió desde que abrió esta página"


def decide_url(material_request_or_pk):
    return reverse("approvals:decide", args=[getattr(material_request_or_pk, "pk", material_request_or_pk)])


def fresh(user):
    """Re-read the user: permission and delegation lookups are cached on the instance."""
    return get_user_model().objects.get(pk=user.pk)


def inbox_of(user):
    """{request pk: task node name} of what the selector offers the user."""
    pairs = selectors.tasks_for(fresh(user))
    assert len({task.pk for task, _request in pairs}) == len(pairs)
    return {material_request.pk: task.flow_task.name for task, material_request in pairs}


def page_rows(response):
    """The task rows of the inbox page, as {request pk: task pk}."""
    html = response.content.decode()
    return {
        int(request_pk): int(task_pk)
        for task_pk, request_pk in re.findall(r'id="task-(\d+)" data-request-id="(\d+)"', html)
    }


def events(material_request, action):
    return AuditEvent.objects.filter(
        action=action, object_type="workflows.materialrequest", object_id=str(material_request.pk)
    ).order_by("sequence")


def reloaded(material_request):
    return MaterialRequest.objects.get(pk=material_request.pk)


def bulk_results(response):
    """The per-item lines of a bulk approval: [(reference, ok, message)]."""
    html = response.content.decode()
    block = re.search(r'<div class="card" id="bulk-results"[^>]*>(.*?)</div>', html, re.S)
    assert block, "no bulk results on the page"
    return [
        (reference, css == "ok" and mark == "✔", message.strip())
        for css, reference, mark, message in re.findall(
            r'<li class="(ok|fail)"><strong>([^<]+)</strong>'
            r'(?: <span class="result-title">[^<]*</span>)? — (✔|✖) ([^<]*)</li>',
            block.group(1),
        )
    ]


@pytest.fixture
def world(users, units):
    """One request at each step, from two units."""
    in_review = request_in_state(users, units, State.IN_REVIEW)
    social_review = request_in_state(users, units, State.IN_REVIEW, author="social1", unit="social")
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    approved = request_in_state(users, units, State.APPROVED)
    observed = services.observe_request(
        users["revisor1"], request_in_state(users, units, State.IN_REVIEW), comment="Falta el logo"
    )
    social_observed = services.observe_request(
        users["revisor1"],
        request_in_state(users, units, State.IN_REVIEW, author="social1", unit="social"),
        comment="Falta la fecha",
    )
    request_in_state(users, units, State.DRAFT)  # no task at all
    request_in_state(users, units, State.PUBLISHED)  # process over
    return {
        "in_review": in_review,
        "social_review": social_review,
        "pending": pending,
        "approved": approved,
        "observed": observed,
        "social_observed": social_observed,
    }


# --- who sees what -------------------------------------------------------------------------------


def test_each_role_sees_its_own_tasks(users, world):
    assert inbox_of(users["revisor1"]) == {world["in_review"].pk: "review", world["social_review"].pk: "review"}
    assert inbox_of(users["revisor2"]) == inbox_of(users["revisor1"])
    assert inbox_of(users["gerente"]) == {world["pending"].pk: "approval"}
    assert inbox_of(users["publicador"]) == {world["approved"].pk: "publication"}
    assert inbox_of(users["rentas1"]) == {world["observed"].pk: "correction"}
    assert inbox_of(users["rentas2"]) == {world["observed"].pk: "correction"}
    assert inbox_of(users["social1"]) == {world["social_observed"].pk: "correction"}
    for nobody in ("obras1", "transparencia", "auditor", "nobody"):
        assert inbox_of(users[nobody]) == {}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("revisor1", {"in_review": "review", "social_review": "review"}),
        ("gerente", {"pending": "approval"}),
        ("publicador", {"approved": "publication"}),
        ("rentas1", {"observed": "correction"}),
        ("social1", {"social_observed": "correction"}),
        ("auditor", {}),
    ],
)
def test_the_inbox_page_lists_the_same_tasks(client_for, users, world, username, expected):
    response = client_for(username).get(INBOX)

    assert response.status_code == 200
    rows = page_rows(response)
    assert rows == {world[key].pk: flow_sync.current_task(world[key]).pk for key in expected}
    html = response.content.decode()
    for key in expected:
        assert world[key].reference in html
    if not expected:
        assert "No hay tareas pendientes para usted." in html


def test_an_encargado_sees_the_approvals_while_the_encargatura_lasts(users, world):
    assert "approval" not in inbox_of(users["revisor2"]).values()
    today = timezone.localdate()
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="RG-001",
    )

    seen = inbox_of(users["revisor2"])

    assert seen[world["pending"].pk] == "approval"
    assert seen[world["in_review"].pk] == "review"  # and still their own work
    # The encargado approves from there, in the gerente's name.
    approved = services.approve_request(fresh(users["revisor2"]), world["pending"])
    assert approved.approved_on_behalf_of == users["gerente"]


def test_a_future_encargatura_grants_nothing_yet(users, world):
    today = timezone.localdate()
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=3),
        resolution="RG-002",
    )

    assert "approval" not in inbox_of(users["revisor2"]).values()


@pytest.mark.parametrize(
    ("author", "state", "node", "colleague"),
    [
        ("revisor_rentas", State.IN_REVIEW, "review", "revisor1"),
        ("gerente_rentas", State.PENDING_APPROVAL, "approval", "gerente"),
        ("publicador_rentas", State.APPROVED, "publication", "publicador"),
    ],
)
def test_the_author_never_sees_their_own_request_to_decide(client_for, users, units, author, state, node, colleague):
    own = request_in_state(users, units, state, author=author)

    assert own.pk not in inbox_of(users[author])
    assert inbox_of(users[colleague])[own.pk] == node
    assert own.pk not in page_rows(client_for(author).get(INBOX))


def test_a_task_taken_by_someone_else_leaves_the_inbox(client_for, users, world):
    task = flow_sync.current_task(world["in_review"])
    flow_sync.take_task(users["revisor2"], task.pk)

    assert world["in_review"].pk not in inbox_of(users["revisor1"])
    assert inbox_of(users["revisor2"])[world["in_review"].pk] == "review"
    assert world["in_review"].pk not in page_rows(client_for("revisor1").get(INBOX))
    mine = client_for("revisor2").get(INBOX)
    assert page_rows(mine)[world["in_review"].pk] == task.pk
    # The owner is offered "Liberar", not "Tomar".
    assert reverse("approvals:release", args=[task.pk]) in mine.content.decode()
    assert reverse("approvals:take", args=[task.pk]) not in mine.content.decode()


def test_finished_tasks_leave_the_inbox(users, world):
    services.forward_request(users["revisor1"], world["in_review"])

    assert world["in_review"].pk not in inbox_of(users["revisor1"])
    assert inbox_of(users["gerente"])[world["in_review"].pk] == "approval"


def test_the_urgent_publisher_is_not_offered_its_post_review(users, units):
    urgent = services.publish_urgently(
        users["gerente"],
        request_in_state(users, units, State.IN_REVIEW),
        channel="Radio municipal",
        date=timezone.localdate(),
        comment="Alerta por lluvias",
    )
    assert inbox_of(users["revisor1"])[urgent.pk] == "post_review"

    assert urgent.pk not in inbox_of(users["gerente"])


def test_an_encargado_is_not_offered_the_approval_of_what_they_forwarded(users, units):
    forwarded = services.forward_request(users["revisor2"], request_in_state(users, units, State.IN_REVIEW))
    today = timezone.localdate()
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="RG-3",
    )

    assert forwarded.pk not in inbox_of(users["revisor2"])


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={INBOX}"
    assert reverse("login") == "/ingresar/"


def test_anonymous_users_get_no_tasks(world):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.tasks_for(AnonymousUser()) == []


# --- query count ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_inbox_query_count_does_not_grow_with_the_tasks(client_for, users, units):
    client = client_for("gerente")
    pending = [request_in_state(users, units, State.PENDING_APPROVAL, author="obras1", unit="obras") for _ in range(3)]
    client.get(INBOX)  # warm the caches that every page shares

    with CaptureQueriesContext(connection) as few:
        response = client.get(INBOX)
    assert len(page_rows(response)) == 3

    pending += [
        request_in_state(users, units, State.PENDING_APPROVAL, author="obras1", unit="obras") for _ in range(27)
    ]
    with CaptureQueriesContext(connection) as many:
        response = client.get(INBOX)
    # A page of the newest tasks, the count of all of them, and the rest on the next page.
    assert set(page_rows(response)) == {material_request.pk for material_request in pending[-TASKS_PAGE_SIZE:]}
    assert '<span class="chip" id="task-count">30</span>' in response.content.decode()
    with CaptureQueriesContext(connection) as second_page:
        rest = client.get(INBOX, {"tareas": 2})
    assert set(page_rows(rest)) == {material_request.pk for material_request in pending[:-TASKS_PAGE_SIZE]}

    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
    assert len(second_page) == len(few)


# --- deciding in place ----------------------------------------------------------------------------


@pytest.fixture
def pending(users, units):
    return request_in_state(users, units, State.PENDING_APPROVAL)


def test_approve_in_place(client_for, users, pending):
    response = client_for("gerente").post(
        decide_url(pending), {"decision": "approve", "comment": "Conforme", "revision": pending.revision}
    )

    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert reloaded(pending).state == State.APPROVED
    [event] = events(pending, "approve")
    assert event.actor == users["gerente"]
    assert event.comment == "Conforme"
    # The next step of the flow is waiting for the publicador.
    assert flow_sync.current_task(pending).flow_task.name == "publication"


def test_return_needs_a_reason(client_for, pending):
    response = client_for("gerente").post(
        decide_url(pending), {"decision": "return", "comment": "  ", "revision": pending.revision}
    )

    assert response.status_code == 400
    assert "Para devolver, indique el motivo." in response.content.decode()
    current = reloaded(pending)
    assert current.state == State.PENDING_APPROVAL
    assert current.revision == pending.revision
    assert not events(pending, "return").exists()
    assert flow_sync.current_task(pending).flow_task.name == "approval"


def test_return_with_a_reason_goes_back_to_the_unit(client_for, users, pending):
    response = client_for("gerente").post(
        decide_url(pending), {"decision": "return", "comment": "Corrija la fecha", "revision": pending.revision}
    )

    assert response.status_code == 302
    assert reloaded(pending).state == State.DRAFT
    [event] = events(pending, "return")
    assert event.comment == "Corrija la fecha"
    assert flow_sync.current_task(pending).flow_task.name == "correction"


@pytest.mark.parametrize(
    "data",
    [{"decision": "approve"}, {"decision": "publish", "revision": "1"}, {"decision": "approve", "revision": "x"}],
    ids=["no-revision", "unknown-decision", "bad-revision"],
)
def test_a_malformed_decision_changes_nothing(client_for, pending, data):
    response = client_for("gerente").post(decide_url(pending), data)

    assert response.status_code == 400
    assert reloaded(pending).state == State.PENDING_APPROVAL
    assert not events(pending, "approve").exists()


def test_a_stale_decision_is_refused(client_for, users, pending):
    revision_on_the_page = pending.revision
    gerente2 = ensure_user("gerente2", password=PASSWORD, roles=(Role.GERENTE,))
    services.approve_request(gerente2, pending, comment="Aprobado antes", expected_revision=revision_on_the_page)

    response = client_for("gerente").post(
        decide_url(pending), {"decision": "approve", "comment": "Conforme", "revision": revision_on_the_page}
    )

    assert response.status_code == 409
    assert STALE in response.content.decode()
    [event] = events(pending, "approve")
    assert event.actor == gerente2
    assert reloaded(pending).approved_by == gerente2


def test_a_stale_return_is_refused(client_for, users, pending):
    revision_on_the_page = pending.revision
    services.update_request(
        users["revisor1"], pending, fields={"title": "Nuevo título"}, details={}, expected_revision=revision_on_the_page
    )

    response = client_for("gerente").post(
        decide_url(pending), {"decision": "return", "comment": "Corrija", "revision": revision_on_the_page}
    )

    assert response.status_code == 409
    assert STALE in response.content.decode()
    assert reloaded(pending).state == State.PENDING_APPROVAL


def test_someone_who_may_not_approve_is_refused(client_for, pending):
    # revisor1 sees the request, but deciding is the gerente's.
    response = client_for("revisor1").post(
        decide_url(pending), {"decision": "approve", "comment": "", "revision": pending.revision}
    )

    assert response.status_code == 403
    assert "Solo el gerente de comunicaciones o su encargado pueden decidir la aprobación." in response.content.decode()
    assert reloaded(pending).state == State.PENDING_APPROVAL
    assert not events(pending, "approve").exists()


def test_the_author_may_not_approve_in_place(client_for, users, units):
    own = request_in_state(users, units, State.PENDING_APPROVAL, author="gerente_rentas")

    response = client_for("gerente_rentas").post(decide_url(own), {"decision": "approve", "revision": own.revision})

    assert response.status_code == 403
    assert "su autoría" in response.content.decode()
    assert reloaded(own).state == State.PENDING_APPROVAL


@pytest.mark.parametrize("username", ["social1", "publicador"])
def test_a_request_the_user_cannot_see_is_404(client_for, pending, username):
    response = client_for(username).post(decide_url(pending), {"decision": "approve", "revision": pending.revision})

    assert response.status_code == 404
    assert reloaded(pending).state == State.PENDING_APPROVAL


def test_a_missing_request_is_404(client_for):
    response = client_for("gerente").post(decide_url(999_999), {"decision": "approve", "revision": 1})

    assert response.status_code == 404


def test_deciding_needs_post_and_a_login(client, client_for, pending):
    assert client.post(decide_url(pending), {"decision": "approve", "revision": pending.revision}).status_code == 302
    assert client_for("gerente").get(decide_url(pending)).status_code == 405
    assert reloaded(pending).state == State.PENDING_APPROVAL


# --- bulk approval ---------------------------------------------------------------------------------


def test_bulk_approval_reports_every_item(client_for, users, units):
    """gerente_rentas approves a selection: three good ones, a missing id, its own request,
    one another gerente approved a moment earlier (the page's revision is stale) and one
    already approved sent without a revision."""
    a, b, c = (request_in_state(users, units, State.PENDING_APPROVAL) for _ in range(3))
    own = request_in_state(users, units, State.PENDING_APPROVAL, author="gerente_rentas")
    raced = request_in_state(users, units, State.PENDING_APPROVAL, author="social1", unit="social")
    raced_without_revision = request_in_state(users, units, State.PENDING_APPROVAL, author="obras1", unit="obras")
    page_revisions = {r.pk: r.revision for r in (a, b, c, own, raced)}
    other_gerente = ensure_user("gerente2", password=PASSWORD, roles=(Role.GERENTE,))
    services.approve_request(other_gerente, raced, comment="Antes")
    services.approve_request(other_gerente, raced_without_revision, comment="Antes")
    selection = [a.pk, b.pk, c.pk, 99999, own.pk, raced.pk, raced_without_revision.pk]

    response = client_for("gerente_rentas").post(
        BULK,
        {
            "requests": selection,
            "comment": "Aprobado en bloque",
            **{f"revision-{pk}": revision for pk, revision in page_revisions.items()},
        },
    )

    assert response.status_code == 200
    results = bulk_results(response)
    assert [reference for reference, _ok, _message in results] == [
        a.reference,
        b.reference,
        c.reference,
        "#99999",
        own.reference,
        raced.reference,
        raced_without_revision.reference,
    ]
    by_reference = {reference: (ok, message) for reference, ok, message in results}
    for good in (a, b, c):
        ok, message = by_reference[good.reference]
        assert ok
        assert message == "Aprobada."  # the reference is not repeated
        assert reloaded(good).state == State.APPROVED
        [event] = events(good, "approve")
        assert event.actor == users["gerente_rentas"]
        assert event.comment == "Aprobado en bloque"
    assert by_reference["#99999"] == (False, "No se aprobó: No existe o no tiene acceso a ella.")
    ok, message = by_reference[own.reference]
    assert not ok
    assert "su autoría" in message
    assert reloaded(own).state == State.PENDING_APPROVAL
    assert not events(own, "approve").exists()
    ok, message = by_reference[raced.reference]
    assert not ok
    assert STALE in message
    ok, message = by_reference[raced_without_revision.reference]
    assert not ok
    assert "no está disponible en el estado «Aprobada»" in message
    for already in (raced, raced_without_revision):
        [event] = events(already, "approve")
        assert event.actor == other_gerente
        assert reloaded(already).approved_by == other_gerente
    assert AuditEvent.objects.filter(action="approve", actor=users["gerente_rentas"]).count() == 3


def test_bulk_approval_lists_a_refusal_for_a_request_the_user_cannot_see(client_for, users, units):
    draft = request_in_state(users, units, State.DRAFT)  # the gerente never saw it

    response = client_for("gerente").post(BULK, {"requests": [draft.pk]})

    assert response.status_code == 200
    assert bulk_results(response) == [(f"#{draft.pk}", False, "No se aprobó: No existe o no tiene acceso a ella.")]
    assert reloaded(draft).state == State.DRAFT


def test_bulk_approval_by_someone_who_may_not_approve(client_for, users, pending):
    response = client_for("revisor1").post(BULK, {"requests": [pending.pk], "comment": "x"})

    assert response.status_code == 200
    [(reference, ok, message)] = bulk_results(response)
    assert (reference, ok) == (pending.reference, False)
    assert message == "No se aprobó: Solo el gerente de comunicaciones o su encargado pueden decidir la aprobación."
    assert not events(pending, "approve").exists()


def test_bulk_approval_counts_a_repeated_id_once(client_for, users, pending):
    response = client_for("gerente").post(BULK, {"requests": [pending.pk, pending.pk], "comment": "Ok"})

    assert response.status_code == 200
    assert [ok for _reference, ok, _message in bulk_results(response)] == [True]
    assert events(pending, "approve").count() == 1


def test_bulk_approval_needs_a_selection(client_for, pending):
    response = client_for("gerente").post(BULK, {"comment": "Nada"})

    assert response.status_code == 400
    assert "Seleccione al menos una solicitud." in response.content.decode()
    assert reloaded(pending).state == State.PENDING_APPROVAL


def test_bulk_approval_refuses_more_than_a_hundred(client_for, pending):
    response = client_for("gerente").post(BULK, {"requests": [pending.pk, *range(1_000_000, 1_000_100)]})

    assert response.status_code == 400
    assert "Como máximo 100 solicitudes a la vez." in response.content.decode()
    assert reloaded(pending).state == State.PENDING_APPROVAL
    assert not events(pending, "approve").exists()


def test_bulk_approval_refuses_non_numeric_ids(client_for, pending):
    response = client_for("gerente").post(BULK, {"requests": [pending.pk, "abc"]})

    assert response.status_code == 400
    assert reloaded(pending).state == State.PENDING_APPROVAL


def test_bulk_approval_needs_post_and_a_login(client, client_for, pending):
    assert client.post(BULK, {"requests": [pending.pk]}).status_code == 302
    assert client_for("gerente").get(BULK).status_code == 405
    assert reloaded(pending).state == State.PENDING_APPROVAL


def test_bulk_result_names_each_request_once_with_its_title_and_a_tally(client_for, users, units):
    good = request_in_state(users, units, State.PENDING_APPROVAL)
    own = request_in_state(users, units, State.PENDING_APPROVAL, author="gerente_rentas")
    response = client_for("gerente_rentas").post(BULK, {"requests": [good.pk, own.pk], "comment": "Conforme"})
    html = response.content.decode()
    block = re.search(r'<div class="card" id="bulk-results"[^>]*>(.*?)</div>', html, re.S).group(1)
    for material_request in (good, own):
        assert block.count(material_request.reference) == 1
        assert f'<span class="result-title">{material_request.title}</span>' in block
    assert "1 aprobada · 1 no aprobada" in block
    assert [(ok, message.split(":")[0]) for _reference, ok, message in bulk_results(response)] == [
        (True, "Aprobada."),
        (False, "No se aprobó"),
    ]


def test_bulk_form_asks_for_confirmation_first(client_for, pending):
    html = client_for("gerente").get(INBOX).content.decode()
    assert 'data-confirm-dialog="bulk-confirm-dialog"' in html
    dialog = re.search(r'<dialog id="bulk-confirm-dialog".*?</dialog>', html, re.S).group(0)
    assert 'data-count-many="Va a aprobar %(count)s solicitudes:"' in dialog
    assert 'data-count-one="Va a aprobar 1 solicitud:"' in dialog
    assert "data-bulk-list" in dialog and "data-bulk-comment" in dialog
