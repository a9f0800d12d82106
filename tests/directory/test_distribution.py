"""Sending a published press release to the directory: who may, what is recorded, what the
email carries (the published DOCX, byte for byte), failures, retries, sending twice."""

import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import chain_for
from audit.verification import verify_chain
from directory import distribution as sending
from directory.models import Delivery, Distribution
from documents.models import Reason
from tests.directory.conftest import REFUSED, make_journalist, make_list
from tests.factories import request_in_state
from workflows.exceptions import ActionNotAvailable, InvalidInput
from workflows.models import Kind, State

pytestmark = pytest.mark.django_db

FAILING = "tests.directory.conftest.FailingBackend"
DOWN = "tests.directory.conftest.DownBackend"


def send_page(client, material_request, data, capture):
    with capture(execute=True):
        return client.post(reverse("directory:distribute", args=[material_request.pk]), data)


def test_the_publicador_sends_to_lists_and_people_with_the_published_docx(
    client_for, press_release, directory, outbox, django_capture_on_commit_callbacks
):
    client = client_for("publicador")
    page = client.get(reverse("directory:distributions", args=[press_release.pk]))
    assert page.status_code == 200
    assert 'id="no-distributions"' in page.content.decode()
    response = send_page(
        client,
        press_release,
        {
            "lists": [directory["local"].pk, directory["nacional"].pk],
            "subject": "Nota de prensa: descuentos",
            "message": "Estimados colegas: les compartimos la nota.",
        },
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    distribution = Distribution.objects.get()
    # Ana is in both lists: one email. Óscar has no email, Marta is inactive: skipped, and said so.
    deliveries = {d.email: d for d in distribution.deliveries.all()}
    assert set(deliveries) == {"ana.torres@example.pe", "luis.paredes@example.pe", "prensa.embajada@example.pe"}
    assert all(d.status == Delivery.Status.SENT and d.sent_at and d.attempts == 1 for d in deliveries.values())
    assert deliveries["prensa.embajada@example.pe"].organization == "Embajada de España"
    assert distribution.list_names == ["Medios nacionales", "Prensa local"]
    follow = client.get(response.url)
    html = follow.content.decode()
    assert "Nota enviada a 3 destinatarios." in html
    assert (
        "Se omitieron: Marta Ríos (Radio Capital) (desactivado); Óscar Tapia (Diario El Vecino) (sin correo)." in html
    )

    # One email per address, each with the published version's DOCX: the bytes the audited
    # download of that version serves.
    assert sorted(address for message in outbox for address in message.to) == sorted(deliveries)
    version = press_release.document_versions.filter(reason=Reason.PUBLISH).get()
    assert distribution.version == version
    download = client_for("publicador").get(reverse("workflows:version_docx", args=[press_release.pk, version.number]))
    for message in outbox:
        assert message.subject == "Nota de prensa: descuentos"
        assert message.body.startswith("Estimados colegas: les compartimos la nota.")
        assert press_release.reference in message.body
        [(name, content, mimetype)] = message.attachments
        assert name == distribution.attachment_name == f"{press_release.reference}-v{version.number}.docx"
        assert mimetype == sending.DOCX_TYPE
        assert content == download.content
        assert hashlib.sha256(content).hexdigest() == distribution.attachment_sha256

    events = list(AuditEvent.objects.filter(action__startswith="distribution_").order_by("pk"))
    assert [event.action for event in events] == ["distribution_send", "distribution_result"]
    send, result = events
    assert send.actor_username == "publicador" and send.reference == press_release.reference
    assert send.data["recipients"] == 3 and send.data["skipped"] == 2 and send.data["file_sha256"]
    assert send.version_hash == version.snapshot_sha256
    assert result.actor is None and result.on_behalf_of.username == "publicador"
    assert result.data == {"distribution": distribution.pk, "sent": 3, "failed": []}
    assert verify_chain(chain_for(press_release)).ok


def test_failures_are_recorded_and_retried(
    client_for, publicador, press_release, directory, outbox, settings, django_capture_on_commit_callbacks
):
    ana = directory["ana"]
    rebota = make_journalist(publicador, ana.outlet, full_name="Buzón Lleno", email=REFUSED[0])
    settings.EMAIL_BACKEND = FAILING
    client = client_for("publicador")
    send_page(
        client,
        press_release,
        {"journalists": [ana.pk, rebota.pk], "subject": "Nota", "message": ""},
        django_capture_on_commit_callbacks,
    )
    distribution = Distribution.objects.get()
    failed = distribution.deliveries.get(email=REFUSED[0])
    assert failed.status == Delivery.Status.FAILED
    assert "SMTPRecipientsRefused" in failed.error and "User unknown" in failed.error
    assert distribution.deliveries.get(email=ana.email).status == Delivery.Status.SENT
    assert [m.to for m in outbox] == [[ana.email]]
    result = AuditEvent.objects.get(action="distribution_result")
    assert result.data["sent"] == 1 and result.data["failed"][0]["delivery"] == failed.pk

    page = client.get(reverse("directory:distributions", args=[press_release.pk])).content.decode()
    assert "Reintentar fallidos" in page and "User unknown" in page and "Enviados: 1 · fallidos: 1" in page

    # The mailbox was emptied: the retry sends the failed one only.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:distribution_retry", args=[press_release.pk, distribution.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT and failed.attempts == 2 and failed.error == ""
    assert [m.to for m in outbox] == [[ana.email], [REFUSED[0]]]
    retry = AuditEvent.objects.get(action="distribution_retry")
    assert retry.data == {"distribution": distribution.pk, "deliveries": [failed.pk]}
    # Nothing left to retry: said so (409), nothing sent.
    response = client.post(reverse("directory:distribution_retry", args=[press_release.pk, distribution.pk]))
    assert response.status_code == 409
    assert "No hay envíos fallidos" in response.content.decode()
    assert len(outbox) == 2


def test_an_unreachable_mail_server_fails_every_delivery(
    publicador, press_release, directory, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        distribution, _recipients = sending.distribute(publicador, press_release, lists=[directory["nacional"]])
    statuses = set(distribution.deliveries.values_list("status", "error"))
    assert len(statuses) == 1
    status, error = statuses.pop()
    assert status == Delivery.Status.FAILED
    assert error.startswith("No se pudo conectar con el servidor de correo: ConnectionRefusedError")


def test_nothing_leaves_before_commit_and_nothing_for_a_rolled_back_send(
    publicador, press_release, directory, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sending.distribute(publicador, press_release, lists=[directory["nacional"]])
    assert outbox == [] and len(callbacks) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PENDING}


def test_a_second_run_of_the_task_sends_nothing_twice(publicador, press_release, directory, outbox):
    distribution, _ = sending.distribute(publicador, press_release, lists=[directory["nacional"]], enqueue=False)
    assert sending.deliver(distribution.pk) == {"sent": 2, "failed": 0}
    assert sending.deliver(distribution.pk) == {"sent": 0, "failed": 0}
    assert len(outbox) == 2


def test_sending_twice_is_allowed_and_shown(
    client_for, press_release, directory, outbox, django_capture_on_commit_callbacks
):
    client = client_for("gerente")  # who may publish: the gerente too
    for _n in range(2):
        response = send_page(
            client,
            press_release,
            {"lists": [directory["nacional"].pk], "subject": "Nota"},
            django_capture_on_commit_callbacks,
        )
        assert response.status_code == 302
    assert Distribution.objects.count() == 2 and len(outbox) == 4
    html = client.get(reverse("directory:distributions", args=[press_release.pk])).content.decode()
    assert 'id="already-sent"' in html and "ya se difundió 2 veces" in html and "reenvío" in html
    second = AuditEvent.objects.filter(action="distribution_send").order_by("pk").last()
    assert second.data["previous_sends"] == 1


def test_recipients_without_email_or_inactive_are_refused_one_by_one(publicador, press_release, directory):
    for person in (directory["sin_correo"], directory["inactivo"]):
        with pytest.raises(InvalidInput) as refused:
            sending.distribute(publicador, press_release, journalists=[person])
        assert "desactivadas o sin correo" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        # A list whose every member is skipped reaches nobody: refused, and the skipped named.
        only_skipped = make_list(publicador, "Vacía", journalists=[directory["sin_correo"]])
        sending.distribute(publicador, press_release, lists=[only_skipped])
    assert "No hay destinatarios" in refused.value.message and "Óscar Tapia" in refused.value.message
    assert not Distribution.objects.exists()


def test_the_form_offers_only_people_with_an_active_email_and_refuses_forged_ids(
    client_for, press_release, directory, django_capture_on_commit_callbacks
):
    client = client_for("publicador")
    html = client.get(reverse("directory:distributions", args=[press_release.pk])).content.decode()
    assert directory["ana"].email in html
    offered = {int(pk) for pk in re.findall(r'name="journalists" value="(\d+)"', html)}
    assert offered == {directory["ana"].pk, directory["luis"].pk}  # not the inactive one, nor the one without email
    response = send_page(
        client,
        press_release,
        {"journalists": [directory["inactivo"].pk], "subject": "Nota"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 400
    response = send_page(client, press_release, {"subject": "Nota"}, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Elija al menos una lista o una persona." in response.content.decode()
    assert not Distribution.objects.exists()


# --- only published press releases, only by who may publish --------------------------------


def test_only_who_may_publish_sends(users, press_release, directory):
    for username in ("revisor1", "admin", "rentas1", "transparencia", "auditor"):
        with pytest.raises(PermissionDenied):
            sending.distribute(users[username], press_release, lists=[directory["nacional"]], enqueue=False)
    for username in ("publicador", "gerente"):
        sending.distribute(users[username], press_release, lists=[directory["nacional"]], enqueue=False)
    assert Distribution.objects.count() == 2


def test_only_published_press_releases_are_sent(users, units, publicador, directory):
    approved = request_in_state(users, units, State.APPROVED, kind=Kind.PUBLICATION)
    with pytest.raises(ActionNotAvailable) as refused:
        sending.distribute(publicador, approved, lists=[directory["nacional"]])
    assert "Solo se difunde una nota de prensa publicada" in refused.value.message
    withdrawn = request_in_state(users, units, State.WITHDRAWN, kind=Kind.PUBLICATION)
    with pytest.raises(ActionNotAvailable):
        sending.distribute(publicador, withdrawn, lists=[directory["nacional"]])
    campaign = request_in_state(users, units, State.PUBLISHED, kind=Kind.CAMPAIGN)
    with pytest.raises(ActionNotAvailable):
        sending.distribute(publicador, campaign, lists=[directory["nacional"]])
    assert not Distribution.objects.exists()


def test_a_retry_after_withdrawal_is_refused(users, publicador, press_release, directory, settings):
    from workflows import services as workflow

    settings.EMAIL_BACKEND = DOWN
    distribution, _ = sending.distribute(publicador, press_release, lists=[directory["nacional"]], enqueue=False)
    sending.deliver(distribution.pk)
    workflow.withdraw_request(users["gerente"], press_release, comment="Cifras erradas.")
    with pytest.raises(ActionNotAvailable):
        sending.retry_failed(publicador, distribution)
    assert set(distribution.deliveries.values_list("status", flat=True)) == {Delivery.Status.FAILED}


def test_the_request_page_links_to_the_distribution(client_for, press_release, users, units):
    link = reverse("directory:distributions", args=[press_release.pk])
    html = client_for("publicador").get(reverse("workflows:request_detail", args=[press_release.pk])).content.decode()
    assert 'id="distribution-card"' in html and link in html and ">Difundir<" in html
    html = client_for("revisor1").get(reverse("workflows:request_detail", args=[press_release.pk])).content.decode()
    assert "Ver la difusión" in html
    # Not for those outside the office, and not on other kinds.
    html = client_for("rentas1").get(reverse("workflows:request_detail", args=[press_release.pk])).content.decode()
    assert link not in html
    campaign = request_in_state(users, units, State.PUBLISHED)
    html = client_for("publicador").get(reverse("workflows:request_detail", args=[campaign.pk])).content.decode()
    assert 'id="distribution-card"' not in html
