"""The monitoring log's filters and the monthly summary page."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from press.models import MediumType, Tone
from tests.factories import request_in_state
from tests.press.conftest import record
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db

LOG = reverse("press:coverage_list")
SUMMARY = reverse("press:coverage_summary")


def shown(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(pk) for pk in re.findall(r'data-coverage="(\d+)"', response.content.decode())]


@pytest.fixture
def log(users, published):
    revisor = users["revisor1"]
    return {
        "march_positive": record(
            revisor, published_on=date(2026, 3, 2), medium="Radio Pueblo 101.3", medium_type=MediumType.RADIO,
            headline="Entrevista al gerente de Rentas", request=published,
        ),
        "march_negative": record(
            revisor, published_on=date(2026, 3, 28), medium="Diario La Voz de Lima", tone=Tone.NEGATIVE,
            headline="Quejas por colas en la agencia", notes="Responder con nota aclaratoria.",
        ),
        "april_neutral": record(
            revisor, published_on=date(2026, 4, 1), medium="Canal 9 Noticias", medium_type=MediumType.TV,
            tone=Tone.NEUTRAL, headline="Descuentos en arbitrios", request=published,
        ),
    }  # fmt: skip


def test_log_filters(client_for, log, published):
    client = client_for("auditor")

    def pks(**params):
        return set(shown(client.get(LOG, params)))

    ids = {key: item.pk for key, item in log.items()}
    assert pks() == set(ids.values())
    assert pks(month="2026-03") == {ids["march_positive"], ids["march_negative"]}
    assert pks(tone="negative") == {ids["march_negative"]}
    assert pks(medium="radio pueblo") == {ids["march_positive"]}
    assert pks(medium_type="tv") == {ids["april_neutral"]}
    assert pks(request=published.pk) == {ids["march_positive"], ids["april_neutral"]}
    assert pks(q="colas") == {ids["march_negative"]}
    assert pks(q="aclaratoria") == {ids["march_negative"]}  # the notes
    assert pks(q=published.reference) == {ids["march_positive"], ids["april_neutral"]}
    assert pks(month="2026-04", tone="positive") == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "marzo"}, "Indique un mes válido con el formato AAAA-MM"),
        ({"month": "2026-13"}, "Indique un mes válido con el formato AAAA-MM"),
        ({"tone": "furioso"}, "Escoja una opción válida"),
        ({"request": "999999"}, "Elija una solicitud publicada que usted pueda ver."),
    ],
)
def test_bad_log_filters_are_explained(client_for, log, params, message):
    response = client_for("revisor1").get(LOG, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert len(re.findall(r'data-coverage="(\d+)"', page)) == len(log)


def test_readers_see_no_write_links_and_the_office_does(client_for, log):
    item = log["march_negative"]
    edit = reverse("press:coverage_edit", args=[item.pk])
    assert edit not in client_for("transparencia").get(LOG).content.decode()
    assert reverse("press:coverage_create") not in client_for("auditor").get(LOG).content.decode()
    assert edit in client_for("publicador").get(LOG).content.decode()


def test_the_log_links_the_request_only_for_who_may_see_it(client_for, log, published):
    entry = reverse("press:archive_entry", args=[published.pk])
    assert f'href="{entry}"' in client_for("gerente").get(LOG).content.decode()


def test_the_log_costs_the_same_queries_for_10_and_100_items(users, published, client_for):
    client = client_for("revisor1")
    for index in range(10):
        record(users["revisor1"], headline=f"Nota {index}", request=published if index % 2 else None)
    client.get(LOG)
    with CaptureQueriesContext(connection) as small:
        assert len(shown(client.get(LOG))) == 10
    for index in range(90):
        record(users["gerente"], headline=f"Más {index}", request=published if index % 2 else None)
    with CaptureQueriesContext(connection) as large:
        assert len(shown(client.get(LOG, {"page": 2}))) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the monthly summary -------------------------------------------------------------------


def test_the_summary_page_counts_the_month_with_shares(client_for, log, published):
    response = client_for("transparencia").get(SUMMARY, {"mes": "2026-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "marzo de 2026" in page
    assert "Del 01/03/2026 al 31/03/2026" in page
    tones = dict(re.findall(r'data-tone="(\w+)">.*?<td>(\d+)</td>', page, re.S))
    assert tones == {"positive": "1", "neutral": "0", "negative": "1"}
    assert "50,0 %" in page and "0,0 %" in page
    assert "Radio Pueblo 101.3" in page and "Diario La Voz de Lima" in page
    assert "Canal 9 Noticias" not in page  # April
    assert published.reference in page
    assert '?mes=2026-02"' in page and '?mes=2026-04"' in page
    assert response.context["summary"].total == 2


def test_the_summary_defaults_to_this_month_and_offers_no_future_month(client_for, users):
    today = timezone.localdate()
    record(users["revisor1"], published_on=today)
    response = client_for("gerente").get(SUMMARY)
    assert response.context["month"] == today.replace(day=1)
    assert response.context["summary"].total == 1
    assert response.context["following"] is None
    previous = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f'?mes={previous}"' in response.content.decode()


def test_a_bad_month_is_explained_and_this_month_shown(client_for):
    response = client_for("auditor").get(SUMMARY, {"mes": "2026-99"})
    assert response.status_code == 400
    assert "Indique un mes válido" in response.content.decode()
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_the_summary_page_reads_in_fixed_queries(users, units, client_for, published):
    client = client_for("revisor1")
    month = {"mes": timezone.localdate().strftime("%Y-%m")}
    record(users["revisor1"], request=published)
    client.get(SUMMARY, month)
    with CaptureQueriesContext(connection) as small:
        client.get(SUMMARY, month)
    others = [request_in_state(users, units, State.PUBLISHED, kind=Kind.PUBLICATION) for _ in range(3)]
    for index in range(30):
        record(users["revisor1"], medium=f"Medio {index}", request=others[index % 3], tone=Tone.NEGATIVE)
    with CaptureQueriesContext(connection) as large:
        response = client.get(SUMMARY, month)
    assert response.context["summary"].total == 31
    assert len(large.captured_queries) == len(small.captured_queries)
