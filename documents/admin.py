from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import DocumentVersion, RenderedDocument


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a version is written once, by documents.services."""

    list_display = ["request", "number", "reason", "state", "created_by", "created_at", "snapshot_sha256"]
    list_filter = ["reason", "state"]
    search_fields = ["request__reference", "snapshot_sha256"]
    list_select_related = ["request", "created_by"]


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["version", "sha256", "size", "rendered_at"]
    search_fields = ["version__request__reference", "sha256"]
    list_select_related = ["version__request"]
