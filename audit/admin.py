from django.contrib import admin

from .models import AuditCheckpoint, AuditEvent, ExportJob


class ReadOnlyAdminMixin:
    """For records that change only through services (or never): the admin lists them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the log is append-only at every layer."""

    list_display = ["occurred_at", "actor_username", "action", "reference", "from_state", "to_state"]
    list_filter = ["action", "object_type"]
    search_fields = ["reference", "actor_username", "comment", "hash"]
    date_hierarchy = "occurred_at"


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sequence", "created_at", "created_by", "chain_count", "event_count", "hash", "key_id"]
    search_fields = ["hash", "created_by"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a dossier is its requester's, built by the worker."""

    list_display = ["created_at", "title", "requested_by", "status", "redact", "size"]
    list_filter = ["status", "kind", "redact"]
    exclude = ["file"]  # downloads go through the audited page, not the admin
