from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import ReadOnlyAdminMixin

from .logos import LOGO_MAX_BYTES, InvalidLogo, check_logo
from .models import Delegation, Membership, Municipality, Unit
from .services import remove_logo, set_logo, sync_unit_group


class MunicipalityForm(forms.ModelForm):
    """The coat of arms is uploaded here, checked by content (organization.logos) before the
    municipality is saved; the service stores it under its hash and audits the change."""

    logo_upload = forms.FileField(
        label=_("Escudo o logotipo (PNG o JPEG)"),
        required=False,
        help_text=_(
            "Aparece en el encabezado de los documentos (DOCX y PDF), las páginas públicas y el informe "
            "mensual. Máximo %(mb)d MB y 4000 píxeles por lado; no se admite SVG."
        )
        % {"mb": LOGO_MAX_BYTES // (1024 * 1024)},
    )
    remove_logo = forms.BooleanField(label=_("Quitar el escudo"), required=False)
    website = forms.URLField(label=_("sitio web"), required=False, assume_scheme="https")

    class Meta:
        model = Municipality
        fields = ["name", "short_name", "address", "phone", "email", "website"]

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if upload:
            try:
                check_logo(upload)
            except InvalidLogo as error:
                raise forms.ValidationError(str(error)) from error
            upload.seek(0)
        return upload


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    form = MunicipalityForm
    list_display = ["name", "short_name", "email", "logo_sha256"]
    readonly_fields = ["logo", "logo_sha256"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("logo_upload"):
            set_logo(request.user, obj, form.cleaned_data["logo_upload"])
        elif form.cleaned_data.get("remove_logo") and obj.logo_sha256:
            remove_logo(request.user, obj)


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
