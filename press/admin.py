"""Coverage is recorded and corrected through the services, which audit every change:
the admin only reads it."""

from django.contrib import admin

from .models import Coverage


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = ("published_on", "medium", "medium_type", "headline", "tone", "request", "recorded_by")
    list_filter = ("tone", "medium_type", "published_on")
    search_fields = ("medium", "headline", "notes", "request__reference")
    date_hierarchy = "published_on"
    list_select_related = ("request", "recorded_by")
    readonly_fields = [field.name for field in Coverage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
