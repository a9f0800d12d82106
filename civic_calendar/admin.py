from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from . import services
from .models import CalendarEvent, EventNeed, FeedToken, LeadTime


@admin.register(LeadTime)
class LeadTimeAdmin(admin.ModelAdmin):
    """The lead times are configuration: editable here, each change audited. Needs
    already recorded keep the lead time they were computed with."""

    list_display = ["kind", "publication_format", "working_days", "note"]
    list_filter = ["kind"]

    def save_model(self, request, obj, form, change):
        # The admin form already validated the same rules (the unique kind and format).
        services.save_lead_time(request.user, obj)

    def delete_model(self, request, obj):
        services.delete_lead_time(request.user, obj)

    def delete_queryset(self, request, queryset):
        for lead_time in queryset:
            services.delete_lead_time(request.user, lead_time)


class NeedInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EventNeed
    extra = 0
    can_delete = False
    fields = ["title", "kind", "publication_format", "lead_days", "requested_by", "request", "spawned_late"]


@admin.register(CalendarEvent)
class CalendarEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Listed here; created, edited and cancelled on the calendar's pages, which check
    the office's role, count the lead times back and audit every change."""

    list_display = ["title", "category", "start_date", "end_date", "unit", "internal", "cancelled_at"]
    list_filter = ["category", "internal", "unit"]
    search_fields = ["title", "place"]
    date_hierarchy = "start_date"
    inlines = [NeedInline]


@admin.register(FeedToken)
class FeedTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who has a calendar subscription address; the secret itself is never shown."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    search_fields = ["user__username"]
