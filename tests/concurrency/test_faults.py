"""A failure at any step inside a transition leaves no trace.

For each step of `workflows.services._transition` (the state change, the permission sync,
the viewflow task, the version snapshot, the notifications, the audit event) the function
the service calls is wrapped so that it does its work and then raises. The request row,
the audit chain, the document versions, the notifications, the viewflow process and its
tasks, the per-object permissions and the files in storage must be exactly as before; no
push or email goes out; `audit_verify` still passes; and the same action then succeeds.

Transactional tests (`transaction=True`): the service's `transaction.atomic()` is the
outermost one, as in production, so a rollback is a real one and on-commit hooks run
(or not) for real.
"""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.models import Process, Task

from audit.models import AuditCheckpoint, AuditEvent
from audit.verification import verify_all
from documents.models import DocumentVersion, RenderedDocument
from notifications import services as notification_services
from notifications.models import Notification
from tests.factories import request_in_state, step_kwargs
from workflows import services
from workflows.models import Attachment, MaterialRequest, State

pytestmark = pytest.mark.django_db(transaction=True)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class InjectedFault(Exception):
    """The failure a test injects; nothing in the project catches it."""


# Where the fault strikes: (object, attribute) wrapped to run and then raise.
STEPS = {
    "after-state-change": (MaterialRequest, "save"),
    "after-permissions": (services.permissions, "sync_object_permissions"),
    "after-viewflow": (services.flow_sync, "advance"),
    "after-version": (services, "record_version"),
    "inside-notification-hook": (notification_services, "store_notifications"),
    "after-notifications": (services, "notify_transition"),
    "after-audit-event": (services, "record_event"),
}
# Transition -> (start state, actor); submit also starts the viewflow process.
TRANSITIONS = {
    "submit": (State.DRAFT, "rentas1"),
    "approve": (State.PENDING_APPROVAL, "gerente"),
    "return": (State.PENDING_APPROVAL, "gerente"),
    "publish": (State.APPROVED, "publicador"),
}
VERSIONED = {"submit", "approve", "publish"}
CASES = [
    pytest.param(transition, step, id=f"{transition}-{step}")
    for transition in TRANSITIONS
    for step in STEPS
    if step != "after-version" or transition in VERSIONED
]


def stored_files() -> dict[str, int]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)): path.stat().st_size for path in root.rglob("*") if path.is_file()}


def everything(material_request) -> dict:
    """What a failed change must not alter."""
    return {
        "request": MaterialRequest.objects.filter(pk=material_request.pk).values().get(),
        "audit": list(AuditEvent.objects.order_by("chain", "sequence").values_list("chain", "sequence", "hash")),
        "checkpoints": list(AuditCheckpoint.objects.values_list("sequence", "hash")),
        "versions": list(DocumentVersion.objects.order_by("pk").values_list("pk", "request_id", "number")),
        "rendered": list(RenderedDocument.objects.order_by("pk").values_list("pk", "file")),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "recipient_id", "kind", "read_at")),
        "processes": list(Process.objects.order_by("pk").values_list("pk", "status", "finished")),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "flow_task", "status", "owner_id", "finished")),
        "user_permissions": sorted(
            UserObjectPermission.objects.values_list("user_id", "permission_id", "content_type_id", "object_pk")
        ),
        "group_permissions": sorted(
            GroupObjectPermission.objects.values_list("group_id", "permission_id", "content_type_id", "object_pk")
        ),
        "attachments": list(Attachment.objects.order_by("pk").values_list("pk", "file")),
        "files": stored_files(),
    }


@pytest.fixture
def pushes(monkeypatch):
    """Every push to the channel layer, recorded instead of sent."""
    sent = []
    monkeypatch.setattr(notification_services, "push", lambda hints: sent.extend(hints))
    return sent


def inject(monkeypatch, step):
    target, name = STEPS[step]
    original = getattr(target, name)
    calls = []

    def run_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        calls.append(name)
        raise InjectedFault(step)

    monkeypatch.setattr(target, name, run_then_fail)
    return calls


@pytest.mark.parametrize(("transition", "step"), CASES)
def test_a_failing_step_leaves_no_trace(transition, step, users, units, monkeypatch, pushes):
    start, actor = TRANSITIONS[transition]
    material_request = request_in_state(users, units, start)
    assert verify_all().ok
    before = everything(material_request)
    mail.outbox.clear()
    pushes.clear()

    with monkeypatch.context() as patch:
        calls = inject(patch, step)
        with pytest.raises(InjectedFault):
            services.ACTION_SERVICES[transition](users[actor], material_request, **step_kwargs(transition))
        assert calls, "the step under test never ran"

    assert everything(material_request) == before
    assert pushes == []
    assert mail.outbox == []
    report = verify_all()
    assert report.ok, report.breaks

    # Nothing is left half-done: the same action now goes through.
    done = services.ACTION_SERVICES[transition](users[actor], material_request, **step_kwargs(transition))
    assert done.revision == before["request"]["revision"] + 1
    assert AuditEvent.objects.filter(object_id=str(material_request.pk), action=transition).count() == 1
    assert verify_all().ok


@pytest.mark.parametrize("step", ["after-state-change", "after-audit-event"])
def test_a_failing_attachment_leaves_no_file(step, users, units, monkeypatch, pushes):
    """An upload whose change fails is removed from storage again."""
    material_request = request_in_state(users, units, State.DRAFT)
    before = everything(material_request)
    stem = f"fallo-{uuid.uuid4().hex[:8]}"
    upload = SimpleUploadedFile(f"{stem}.pdf", PDF, content_type="application/pdf")

    with monkeypatch.context() as patch:
        calls = inject(patch, step)
        with pytest.raises(InjectedFault):
            services.add_attachment(users["rentas1"], material_request, upload, description="Adjunto")
        assert calls

    assert everything(material_request) == before
    assert pushes == []
    assert verify_all().ok
    assert not any(stem in name for name in stored_files())
