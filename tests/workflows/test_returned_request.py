"""A returned request is unmistakable (issue 16): the request page opens with a banner
saying who sent it back, when and with which observation, while it is still that returned
draft; the list says "Devuelta con observaciones" instead of "Borrador", with no query
per row."""

from datetime import UTC, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organization.services import create_delegation
from tests.factories import create_request, request_in_state
from workflows import selectors, services
from workflows.models import Decision, State

pytestmark = pytest.mark.django_db

LIST_URL = reverse("workflows:request_list")
BANNER = 'id="returned-banner"'
RETURNED_LABEL = "Devuelta con observaciones"
OBSERVATION = "Falta el logo <b>municipal</b> y la fecha del evento."


def detail_url(material_request):
    return reverse("workflows:request_detail", args=[material_request.pk])


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def newest_decision(material_request):
    return Decision.objects.filter(request=material_request).order_by("-created_at", "-audit_event_id").first()


def local_label(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def observed(users, units, comment=OBSERVATION):
    named(users["revisor1"], "Rosa", "Quispe")
    return services.observe_request(users["revisor1"], request_in_state(users, units, State.IN_REVIEW), comment=comment)


def returned_by_gerente(users, units, comment=OBSERVATION):
    named(users["gerente"], "Carlos", "Huamán")
    return services.return_request(
        users["gerente"], request_in_state(users, units, State.PENDING_APPROVAL), comment=comment
    )


def banner_of(content: str) -> str:
    start = content.index(BANNER)
    return content[start : content.index("</section>", start)]


# --- the banner --------------------------------------------------------------------------------


def test_the_banner_after_an_observation_says_who_when_and_what(client_for, users, units):
    material_request = observed(users, units)
    decision = newest_decision(material_request)

    content = client_for("rentas1").get(detail_url(material_request)).content.decode()

    banner = banner_of(content)
    assert RETURNED_LABEL in banner
    assert "Observada por Rosa Quispe en la revisión" in banner
    # The municipality's time zone (TIME_ZONE), the project's date format.
    when = local_label(decision.created_at)
    assert when in banner
    assert when != decision.created_at.astimezone(UTC).strftime("%d/%m/%Y %H:%M")
    # The observation, escaped.
    assert "Falta el logo &lt;b&gt;municipal&lt;/b&gt; y la fecha del evento." in banner
    # At the top: before the request's facts, the summary and the action forms.
    assert content.index(BANNER) < content.index('class="facts"') < content.index("Enviar a revisión")


def test_the_banner_after_the_gerentes_return(client_for, users, units):
    material_request = returned_by_gerente(users, units, comment="El presupuesto no cuadra.")
    decision = newest_decision(material_request)

    banner = banner_of(client_for("rentas2").get(detail_url(material_request)).content.decode())

    assert "Devuelta por Carlos Huamán en la aprobación" in banner
    assert local_label(decision.created_at) in banner
    assert "El presupuesto no cuadra." in banner


def test_an_encargados_return_names_whom_they_stood_in_for(client_for, users, units):
    named(users["gerente"], "Carlos", "Huamán")
    today = timezone.localdate()
    create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=today,
        ends_on=today + timedelta(days=3),
        resolution="RG-010-2026",
    )
    pending = request_in_state(users, units, State.PENDING_APPROVAL)
    returned = services.return_request(fresh(users["revisor2"]), pending, comment="Cambie la foto.")

    banner = banner_of(client_for("rentas1").get(detail_url(returned)).content.decode())

    assert "Devuelta por revisor2 en la aprobación" in banner
    assert "(por encargo de Carlos Huamán)" in banner
    assert "Cambie la foto." in banner


def test_the_office_sees_the_banner_too(client_for, users, units):
    material_request = observed(users, units)
    assert BANNER in client_for("revisor2").get(detail_url(material_request)).content.decode()


def test_no_banner_on_a_draft_never_sent(client_for, users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    content = client_for("rentas1").get(detail_url(draft)).content.decode()
    assert BANNER not in content
    assert RETURNED_LABEL not in content


def test_no_banner_once_sent_again(client_for, users, units):
    material_request = observed(users, units)
    resubmitted = services.submit_request(users["rentas1"], material_request, comment="Corregido.")
    assert resubmitted.state == State.IN_REVIEW

    content = client_for("rentas1").get(detail_url(resubmitted)).content.decode()
    assert BANNER not in content


def test_the_banner_stays_while_the_unit_corrects_and_shows_the_newest_return(client_for, users, units):
    material_request = observed(users, units, comment="Primera observación.")
    material_request = services.submit_request(users["rentas1"], material_request)
    material_request = services.observe_request(users["revisor2"], material_request, comment="Segunda observación.")

    banner = banner_of(client_for("rentas1").get(detail_url(material_request)).content.decode())

    assert "Segunda observación." in banner
    assert "Primera observación." not in banner
    assert "revisor2" in banner


def test_no_banner_on_a_returned_request_then_cancelled(client_for, users, units):
    material_request = observed(users, units)
    cancelled = services.cancel_request(users["rentas1"], material_request, comment="Ya no se necesita.")
    assert BANNER not in client_for("rentas1").get(detail_url(cancelled)).content.decode()


def test_returned_decision_reads_nothing_more(users, units, django_assert_num_queries):
    material_request = observed(users, units)
    decisions = list(selectors.request_decisions(material_request))
    with django_assert_num_queries(0):
        decision = selectors.returned_decision(material_request, decisions)
    assert (decision.action, decision.reason) == ("observe", OBSERVATION)


# --- the list --------------------------------------------------------------------------------


def state_cell_of(content: str, material_request) -> str:
    row = content.index(f">{material_request.reference}</a>")
    cells = content[row : content.index("</tr>", row)]
    return cells


def test_the_list_says_returned_instead_of_draft(client_for, users, units):
    returned = observed(users, units)
    returned_by_gerente_ = returned_by_gerente(users, units)
    draft = create_request(users["rentas1"], units["rentas"])
    in_review = request_in_state(users, units, State.IN_REVIEW)
    resubmitted = services.submit_request(users["rentas1"], observed(users, units))

    content = client_for("rentas1").get(LIST_URL).content.decode()

    for item in (returned, returned_by_gerente_):
        row = state_cell_of(content, item)
        assert RETURNED_LABEL in row
        assert "Borrador" not in row
    assert "Borrador" in state_cell_of(content, draft)
    assert RETURNED_LABEL not in state_cell_of(content, draft)
    for item in (in_review, resubmitted):
        row = state_cell_of(content, item)
        assert "En revisión" in row and RETURNED_LABEL not in row


def test_the_flag_is_in_the_lists_own_statement(users, units):
    returned = observed(users, units)
    draft = create_request(users["rentas1"], units["rentas"])
    flags = {item.pk: item.is_returned for item in selectors.request_list(users["rentas1"])}
    assert flags[returned.pk] is True
    assert flags[draft.pk] is False


def list_queries(client):
    with CaptureQueriesContext(connection) as context:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_the_lists_query_count_does_not_grow_with_returned_requests(client_for, users, units):
    client = client_for("rentas1")
    observed(users, units)
    create_request(users["rentas1"], units["rentas"])
    queries_with_one, content = list_queries(client)
    assert content.count(f">{RETURNED_LABEL}<") == 1

    for _ in range(4):
        observed(users, units)
    returned_by_gerente(users, units)
    queries_with_six, content = list_queries(client)

    assert content.count(f">{RETURNED_LABEL}<") == 6
    assert queries_with_six == queries_with_one
