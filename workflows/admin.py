"""The admin shows requests but never changes them: every change goes through the
services (and so through permissions and the audit log), which the web pages call."""

from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import (
    Attachment,
    CampaignDetails,
    Decision,
    MaterialRequest,
    PublicationDetails,
    ReferenceSequence,
    SignageDetails,
    SpeechDetails,
)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.StackedInline):
    extra = 0
    can_delete = False


class PublicationInline(ReadOnlyInline):
    model = PublicationDetails


class CampaignInline(ReadOnlyInline):
    model = CampaignDetails


class SpeechInline(ReadOnlyInline):
    model = SpeechDetails


class SignageInline(ReadOnlyInline):
    model = SignageDetails


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(MaterialRequest)
class MaterialRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "kind", "unit", "state", "author", "created_at"]
    list_filter = ["state", "kind", "unit"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "created_at"
    list_select_related = ["unit", "author"]
    inlines = [PublicationInline, CampaignInline, SpeechInline, SignageInline, AttachmentInline]


@admin.register(ReferenceSequence)
class ReferenceSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "year", "last_value"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a decision is written once, by the transition that made it."""

    list_display = ["created_at", "request", "action", "from_state", "to_state", "actor", "acting_for"]
    list_filter = ["action", "to_state", "by_system"]
    search_fields = ["request__reference", "actor__username", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["request", "actor", "acting_for"]
