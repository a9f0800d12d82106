from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.admin import ReadOnlyAdminMixin

from . import services
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
    """Días no laborables decreed by the government. Every change recomputes the stored
    deadlines of the open entries (audited per entry, through the service)."""

    list_display = ["date", "description"]
    search_fields = ["description"]
    date_hierarchy = "date"

    def _recompute(self, request, what: str):
        moved = services.recompute_deadlines(request.user, reason=what)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "Se recalcularon los plazos de %(n)d solicitud de acceso a la información.",
                    "Se recalcularon los plazos de %(n)d solicitudes de acceso a la información.",
                    moved,
                )
                % {"n": moved},
            )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self._recompute(request, _("Día no laborable registrado: %(day)s") % {"day": obj})

    def delete_model(self, request, obj):
        with transaction.atomic():
            label = str(obj)
            super().delete_model(request, obj)
            self._recompute(request, _("Día no laborable eliminado: %(day)s") % {"day": label})

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            labels = ", ".join(str(day) for day in queryset)
            super().delete_queryset(request, queryset)
            self._recompute(request, _("Días no laborables eliminados: %(days)s") % {"days": labels})
