from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: notifications are written by the services with the change they tell about."""

    list_display = ["created_at", "recipient", "kind", "request", "read_at", "step"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "request"]
    search_fields = ["recipient__username", "message", "request__reference"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "email_kinds", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
