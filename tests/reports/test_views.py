"""The reports page, generation through it, downloads: who gets what, what is audited, and
how a damaged file is caught."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.verification import verify_all
from reports.models import Report, ReportImmutableError
from reports.periods import Period
from reports.services import generate_report
from tests.factories import request_in_state
from workflows.models import State

pytestmark = pytest.mark.django_db

READERS = {"gerente", "gerente_rentas", "transparencia", "auditor", "admin"}
GENERATORS = {"gerente", "gerente_rentas", "admin"}
LIST_URL = "/informes/"
GENERATE_URL = "/informes/generar/"


def this_month() -> Period:
    today = timezone.localdate()
    return Period.month(today.year, today.month)


@pytest.fixture
def report(users, units):
    request_in_state(users, units, State.PUBLISHED)
    return generate_report(users["gerente"], this_month())


def test_the_urls():
    assert reverse("reports:list") == LIST_URL
    assert reverse("reports:generate") == GENERATE_URL
    assert reverse("reports:download", args=[7]) == "/informes/7/docx/"


def test_download_matrix(client, users, report):
    """Anonymous → login; readers → the file; everybody else → 404, like a report that
    does not exist (its existence is not revealed)."""
    url = reverse("reports:download", args=[report.pk])
    missing = reverse("reports:download", args=[report.pk + 1000])
    assert client.get(url).status_code == 302
    assert client.get(url)["Location"].startswith("/ingresar/")
    for username, user in users.items():
        client.force_login(user)
        response = client.get(url)
        if username in READERS:
            assert response.status_code == 200, username
            data = b"".join(response.streaming_content) if response.streaming else response.content
            assert hashlib.sha256(data).hexdigest() == report.sha256 == response["X-Content-SHA256"]
            assert response["Content-Disposition"] == f'attachment; filename="{report.reference}.docx"'
        else:
            assert response.status_code == 404, username
        assert client.get(missing).status_code == 404, username
        client.logout()


def test_the_list_shows_the_form_only_to_who_generates(client_for, report):
    for username in READERS:
        page = client_for(username).get(LIST_URL)
        assert page.status_code == 200
        html = page.content.decode()
        assert report.reference in html
        assert reverse("reports:download", args=[report.pk]) in html
        assert (GENERATE_URL in html) == (username in GENERATORS), username
    for username in ("revisor1", "publicador", "rentas1", "nobody"):
        assert client_for(username).get(LIST_URL).status_code == 404


def test_the_nav_links_the_page_for_readers_only(client_for, users):
    for username in ("gerente", "transparencia", "revisor1", "rentas1"):
        html = client_for(username).get("/solicitudes/").content.decode()
        assert (f'href="{LIST_URL}"' in html) == (username in READERS), username


def test_the_gerente_generates_through_the_page_version_after_version(client_for, users, units):
    request_in_state(users, units, State.PUBLISHED)
    client = client_for("gerente")
    month = f"{timezone.localdate():%Y-%m}"

    response = client.post(GENERATE_URL, {"period_kind": "month", "month": month})
    assert response.status_code == 302
    first = Report.objects.get()
    assert (first.version, first.generated_by, first.period_start) == (1, users["gerente"], this_month().start)
    assert "versión 1 generada" in client.get(LIST_URL).content.decode()

    client.post(GENERATE_URL, {"period_kind": "month", "month": month})
    second = Report.objects.order_by("version").last()
    assert second.version == 2
    # Nothing changed in between: the same figures, the same file.
    assert (second.figures_sha256, second.sha256, second.file.name) == (
        first.figures_sha256,
        first.sha256,
        first.file.name,
    )

    client.post(GENERATE_URL, {"period_kind": "year", "year": str(timezone.localdate().year)})
    memoria = Report.objects.get(period_kind="year")
    assert memoria.version == 1
    assert memoria.reference == f"MEM-{timezone.localdate().year}-v1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period_kind": "month", "month": "2026-13"}, "El mes va de 01 a 12"),
        ({"period_kind": "month", "month": "noviembre"}, "Escríbalo como AAAA-MM"),
        ({"period_kind": "month", "month": ""}, "Indique el periodo del informe"),
        ({"period_kind": "year", "year": "26"}, "Escríbalo con cuatro cifras"),
        ({"period_kind": "semana", "month": "2026-01"}, "Escoja una opción válida"),
        ({"period_kind": "month", "month": "1999-12"}, "Debe ser 2000 o posterior"),
    ],
)
def test_a_bad_period_is_refused_and_nothing_is_generated(client_for, data, message):
    response = client_for("gerente").post(GENERATE_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists()
    assert not AuditEvent.objects.filter(action="report_generate").exists()


def test_a_month_not_yet_begun_is_refused(client_for):
    today = timezone.localdate()
    following = f"{today.year + 1}-01" if today.month == 12 else f"{today.year}-{today.month + 1:02d}"
    response = client_for("gerente").post(GENERATE_URL, {"period_kind": "month", "month": following})
    assert response.status_code == 400
    assert "todavía no ha empezado" in response.content.decode()
    response = client_for("gerente").post(GENERATE_URL, {"period_kind": "year", "year": str(today.year + 1)})
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_readers_who_do_not_generate_are_refused(client_for):
    month = {"period_kind": "month", "month": f"{timezone.localdate():%Y-%m}"}
    assert client_for("transparencia").post(GENERATE_URL, month).status_code == 403
    assert client_for("auditor").post(GENERATE_URL, month).status_code == 403
    assert client_for("revisor1").post(GENERATE_URL, month).status_code == 404
    assert client_for("publicador").post(GENERATE_URL, month).status_code == 404
    assert not Report.objects.exists()


def test_generation_and_download_are_audited(client_for, users, report):
    [generated] = AuditEvent.objects.filter(action="report_generate")
    assert generated.actor == users["gerente"]
    assert generated.chain == f"report:{report.pk}"
    assert generated.reference == report.reference
    assert generated.version_hash == report.figures_sha256
    assert generated.data["file_sha256"] == report.sha256
    assert generated.data["version"] == 1
    assert generated.data["period"] == this_month().slug

    client_for("auditor").get(reverse("reports:download", args=[report.pk]))
    [downloaded] = AuditEvent.objects.filter(action="report_download")
    assert downloaded.actor == users["auditor"]
    assert downloaded.data == {"version": 1, "file_sha256": report.sha256, "format": "docx"}
    # A refused download leaves no trace.
    client_for("revisor1").get(reverse("reports:download", args=[report.pk]))
    assert AuditEvent.objects.filter(action="report_download").count() == 1
    assert verify_all(chain=f"report:{report.pk}").ok


def test_a_damaged_file_is_rendered_again_from_the_frozen_figures(client_for, report):
    with default_storage.open(report.file.name, "wb") as handle:
        handle.write(b"not the report")
    response = client_for("gerente").get(reverse("reports:download", args=[report.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == report.sha256


def test_a_report_whose_figures_were_tampered_with_is_not_handed_out(client_for, report):
    default_storage.delete(report.file.name)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report SET figures_json = %s WHERE id = %s",
            [report.figures_json.replace('"approved":1', '"approved":9'), report.pk],
        )
    response = client_for("gerente").get(reverse("reports:download", args=[report.pk]))
    assert response.status_code == 500
    assert "no coincide con su hash" in response.content.decode()
    assert not AuditEvent.objects.filter(action="report_download").exists()


def test_a_report_is_written_once(report):
    report.figures_json = "{}"
    with pytest.raises(ReportImmutableError):
        report.save()
    with pytest.raises(ReportImmutableError):
        report.delete()
    with pytest.raises(ReportImmutableError):
        Report.objects.filter(pk=report.pk).update(version=5)
    with pytest.raises(ReportImmutableError):
        Report.objects.all().delete()


def test_the_admin_is_read_only(client_for, report):
    client = client_for("admin")
    assert client.get(reverse("admin:reports_report_changelist")).status_code == 200
    assert client.get(reverse("admin:reports_report_add")).status_code == 403
    page = client.get(reverse("admin:reports_report_change", args=[report.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:reports_report_delete", args=[report.pk]), {"post": "yes"}).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


def test_the_list_takes_a_fixed_number_of_queries(client_for, users):
    client = client_for("auditor")
    generate_report(users["gerente"], this_month())

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST_URL).status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        generate_report(None, this_month())
    generate_report(users["admin"], Period.year(timezone.localdate().year))
    assert count() == one
