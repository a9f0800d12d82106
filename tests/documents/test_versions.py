"""Document versions: numbering, the canonical snapshot and its hash, immutability."""

import hashlib
import json

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from documents.models import DocumentVersion, ImmutableError, RenderedDocument
from documents.services import record_version, rendered_docx
from documents.snapshots import canonical_json, sha256_of
from organization.services import create_delegation
from tests.factories import create_request, request_in_state
from workflows import services
from workflows.models import Kind, State

from .helpers import edit, new_version, png_upload, version_in_state

pytestmark = pytest.mark.django_db


def test_numbers_count_up_per_request(users, units):
    first = create_request(users["rentas1"], units["rentas"])
    other = create_request(users["social1"], units["social"])
    v1 = new_version(users["rentas1"], first, "edit")
    v2 = new_version(users["rentas1"], first, "edit")
    w1 = new_version(users["social1"], other, "edit")
    assert v2.number == v1.number + 1
    # Numbering is per request: the other request's count is its own.
    assert w1.number == DocumentVersion.objects.filter(request=other).count()
    assert v1.state == State.DRAFT
    assert v1.created_by == users["rentas1"]


@pytest.mark.django_db(transaction=True)
def test_record_version_needs_the_callers_transaction(users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    with pytest.raises(RuntimeError):
        record_version(actor=users["rentas1"], material_request=material_request, reason="edit")


def test_unknown_reason_is_refused(users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    with pytest.raises(ValueError), transaction.atomic():
        record_version(actor=users["rentas1"], material_request=material_request, reason="whatever")


def test_a_number_cannot_be_taken_twice(users, units):
    version = new_version(users["rentas1"], create_request(users["rentas1"], units["rentas"]), "edit")
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.create(
            request=version.request,
            number=version.number,
            reason="edit",
            state=version.state,
            created_by=version.created_by,
            created_at=version.created_at,
            snapshot={},
            snapshot_sha256="0" * 64,
        )


def test_snapshot_holds_the_content_and_its_canonical_hash(users, units):
    material_request = create_request(
        users["rentas1"], units["rentas"], kind=Kind.SIGNAGE, title="Señales de evacuación"
    )
    services.add_attachment(users["rentas1"], material_request, png_upload("plano.png"))
    version = new_version(users["rentas1"], material_request, "edit")
    content = version.snapshot["content"]
    assert content["title"] == "Señales de evacuación"
    assert content["kind"] == "signage"
    assert content["unit"] == "Rentas"
    assert content["details"]["sign_type"] == "seguridad"
    assert content["details"]["sign_type_label"] == "Seguridad y evacuación"
    assert content["details"]["quantity"] == 4
    [attachment] = content["attachments"]
    assert attachment["name"] == "plano.png"
    assert attachment["sha256"] == material_request.attachments.get().sha256
    assert "approval" not in version.snapshot
    canonical = json.dumps(version.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical == canonical_json(version.snapshot)
    assert version.snapshot_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    # Stored and read back, the snapshot still hashes the same.
    assert sha256_of(DocumentVersion.objects.get(pk=version.pk).snapshot) == version.snapshot_sha256


def test_hash_changes_exactly_when_content_changes(users, units):
    material_request = create_request(users["rentas1"], units["rentas"], kind=Kind.CAMPAIGN)
    author = users["rentas1"]
    first = new_version(author, material_request, "edit")
    same = new_version(author, material_request, "edit")
    assert same.snapshot_sha256 == first.snapshot_sha256
    edit(author, material_request, title="Otro título")
    retitled = new_version(author, material_request, "edit")
    assert retitled.snapshot_sha256 != first.snapshot_sha256
    edit(author, material_request, details={"audience": "Toda la población"})
    new_audience = new_version(author, material_request, "edit")
    assert new_audience.snapshot_sha256 != retitled.snapshot_sha256
    services.add_attachment(author, material_request, png_upload())
    attached = new_version(author, material_request, "edit")
    assert attached.snapshot_sha256 != new_audience.snapshot_sha256
    # Back to the first content: back to the first hash (attachments aside).
    edit(author, material_request, title="Campaña de vacunación canina", details={"audience": "Vecinos con mascotas"})
    back = new_version(author, material_request, "edit")
    assert back.snapshot["content"]["title"] == first.snapshot["content"]["title"]
    assert back.snapshot_sha256 != first.snapshot_sha256  # the attachment is still there
    assert {k: v for k, v in back.snapshot["content"].items() if k != "attachments"} == {
        k: v for k, v in first.snapshot["content"].items() if k != "attachments"
    }


def test_state_changes_alone_do_not_change_the_content_hash(users, units):
    material_request = create_request(users["rentas1"], units["rentas"])
    draft = new_version(users["rentas1"], material_request, "edit")
    submitted = services.submit_request(users["rentas1"], material_request)
    in_review = new_version(users["rentas1"], submitted, "submit")
    assert in_review.state == State.IN_REVIEW
    assert in_review.snapshot_sha256 == draft.snapshot_sha256


def test_approved_version_carries_the_approval_block(users, units):
    version = version_in_state(users, units, State.APPROVED, kind=Kind.CAMPAIGN)
    approval = version.snapshot["approval"]
    assert approval["approved_by"] == "gerente"
    assert approval["role"] == "Gerente de comunicaciones"
    assert approval["on_behalf_of"] == ""
    assert approval["version"] == version.number
    assert approval["content_sha256"] == sha256_of(version.snapshot["content"])
    assert approval["approved_at"] == version.request.approved_at.isoformat()
    assert approval["urgent"] is False


def test_delegated_approval_names_the_gerente(users, units):
    today = timezone.localdate()
    create_delegation(users["gerente"], delegate=users["revisor2"], resolution="RG-9", starts_on=today, ends_on=today)
    material_request = request_in_state(users, units, State.PENDING_APPROVAL)
    from django.contrib.auth import get_user_model

    delegate = get_user_model().objects.get(pk=users["revisor2"].pk)
    approved = services.approve_request(delegate, material_request)
    assert approved.approved_on_behalf_of == users["gerente"]
    version = new_version(delegate, approved, "approve")
    assert version.snapshot["approval"]["on_behalf_of"] == "gerente"
    assert version.snapshot["approval"]["approved_by"] == "revisor2"
    assert "encargado" in version.snapshot["approval"]["role"]


def test_published_version_shares_the_approved_hash(users, units):
    approved = version_in_state(users, units, State.APPROVED)
    published_request = services.publish_request(
        users["publicador"], approved.request, channel="Portal web", date=timezone.localdate()
    )
    published = new_version(users["publicador"], published_request, "publish")
    assert published.state == State.PUBLISHED
    assert published.snapshot == approved.snapshot
    assert published.snapshot_sha256 == approved.snapshot_sha256


def test_urgent_version_says_so(users, units):
    material_request = request_in_state(users, units, State.IN_REVIEW)
    published = services.publish_urgently(
        users["gerente"],
        material_request,
        channel="Radio",
        date=timezone.localdate(),
        comment="Alerta por lluvias intensas.",
    )
    version = new_version(users["gerente"], published, "urgent_publish")
    assert version.snapshot["approval"]["urgent"] is True
    assert version.snapshot["approval"]["urgent_reason"] == "Alerta por lluvias intensas."


# --- immutability -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(lambda version: version.save(), id="save"),
        pytest.param(lambda version: version.delete(), id="delete"),
        pytest.param(
            lambda version: DocumentVersion.objects.filter(pk=version.pk).update(reason="edit"), id="qs-update"
        ),
        pytest.param(lambda version: DocumentVersion.objects.filter(pk=version.pk).delete(), id="qs-delete"),
        pytest.param(lambda version: DocumentVersion.objects.all().delete(), id="all-delete"),
    ],
)
def test_versions_are_immutable(users, units, attempt):
    version = version_in_state(users, units, State.APPROVED)
    version.snapshot["content"]["title"] = "Manipulado"
    with pytest.raises(ImmutableError):
        attempt(version)
    stored = DocumentVersion.objects.get(pk=version.pk)
    assert stored.snapshot["content"]["title"] == "Campaña de vacunación canina"
    assert sha256_of(stored.snapshot) == stored.snapshot_sha256


def test_rendered_documents_are_immutable(users, units):
    version = version_in_state(users, units, State.APPROVED)
    rendered_docx(version)
    rendered = RenderedDocument.objects.get(version=version)
    with pytest.raises(ImmutableError):
        rendered.save()
    with pytest.raises(ImmutableError):
        rendered.delete()
    with pytest.raises(ImmutableError):
        RenderedDocument.objects.filter(pk=rendered.pk).update(sha256="0" * 64)


def test_admin_is_read_only(users):
    request = RequestFactory().get("/admin/")
    request.user = users["admin"]
    for model in (DocumentVersion, RenderedDocument):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
