"""Versions are frozen by the workflow services themselves, in the same transaction as
the change, and each versioned change's audit event carries the version's hash."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from documents.models import DocumentVersion
from documents.services import rendered_docx
from tests.factories import create_request, request_in_state
from workflows import services
from workflows.models import State

pytestmark = pytest.mark.django_db


def versions(material_request):
    return list(DocumentVersion.objects.filter(request=material_request).order_by("number"))


def test_the_lifecycle_freezes_a_version_at_each_step_with_its_hash_on_the_audit_event(users, units):
    published = request_in_state(users, units, State.PUBLISHED)
    frozen = versions(published)
    assert [version.reason for version in frozen] == ["submit", "approve", "publish"]
    assert [version.number for version in frozen] == [1, 2, 3]
    for version, action in zip(frozen, ("submit", "approve", "publish"), strict=True):
        event = AuditEvent.objects.get(object_id=str(published.pk), action=action)
        assert event.version_hash == version.snapshot_sha256
    approved = frozen[1]
    assert approved.snapshot["approval"]["approved_by"]
    # The document a person downloads is the one the audit trail names.
    content, sha = rendered_docx(approved)
    assert content[:2] == b"PK" and len(sha) == 64


def test_drafts_have_no_versions_but_every_edit_after_submission_does(users, units):
    draft = create_request(users["rentas1"], units["rentas"])
    services.update_request(
        users["rentas1"], draft, fields={"title": "Otro título"}, details={}, expected_revision=None
    )
    assert versions(draft) == []

    in_review = services.submit_request(users["rentas1"], draft)
    before = versions(in_review)[-1]
    services.update_request(
        users["revisor1"], in_review, fields={"body": "Texto corregido."}, details={}, expected_revision=None
    )
    after = versions(in_review)[-1]
    assert after.reason == "edit" and after.number == before.number + 1
    assert after.snapshot_sha256 != before.snapshot_sha256
    edit_event = AuditEvent.objects.filter(object_id=str(in_review.pk), action="edit").latest("sequence")
    assert edit_event.version_hash == after.snapshot_sha256


def test_a_refused_transition_freezes_no_version(users, units):
    in_review = request_in_state(users, units, State.IN_REVIEW)
    count = len(versions(in_review))
    with pytest.raises(PermissionDenied):  # the author may not review their own request
        services.forward_request(users["rentas1"], in_review)
    assert len(versions(in_review)) == count


def test_the_version_frozen_under_the_lock_lists_what_a_fresh_read_lists(users, units):
    """The attachments and the kind's details a service reads with its lock (no statement
    of their own) are what the database holds: a snapshot built from a fresh read of the
    request is the same, and an attachment added under the lock is in its own version."""
    from documents.snapshots import build_content
    from tests.test_permission_matrix import pdf_upload
    from workflows.models import MaterialRequest

    draft = create_request(users["rentas1"], units["rentas"])
    services.add_attachment(users["rentas1"], draft, pdf_upload("b-anexo.pdf"))
    services.add_attachment(users["rentas1"], draft, pdf_upload("a-anexo.pdf"))
    submitted = services.submit_request(users["rentas1"], draft)
    frozen = versions(submitted)[-1].snapshot["content"]
    fresh = build_content(MaterialRequest.objects.get(pk=submitted.pk))
    assert [item["name"] for item in frozen["attachments"]] == ["a-anexo.pdf", "b-anexo.pdf"]
    assert frozen["attachments"] == fresh["attachments"]
    assert frozen["details"] == fresh["details"] and frozen["details"]

    reviewed = services.add_attachment(users["revisor1"], submitted, pdf_upload("c-anexo.pdf"))
    frozen = versions(reviewed.request)[-1].snapshot["content"]
    assert [item["name"] for item in frozen["attachments"]] == ["a-anexo.pdf", "b-anexo.pdf", "c-anexo.pdf"]
