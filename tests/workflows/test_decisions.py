"""Decisions as rows (issue 14): every state change of a request leaves one write-once
`Decision`, written by the transition in its transaction and linked both ways with its
audit event; a redone step keeps every earlier decision."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from audit.models import AuditEvent, ExportJob
from documents.models import DocumentVersion
from organization import services as org_services
from records import dossier
from tests.factories import create_request, request_in_state
from workflows import services
from workflows.display import decision_label
from workflows.models import Decision, DecisionImmutable, MaterialRequest, State
from workflows.selectors import standing_decisions

pytestmark = pytest.mark.django_db

PUBLICATION = {"channel": "Portal web", "url": "https://example.gob.pe/n/1"}


def reload(material_request):
    return MaterialRequest.objects.get(pk=material_request.pk)


def decisions_of(material_request):
    return list(Decision.objects.filter(request=material_request).select_related("audit_event", "version"))


def state_events(material_request):
    """The audit events of the request's state changes, oldest first."""
    decided = {row.action for row in Decision.objects.all()} | {"submit", "forward", "approve", "publish"}
    return list(
        AuditEvent.objects.filter(
            object_type="workflows.materialrequest", object_id=str(material_request.pk), action__in=decided
        ).order_by("sequence")
    )


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_each_change_is_one_row_with_its_facts(users, units):
    material_request = request_in_state(users, units, State.PUBLISHED)

    rows = decisions_of(material_request)
    assert [(row.action, row.from_state, row.to_state) for row in rows] == [
        ("submit", State.DRAFT, State.IN_REVIEW),
        ("forward", State.IN_REVIEW, State.PENDING_APPROVAL),
        ("approve", State.PENDING_APPROVAL, State.APPROVED),
        ("publish", State.APPROVED, State.PUBLISHED),
    ]
    assert [row.actor for row in rows] == [users["rentas1"], users["revisor1"], users["gerente"], users["publicador"]]
    assert all(row.acting_for is None and not row.by_system for row in rows)
    # The versions frozen with the change; forward froze none but was taken on version 1.
    versions = list(DocumentVersion.objects.filter(request=material_request).order_by("number"))
    assert [row.version for row in rows] == [versions[0], None, versions[1], versions[2]]
    assert [row.version_number for row in rows] == [1, 1, 2, 3]
    # Linked both ways with the audit chain: the event names the row, the row its event.
    events = state_events(material_request)
    assert [row.audit_event for row in rows] == events
    for row, event in zip(rows, events, strict=True):
        assert event.data["decision"] == str(row.pk)
        assert (event.action, event.from_state, event.to_state) == (row.action, row.from_state, row.to_state)
        assert event.actor == row.actor
        assert event.version_hash == (row.version.snapshot_sha256 if row.version else "")
    # The request's cached columns say what the newest rows say.
    stored = reload(material_request)
    assert (stored.approved_by, stored.approved_at) == (rows[2].actor, rows[2].created_at)
    assert (stored.published_by, stored.published_at) == (rows[3].actor, rows[3].created_at)
    assert stored.submitted_at == rows[0].created_at


def test_a_reason_is_kept_on_the_row(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    services.reject_request(users["gerente"], material_request, comment="No corresponde a la unidad.")
    row = decisions_of(material_request)[-1]
    assert (row.action, row.to_state, row.reason) == ("reject", State.CANCELLED, "No corresponde a la unidad.")
    assert row.audit_event.comment == row.reason


def test_a_change_writes_exactly_one_row_in_one_insert(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    before = Decision.objects.count()
    with CaptureQueriesContext(connection) as context:
        services.approve_request(users["gerente"], material_request, comment="Conforme.")
    touching = [q["sql"] for q in context.captured_queries if '"workflows_decision"' in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith('INSERT INTO "workflows_decision"')
    assert Decision.objects.count() == before + 1


def test_a_refused_change_leaves_no_row(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    before = Decision.objects.count()
    with pytest.raises(PermissionDenied):  # a reviewer may not approve
        services.approve_request(users["revisor1"], material_request)
    assert Decision.objects.count() == before


def test_a_row_is_written_once(users, units):
    row = decisions_of(request_in_state(users, units, State.IN_REVIEW))[0]
    row.reason = "otro"
    with pytest.raises(DecisionImmutable):
        row.save()
    with pytest.raises(DecisionImmutable):
        row.delete()
    with pytest.raises(DecisionImmutable):
        Decision.objects.filter(pk=row.pk).update(reason="otro")
    with pytest.raises(DecisionImmutable):
        Decision.objects.all().delete()
    # Below the ORM too: the database's triggers refuse (audit/0003's function, or SQLite's).
    for statement in ("UPDATE workflows_decision SET reason = 'x'", "DELETE FROM workflows_decision"):
        with pytest.raises(Exception, match="solo adición"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Decision.objects.get(pk=row.pk).reason == ""


def test_a_redone_step_keeps_every_decision(users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    services.observe_request(users["revisor1"], material_request, comment="Corrija el presupuesto.")
    services.submit_request(users["rentas1"], material_request)
    services.forward_request(users["revisor1"], material_request, comment="Primera derivación.")
    services.return_request(users["gerente"], material_request, comment="Falta el público objetivo.")
    services.submit_request(users["rentas1"], material_request)
    services.forward_request(users["revisor2"], material_request, comment="Segunda derivación.")

    rows = decisions_of(material_request)
    assert [row.action for row in rows] == ["submit", "observe", "submit", "forward", "return", "submit", "forward"]
    forwards = [row for row in rows if row.action == "forward"]
    assert [(row.actor, row.reason) for row in forwards] == [
        (users["revisor1"], "Primera derivación."),
        (users["revisor2"], "Segunda derivación."),
    ]
    assert forwards[0].created_at < forwards[1].created_at
    # The cached column holds only the newest forward; the rows hold both.
    assert reload(material_request).forwarded_by == users["revisor2"]
    assert [row.audit_event for row in rows] == state_events(material_request)


def test_the_encargado_decides_in_the_gerentes_name(users, units):
    material_request = request_in_state(users, units, State.PENDING_APPROVAL, author="rentas1")
    org_services.create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
        resolution="Resolución de Gerencia N.° 012-2026",
    )
    services.approve_request(fresh(users["revisor2"]), material_request, comment="Conforme.")
    row = decisions_of(material_request)[-1]
    assert (row.action, row.actor, row.acting_for) == ("approve", users["revisor2"], users["gerente"])
    assert row.audit_event.on_behalf_of == users["gerente"]
    stored = reload(material_request)
    assert (stored.approved_by, stored.approved_on_behalf_of) == (row.actor, row.acting_for)


def test_the_gerente_in_person_acts_for_nobody(users, units):
    row = decisions_of(request_in_state(users, units, State.APPROVED))[-1]
    assert (row.actor, row.acting_for) == (users["gerente"], None)


def test_an_edit_after_approval_leaves_a_reopen_row(users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    current = reload(material_request)
    services.update_request(
        users["revisor1"], current, fields={"title": "Título corregido"}, details={}, expected_revision=None
    )
    row = decisions_of(material_request)[-1]
    assert (row.action, row.from_state, row.to_state, row.actor) == (
        "reopen",
        State.APPROVED,
        State.PENDING_APPROVAL,
        users["revisor1"],
    )
    edit_version = DocumentVersion.objects.filter(request=material_request).order_by("-number").first()
    assert (row.version, row.version_number) == (edit_version, edit_version.number)
    assert row.audit_event.action == "reopen" and row.audit_event.data["decision"] == str(row.pk)
    # The approval before the edit stays on record, though the cached columns were cleared.
    assert [r.action for r in decisions_of(material_request)][-2:] == ["approve", "reopen"]
    assert reload(material_request).approved_by is None


def test_an_edit_that_changes_no_state_writes_no_row(users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    before = Decision.objects.count()
    services.update_request(
        users["revisor1"], reload(material_request), fields={"title": "Otro título"}, details={}, expected_revision=None
    )
    assert Decision.objects.count() == before


def test_cancel_and_withdraw_are_decisions(users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    services.cancel_request(users["rentas1"], draft, comment="Ya no se necesita.")
    cancel = decisions_of(draft)[-1]
    assert (cancel.action, cancel.from_state, cancel.to_state, cancel.reason) == (
        "cancel",
        State.DRAFT,
        State.CANCELLED,
        "Ya no se necesita.",
    )
    assert (cancel.version, cancel.version_number) == (None, None)  # never submitted: no version yet

    published = request_in_state(users, units, State.PUBLISHED)
    services.withdraw_request(users["gerente"], published, comment="Datos desactualizados.")
    withdraw = decisions_of(published)[-1]
    assert (withdraw.action, withdraw.actor, withdraw.to_state, withdraw.reason) == (
        "withdraw",
        users["gerente"],
        State.WITHDRAWN,
        "Datos desactualizados.",
    )


def test_the_urgent_path_and_its_post_review_are_decisions(users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)  # a prevention campaign
    services.publish_urgently(
        users["gerente"], material_request, date=timezone.localdate(), comment="Alerta por lluvias.", **PUBLICATION
    )
    services.review_urgent_publication(users["revisor1"], material_request, comment="Conforme.")
    rows = decisions_of(material_request)
    assert [(row.action, row.actor) for row in rows[-2:]] == [
        ("urgent_publish", users["gerente"]),
        ("post_review", users["revisor1"]),
    ]
    assert rows[-2].version.reason == "urgent_publish"
    assert rows[-1].from_state == rows[-1].to_state == State.PUBLISHED


# --- the cached columns ---------------------------------------------------------------------


def cached_by_the_rows(material_request) -> dict:
    """What the request's last-decision columns must hold, from its decisions alone."""
    standing = standing_decisions(Decision.objects.filter(request=material_request))
    approval = standing.get("urgent_publish") or standing.get("approve")
    publication = standing.get("publish") or standing.get("urgent_publish")
    review = standing.get("post_review")
    forward = standing.get("forward")
    submit = standing.get("submit")
    return {
        "submitted_at": submit.created_at if submit else None,
        "forwarded_by_id": forward.actor_id if forward else None,
        "approved_by_id": approval.actor_id if approval else None,
        "approved_at": approval.created_at if approval else None,
        "approved_on_behalf_of_id": approval.acting_for_id if approval else None,
        "published_by_id": publication.actor_id if publication else None,
        "published_at": publication.created_at if publication else None,
        "urgent_reviewed_by_id": review.actor_id if review else None,
        "urgent_reviewed_at": review.created_at if review else None,
    }


def cached_columns(material_request) -> dict:
    row = MaterialRequest.objects.filter(pk=material_request.pk).values(*cached_by_the_rows(material_request)).get()
    return dict(row)


def test_the_last_decision_columns_are_a_cache_of_the_rows(users, units):
    histories = [request_in_state(users, units, state) for state in State]
    redone = request_in_state(users, units, State.PENDING_APPROVAL)
    services.return_request(users["gerente"], redone, comment="Falta el público objetivo.")
    services.submit_request(users["rentas1"], redone)
    services.forward_request(users["revisor2"], redone)
    histories.append(redone)
    reopened = request_in_state(users, units, State.APPROVED)
    services.update_request(
        users["revisor1"], reload(reopened), fields={"title": "Otro"}, details={}, expected_revision=None
    )
    histories.append(reopened)
    urgent = request_in_state(users, units, State.IN_REVIEW)
    services.publish_urgently(users["gerente"], urgent, date=timezone.localdate(), comment="Alerta.", **PUBLICATION)
    services.review_urgent_publication(users["revisor1"], urgent, comment="Conforme.")
    histories.append(urgent)
    scheduled = request_in_state(users, units, State.APPROVED)
    services.publish_request(users["publicador"], scheduled, date=timezone.localdate(), by_system=True, **PUBLICATION)
    histories.append(scheduled)
    for material_request in histories:
        assert cached_columns(material_request) == cached_by_the_rows(material_request), material_request.state


# --- the readers ------------------------------------------------------------------------------


def forget_the_cache(material_request):
    """Blank the request's last-decision columns, so a reader that still used them shows it."""
    MaterialRequest.objects.filter(pk=material_request.pk).update(
        forwarded_by=None, approved_by=None, approved_at=None, approved_on_behalf_of=None, published_by=None
    )


def chain_steps(client, material_request) -> dict[str, str]:
    html = client.get(reverse("public:detail", args=[material_request.reference])).content.decode()
    return dict(re.findall(r'<li class="chain-step chain-(\w+)">(.*?)</li>', html, re.S))


def named(users):
    for username, first, last in (
        ("revisor1", "Ana", "Revisora Quispe"),
        ("revisor2", "Raúl", "Encargado Mamani"),
        ("gerente", "Carlos", "Gerente Pérez"),
        ("publicador", "Luis", "Publicador Rojas"),
    ):
        get_user_model().objects.filter(pk=users[username].pk).update(first_name=first, last_name=last)
    return {name: fresh(user) for name, user in users.items()}


def test_the_public_chain_reads_the_decisions(client, users, units, settings):
    settings.PUBLIC_SHOW_OFFICIAL_NAMES = True
    people = named(users)
    material_request = request_in_state(people, units, State.PENDING_APPROVAL)  # forwarded by revisor1
    services.return_request(people["gerente"], material_request, comment="Precisar fechas.")
    services.submit_request(people["rentas1"], material_request)
    services.forward_request(people["revisor1"], material_request)
    org_services.create_delegation(
        people["gerente"],
        delegate=people["revisor2"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
        resolution="RG-7",
    )
    services.approve_request(fresh(people["revisor2"]), material_request)
    services.publish_request(people["publicador"], material_request, date=timezone.localdate(), **PUBLICATION)
    forget_the_cache(material_request)

    steps = chain_steps(client, material_request)
    assert list(steps) == ["submit", "forward", "approve", "publish"]
    rows = {row.action: row for row in decisions_of(material_request)}  # the newest of each
    assert "Ana Revisora Quispe" in steps["forward"]
    assert "Raúl Encargado Mamani" in steps["approve"]
    assert "Encargado de la aprobación" in steps["approve"]
    assert "Por encargo del gerente de comunicaciones Carlos Gerente Pérez" in steps["approve"]
    assert timezone.localtime(rows["approve"].created_at).strftime("%d/%m/%Y %H:%M") in steps["approve"]
    assert "Luis Publicador Rojas" in steps["publish"]


def test_the_public_chain_shows_a_scheduled_publication(client, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    services.publish_request(
        users["publicador"], material_request, date=timezone.localdate(), by_system=True, **PUBLICATION
    )
    assert "fecha programada" in chain_steps(client, material_request)["publish"]


def dossier_decisions(users, material_request) -> list[list[str]]:
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.REQUEST_DOSSIER,
        requested_by=users["transparencia"],
        params={"request": material_request.pk},
        title="Expediente",
    )
    path, _name = dossier.build(job, lambda done, total: None)
    with zipfile.ZipFile(path) as archive:
        summary = Document(io.BytesIO(archive.read("resumen.docx")))
    for table in summary.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows[0][:2] == ["Fecha", "Decidió"]:
            return rows[1:]
    raise AssertionError("the summary has no table of decisions")


def test_the_dossier_lists_every_decision(users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    services.observe_request(users["revisor1"], material_request, comment="Corrija el presupuesto.")
    services.submit_request(users["rentas1"], material_request)
    services.forward_request(users["revisor1"], material_request)
    org_services.create_delegation(
        users["gerente"],
        delegate=users["revisor2"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
        resolution="RG-8",
    )
    services.approve_request(fresh(users["revisor2"]), material_request)
    forget_the_cache(material_request)

    rows = dossier_decisions(users, material_request)
    decisions = decisions_of(material_request)
    # Each decision by its label, never its code; the states by theirs.
    assert [row[2] for row in rows] == [decision_label(d.action) for d in decisions]
    assert [row[2] for row in rows] == [
        "Envió a revisión",
        "Devolvió con observaciones",
        "Envió a revisión",
        "Derivó a aprobación",
        "Aprobó",
    ]
    assert rows[-1][3] == "Pendiente de aprobación → Aprobada"
    assert [row[6] for row in rows] == [f"#{d.audit_event.sequence}" for d in decisions]
    assert rows[1][5] == "Corrija el presupuesto."
    assert rows[-1][1] == "revisor2 (por encargo de gerente)"
    assert rows[-1][4] == f"v{decisions[-1].version_number}"


def test_the_request_page_lists_the_decisions(client_for, users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    services.observe_request(users["revisor1"], material_request, comment="Corrija el presupuesto.")
    services.submit_request(users["rentas1"], material_request)
    services.forward_request(users["revisor2"], material_request)
    html = client_for("rentas1").get(reverse("workflows:request_detail", args=[material_request.pk])).content.decode()
    listed = re.findall(r'<li class="decision decision-(\w+)">', html)
    assert listed == ["submit", "observe", "submit", "forward"]
    assert "Corrija el presupuesto." in html
