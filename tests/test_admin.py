"""The admin lists everything, and changes nothing that must go through the services."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import request_in_state
from workflows.models import MaterialRequest, State

pytestmark = pytest.mark.django_db

READ_ONLY = {
    "workflows.materialrequest",
    "audit.auditevent",
    "audit.auditcheckpoint",
    "audit.exportjob",
    "audit.transparencyrequest",
    "organization.delegation",
    "workflows.referencesequence",
    "workflows.decision",
}


def test_every_admin_changelist_renders(client_for, users, units):
    request_in_state(users, units, State.APPROVED)
    client = client_for("admin")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_requests_and_the_audit_log_are_read_only_in_the_admin(client_for, users, units):
    material_request = request_in_state(users, units, State.APPROVED)
    client = client_for("admin")
    for model in admin.site._registry:
        if model._meta.label_lower in READ_ONLY:
            add_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert client.get(add_url).status_code == 403, add_url
    change_url = reverse("admin:workflows_materialrequest_change", args=[material_request.pk])
    response = client.post(change_url, {"title": "Cambiado en el admin"})
    assert response.status_code == 403
    assert MaterialRequest.objects.get(pk=material_request.pk).title != "Cambiado en el admin"


def test_unit_members_edited_in_the_admin_join_the_unit_group(client_for, users, units):
    unit = units["obras"]
    client = client_for("admin")
    url = reverse("admin:organization_membership_add")
    response = client.post(url, {"user": users["rentas2"].pk, "unit": unit.pk})
    assert response.status_code == 302
    assert users["rentas2"].groups.filter(pk=unit.group_id).exists()


def test_checkpoints_cannot_be_changed_or_deleted_in_the_admin(client_for, users, units):
    from audit.models import AuditCheckpoint
    from audit.services import create_checkpoint

    request_in_state(users, units, State.DRAFT)
    checkpoint = create_checkpoint()
    client = client_for("admin")
    change_url = reverse("admin:audit_auditcheckpoint_change", args=[checkpoint.pk])
    assert client.post(change_url, {"created_by": "otro"}).status_code == 403
    delete_url = reverse("admin:audit_auditcheckpoint_delete", args=[checkpoint.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditCheckpoint.objects.get().created_by == ""
