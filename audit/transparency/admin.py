from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import NonWorkingDay, TransparencyRequest


@admin.register(TransparencyRequest)
class TransparencyRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Listed here; registered and answered on the register's pages, which check the role,
    compute the deadlines and audit every change."""

    list_display = ["reference", "received_at", "state", "assigned_to", "response_due_on", "extension_due_on"]
    list_filter = ["state", "channel"]
    search_fields = ["reference", "requester_name"]
    date_hierarchy = "received_at"


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    """Días no laborables decreed by the government: deadlines computed after a change
    skip them (entries already registered keep their stored deadlines)."""

    list_display = ["date", "description"]
    search_fields = ["description"]
    date_hierarchy = "date"
