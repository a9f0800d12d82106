from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import Delegation, Membership, Municipality, Unit
from .services import sync_unit_group


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "email"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "municipality", "is_active"]
    list_filter = ["is_active", "municipality"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Per-object permissions are granted to the unit's group: keep it equal to the members.
        sync_unit_group(form.instance)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "is_head", "joined_on"]
    list_filter = ["unit", "is_head"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        previous_unit = Membership.objects.get(pk=obj.pk).unit if change else None
        super().save_model(request, obj, form, change)
        sync_unit_group(obj.unit)
        if previous_unit is not None and previous_unit != obj.unit:
            sync_unit_group(previous_unit)

    def delete_model(self, request, obj):
        unit = obj.unit
        super().delete_model(request, obj)
        sync_unit_group(unit)

    def delete_queryset(self, request, queryset):
        units = {membership.unit for membership in queryset.select_related("unit")}
        super().delete_queryset(request, queryset)
        for unit in units:
            sync_unit_group(unit)


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Listed here; registered and revoked on the gerente's page, which validates and audits."""

    list_display = ["delegate", "delegator", "starts_on", "ends_on", "resolution", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["resolution", "delegate__username", "delegator__username"]
    date_hierarchy = "starts_on"
