"""Separation of duties decided from the request's history (workflows.duties).

Whoever authored, co-authored (even once, even if the share was revoked), edited the
content, forwarded or observed a request can never approve or publish it, whatever their
role or encargatura; an encargado never decides their own unit's requests. Each case is
checked where a person meets it: the service (and the 403 it answers), the buttons of the
request page, the inbox, and who is notified. The last tests run the Python and SQL forms
of the rule over many people and histories and show they agree.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from approvals import selectors
from audit.models import AuditEvent
from notifications.models import Notification
from notifications.services import Audience
from organization import services as org_services
from organization.roles import Role
from organization.services import ensure_user
from tests.factories import PASSWORD, create_request, request_in_state, step_kwargs
from workflows import duties, policies, services
from workflows.models import State

pytestmark = pytest.mark.django_db


def fresh(user):
    """As a new page load sees the person: roles, units and encargaturas are cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


def reloaded(material_request):
    return type(material_request).objects.get(pk=material_request.pk)


def delegate_to(users, who):
    today = timezone.localdate()
    return org_services.create_delegation(
        users["gerente"], delegate=users[who], starts_on=today, ends_on=today + timedelta(days=5), resolution="RG-9"
    )


def inbox(user) -> dict:
    """{request pk: task node name} the inbox offers."""
    return {request.pk: task.flow_task.name for task, request in selectors.tasks_for(fresh(user))}


def approve_refused(user, material_request, match):
    approvals = AuditEvent.objects.filter(action="approve", object_id=str(material_request.pk))
    before = approvals.count()
    with pytest.raises(PermissionDenied, match=match):
        services.approve_request(fresh(user), reloaded(material_request), comment="Conforme.")
    assert reloaded(material_request).state == State.PENDING_APPROVAL
    assert approvals.count() == before


def edit(user, material_request, **fields):
    return services.update_request(
        fresh(user),
        reloaded(material_request),
        fields=fields or {"body": "Otro texto."},
        details={},
        expected_revision=None,
    )


@pytest.fixture
def gerente2(users):
    """A second gerente: approves in their own right, belongs to no unit."""
    users["gerente2"] = ensure_user("gerente2", password=PASSWORD, roles=(Role.GERENTE,))
    return users["gerente2"]


@pytest.fixture
def head(users, units):
    return ensure_user(
        "jefe_rentas",
        password=PASSWORD,
        roles=(Role.JEFE_UNIDAD,),
        units=(units["rentas"],),
        head_of=(units["rentas"],),
    )


# --- co-authors, even after the share is revoked ------------------------------------------------


def test_a_coauthor_whose_share_was_revoked_still_cannot_approve(users, units, gerente2, head, client_for):
    draft = create_request(users["rentas1"], units["rentas"])
    share = services.share_request(head, draft, reason="Aporte de la gerencia.", user=gerente2)
    edit(gerente2, draft, summary="Resumen que escribió la otra gerencia.")
    services.revoke_share(head, share, reason="Terminó su aporte.")
    pending = services.forward_request(users["revisor1"], services.submit_request(users["rentas1"], reloaded(draft)))

    approve_refused(gerente2, pending, "su autoría")
    assert pending.pk not in inbox(gerente2)
    page = client_for("gerente2").get(reverse("workflows:request_detail", args=[pending.pk])).content.decode()
    assert 'data-action="approve"' not in page
    response = client_for("gerente2").post(
        reverse("workflows:request_action", kwargs={"pk": pending.pk, "code": "approve"}),
        {"comment": "", "revision": reloaded(pending).revision},
    )
    assert response.status_code == 403
    # The other gerente, who took no part, approves.
    assert inbox(users["gerente"])[pending.pk] == "approval"
    assert services.approve_request(fresh(users["gerente"]), reloaded(pending)).state == State.APPROVED


def test_a_revoked_coauthor_cannot_review_either(users, units, head):
    draft = create_request(users["rentas1"], units["rentas"])
    share = services.share_request(head, draft, reason="Apoyo.", user=users["revisor1"])
    services.revoke_share(head, share, reason="Ya no.")
    in_review = services.submit_request(users["rentas1"], reloaded(draft))

    assert in_review.pk not in inbox(users["revisor1"])
    with pytest.raises(PermissionDenied, match="su autoría"):
        services.forward_request(fresh(users["revisor1"]), reloaded(in_review))
    with pytest.raises(PermissionDenied, match="su autoría"):
        edit(users["revisor1"], in_review)
    assert inbox(users["revisor2"])[in_review.pk] == "review"


def test_a_unit_share_makes_its_members_coauthors_after_revocation_too(users, units, gerente2, head):
    gerencia = org_services.ensure_unit(units["rentas"].municipality, code="gm", name="Gerencia Municipal")
    org_services.add_member(gerencia, gerente2)
    draft = create_request(users["rentas1"], units["rentas"])
    share = services.share_request(head, draft, reason="Revisión conjunta.", unit=gerencia)
    services.revoke_share(head, share, reason="Fin.")
    pending = services.forward_request(users["revisor1"], services.submit_request(users["rentas1"], reloaded(draft)))

    approve_refused(gerente2, pending, "su autoría")
    assert pending.pk not in inbox(gerente2)


# --- reviewers, whatever their role or encargatura ----------------------------------------------


def test_a_delegate_who_observed_it_in_this_cycle_cannot_approve(users, units):
    """revisor2 observed the request back to the unit; it came back and revisor1 forwarded
    it. The observation still counts: revisor2, now encargado, does not decide it."""
    delegate_to(users, "revisor2")
    material_request = request_in_state(users, units, State.IN_REVIEW)
    services.observe_request(fresh(users["revisor2"]), material_request, comment="Corrija las fechas.")
    material_request = services.submit_request(users["rentas1"], reloaded(material_request))
    pending = services.forward_request(users["revisor1"], material_request)

    approve_refused(users["revisor2"], pending, "derivó, observó o editó")
    assert pending.pk not in inbox(users["revisor2"])
    assert services.approve_request(fresh(users["gerente"]), reloaded(pending)).state == State.APPROVED


def test_a_delegate_who_edited_it_in_review_cannot_approve(users, units):
    delegate_to(users, "revisor2")
    in_review = request_in_state(users, units, State.IN_REVIEW)
    edit(users["revisor2"], in_review, title="Título corregido por el revisor")
    pending = services.forward_request(users["revisor1"], reloaded(in_review))

    approve_refused(users["revisor2"], pending, "derivó, observó o editó")
    assert pending.pk not in inbox(users["revisor2"])


def test_the_forwarder_as_delegate_is_not_told_to_approve(users, units):
    delegate_to(users, "revisor2")
    in_review = request_in_state(users, units, State.IN_REVIEW)
    Notification.objects.all().delete()
    pending = services.forward_request(fresh(users["revisor2"]), in_review)

    told = set(Notification.objects.filter(request=pending).values_list("recipient__username", flat=True))
    assert "gerente" in told
    assert "revisor2" not in told
    approve_refused(users["revisor2"], pending, "derivó")


def test_the_gerente_who_edited_the_text_does_not_approve_it(users, units, client_for):
    """Four eyes whatever the role: the gerente's own change needs another approver."""
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    edit(users["gerente"], pending, body="Texto reescrito por la gerencia.")

    approve_refused(users["gerente"], pending, "derivó, observó o editó")
    with pytest.raises(PermissionDenied, match="derivó, observó o editó"):
        services.publish_urgently(
            fresh(users["gerente"]), reloaded(pending), **{**step_kwargs("publish"), "comment": "Emergencia."}
        )
    assert pending.pk not in inbox(users["gerente"])
    page = client_for("gerente").get(reverse("workflows:request_detail", args=[pending.pk])).content.decode()
    assert 'data-action="approve"' not in page
    assert 'data-action="return"' in page  # returning it stays the gerente's decision
    # The encargado, who took no part, approves in the gerente's name.
    delegate_to(users, "revisor2")
    assert inbox(users["revisor2"])[pending.pk] == "approval"
    approved = services.approve_request(fresh(users["revisor2"]), reloaded(pending))
    assert approved.state == State.APPROVED
    assert approved.approved_on_behalf_of == users["gerente"]


def test_a_return_by_the_gerente_does_not_bar_them_from_deciding_again(users, units):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    draft = services.return_request(fresh(users["gerente"]), pending, comment="Falta el presupuesto.")
    edit(users["rentas1"], draft, body="Con presupuesto.")
    again = services.forward_request(users["revisor1"], services.submit_request(users["rentas1"], reloaded(draft)))

    assert inbox(users["gerente"])[again.pk] == "approval"
    assert services.approve_request(fresh(users["gerente"]), reloaded(again)).state == State.APPROVED


def test_an_edit_after_approval_bars_the_editor_from_the_new_approval(users, units, gerente2):
    approved = request_in_state(users, units, State.APPROVED)
    reopened = edit(gerente2, approved, body="Cambio posterior a la aprobación.")
    assert reopened.state == State.PENDING_APPROVAL

    approve_refused(gerente2, reopened, "derivó, observó o editó")
    assert reopened.pk not in inbox(gerente2)
    assert services.approve_request(fresh(users["gerente"]), reloaded(reopened)).state == State.APPROVED


def test_a_publisher_who_reviewed_it_does_not_publish_it(users, units, client_for):
    both = ensure_user("revisor_publicador", password=PASSWORD, roles=(Role.REVISOR, Role.PUBLICADOR))
    in_review = request_in_state(users, units, State.IN_REVIEW)
    pending = services.forward_request(fresh(both), in_review)
    Notification.objects.all().delete()
    approved = services.approve_request(fresh(users["gerente"]), pending)

    told = set(Notification.objects.filter(request=approved).values_list("recipient__username", flat=True))
    assert "publicador" in told
    assert "revisor_publicador" not in told
    assert approved.pk not in inbox(both)
    assert inbox(users["publicador"])[approved.pk] == "publication"
    with pytest.raises(PermissionDenied, match="no puede publicarla"):
        services.publish_request(fresh(both), reloaded(approved), **step_kwargs("publish"))
    assert reloaded(approved).state == State.APPROVED
    published = services.publish_request(fresh(users["publicador"]), reloaded(approved), **step_kwargs("publish"))
    assert published.state == State.PUBLISHED


# --- the delegate's unit -------------------------------------------------------------------------


def test_an_encargado_who_joined_a_unit_is_not_offered_its_requests(users, units):
    delegate_to(users, "revisor2")
    org_services.add_member(units["social"], users["revisor2"])
    social = request_in_state(users, units, State.PENDING_APPROVAL, author="social1", unit="social")
    rentas = request_in_state(users, units, State.PENDING_APPROVAL)
    offered = inbox(users["revisor2"])
    assert social.pk not in offered
    assert offered[rentas.pk] == "approval"
    approvers = Audience.of(reloaded(social)).named("approvers")
    assert users["revisor2"].pk not in approvers
    assert users["gerente"].pk in approvers


# --- the rule's forms agree ----------------------------------------------------------------------

TASK_ACTIONS = {"review": "forward", "approval": "approve", "publication": "publish"}
AUDIENCES = {"review": "reviewers", "approval": "approvers", "publication": "publishers"}


@pytest.fixture
def histories(users, units, gerente2, head):
    """Requests with open office tasks and varied histories, and the people around them."""
    people = {
        name: users[name]
        for name in ("rentas1", "revisor1", "revisor2", "revisor_rentas", "gerente", "gerente_rentas", "publicador")
    }
    people["gerente2"] = gerente2
    people["revisor_publicador"] = ensure_user(
        "revisor_publicador", password=PASSWORD, roles=(Role.REVISOR, Role.PUBLICADOR)
    )
    delegate_to(users, "revisor2")
    requests = [request_in_state(users, units, state) for state in (State.IN_REVIEW, State.PENDING_APPROVAL)]
    requests.append(request_in_state(users, units, State.APPROVED))
    # Co-authored by gerente2 and revisor_rentas (revoked), edited by both.
    draft = create_request(users["rentas1"], units["rentas"])
    for person in (gerente2, users["revisor2"]):
        share = services.share_request(head, draft, reason="Aporte.", user=person)
        edit(person, draft, summary=f"Aporte de {person.username}.")
        services.revoke_share(head, share, reason="Fin.")
    requests.append(services.submit_request(users["rentas1"], reloaded(draft)))
    # Observed by revisor2, forwarded by revisor_publicador, edited by the gerente, approved by gerente2.
    observed = request_in_state(users, units, State.IN_REVIEW)
    observed = services.observe_request(fresh(users["revisor2"]), observed, comment="Ajustar.")
    observed = services.submit_request(users["rentas1"], reloaded(observed))
    observed = services.forward_request(fresh(people["revisor_publicador"]), observed)
    requests.append(edit(users["gerente"], observed, body="Ajuste de la gerencia."))
    approved = request_in_state(users, units, State.PENDING_APPROVAL)
    edit(people["revisor_publicador"], approved, title="Título del revisor")
    requests.append(services.approve_request(fresh(gerente2), reloaded(approved)))
    # A Social request while the delegate belongs to Social.
    org_services.add_member(units["social"], users["revisor2"])
    requests.append(request_in_state(users, units, State.PENDING_APPROVAL, author="social1", unit="social"))
    return people, requests


def test_the_policy_and_the_inbox_agree_for_every_person_and_request(histories):
    from approvals.services import current_task

    people, requests = histories
    offered = {name: inbox(person) for name, person in people.items()}
    checked = 0
    for material_request in requests:
        node = current_task(reloaded(material_request)).flow_task.name
        action = policies.ACTIONS[TASK_ACTIONS[node]]
        for name, person in people.items():
            may = policies.is_allowed(policies.check_action, fresh(person), reloaded(material_request), action)
            assert may == (offered[name].get(material_request.pk) == node), (name, material_request.title, node)
            checked += 1
    assert checked == len(people) * len(requests)
    # The histories make the rule bite: someone with the power is refused on most of them.
    assert any(not offered["gerente"].get(r.pk) for r in requests if current_task(r).flow_task.name == "approval")


def test_the_policy_and_the_notification_audiences_agree(histories):
    from approvals.services import current_task

    people, requests = histories
    for material_request in requests:
        node = current_task(reloaded(material_request)).flow_task.name
        action = policies.ACTIONS[TASK_ACTIONS[node]]
        audience = Audience.of(reloaded(material_request)).named(AUDIENCES[node])
        for name, person in people.items():
            may = policies.is_allowed(policies.check_action, fresh(person), reloaded(material_request), action)
            assert may == (person.pk in audience), (name, material_request.title, node)


def test_the_history_is_one_statement_and_counts_what_the_trail_says(histories, django_assert_num_queries):
    people, requests = histories
    coauthored = reloaded(requests[3])
    with django_assert_num_queries(1):
        history = duties.history_of(coauthored)
    assert history.active_shares == []
    assert {people["gerente2"].pk, people["revisor2"].pk} <= history.share_users
    assert {people["gerente2"].pk, people["revisor2"].pk, people["rentas1"].pk} <= history.author_acts
    assert history.review_acts == set()
    reviewed = duties.history_of(reloaded(requests[4]))
    assert reviewed.review_acts == {
        people["revisor2"].pk,
        people["revisor_publicador"].pk,
        people["gerente"].pk,
    }


def test_the_edit_page_warns_who_would_lose_the_decision(users, units, client_for):
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    edit_url = reverse("workflows:request_edit", args=[pending.pk])
    warning = 'data-testid="edit-bars-decision"'
    assert warning in client_for("gerente").get(edit_url).content.decode()
    # revisor1 forwarded it: already out of the decision, nothing to warn about.
    assert warning not in client_for("revisor1").get(edit_url).content.decode()
    draft = create_request(users["rentas1"], units["rentas"])
    draft_page = client_for("rentas1").get(reverse("workflows:request_edit", args=[draft.pk])).content.decode()
    assert warning not in draft_page
    edit(users["gerente"], pending, body="Cambio de la gerencia.")
    assert warning not in client_for("gerente").get(edit_url).content.decode()
