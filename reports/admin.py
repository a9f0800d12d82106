from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: a report is written once, by the service (the page or compile_report)."""

    list_display = ("reference", "period_kind", "period_start", "version", "generated_by", "generated_at", "sha256")
    list_filter = ("period_kind",)
    search_fields = ("sha256", "figures_sha256")
    date_hierarchy = "period_start"
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
