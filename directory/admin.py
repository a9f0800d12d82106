"""The directory in the admin: listed, read-only. People, outlets and lists are changed on
the directory's pages, which check the role, validate and audit every change;
distributions and their deliveries are the record of what was sent."""

from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import Delivery, Distribution, DistributionList, ImportBatch, InstitutionalContact, Journalist, MediaOutlet


@admin.register(MediaOutlet)
class MediaOutletAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "outlet_type", "coverage_area", "is_active"]
    list_filter = ["outlet_type", "coverage_area", "is_active"]
    search_fields = ["name"]


@admin.register(Journalist)
class JournalistAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["full_name", "outlet", "beat", "email", "is_active"]
    list_filter = ["outlet__outlet_type", "is_active"]
    list_select_related = ["outlet"]
    search_fields = ["full_name", "email", "outlet__name", "beat"]


@admin.register(InstitutionalContact)
class InstitutionalContactAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["full_name", "organization", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["full_name", "organization", "email"]


@admin.register(DistributionList)
class DistributionListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "description", "is_active"]
    search_fields = ["name"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["filename", "kind", "uploaded_by", "uploaded_at", "row_count", "error_count", "imported_at"]
    list_filter = ["kind"]
    exclude = ["content"]


class DeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Delivery
    fields = ["name", "organization", "email", "status", "attempts", "sent_at", "error"]
    extra = 0


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["request", "created_at", "sent_by", "subject"]
    list_select_related = ["request", "sent_by"]
    search_fields = ["request__reference", "subject"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]
