from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.custom_fields.forms import CustomValuesAdminForm

from .models import DistributionRule, Lead, LeadCaptureSource, LeadQualificationPolicy
from .services import (
    capture_source_create,
    capture_source_revoke,
    lead_qualification_policy_set,
)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """State changes happen in the app (audited); the admin cannot change the state."""

    form = CustomValuesAdminForm  # custom values' errors on `custom`
    list_display = ["title", "company", "state", "score", "owner", "org_unit", "source"]
    list_filter = ["state", "source", "buying_pattern"]
    search_fields = ["title", "company_name"]
    raw_id_fields = ["customer", "contact", "owner"]
    readonly_fields = ["state", "score", "score_breakdown", "converted_at", "version"]


@admin.register(DistributionRule)
class DistributionRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "org_unit", "team", "industry", "regions", "is_active"]
    list_filter = ["is_active", "industry"]
    filter_horizontal = ["assignees"]
    readonly_fields = ["last_assigned", "version"]


@admin.register(LeadCaptureSource)
class LeadCaptureSourceAdmin(admin.ModelAdmin):
    """Websites that may send leads. The key is shown once, when the source is saved."""

    list_display = ["name", "org_unit", "key_prefix", "is_active", "last_used_at", "revoked_at"]
    list_filter = ["is_active"]
    fields = ["name", "org_unit", "key_prefix", "is_active", "last_used_at", "revoked_at"]
    readonly_fields = ["key_prefix", "is_active", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        source, key = capture_source_create(by=request.user, name=obj.name, org_unit=obj.org_unit)
        obj.pk = source.pk
        messages.warning(
            request,
            _("The key of %(name)s, shown only this once: %(key)s")
            % {"name": source.name, "key": key},
        )

    @admin.action(description=_("Revoke the selected sources"))
    def revoke(self, request, queryset):
        for source in queryset:
            capture_source_revoke(source=source, by=request.user)


@admin.register(LeadQualificationPolicy)
class LeadQualificationPolicyAdmin(admin.ModelAdmin):
    """Which BANT elements a unit's leads need to be verified; saved through the service, so
    the change is audited (before/after) and only administrators make it."""

    list_display = ["org_unit", "require_budget", "require_authority", "require_timeline"]
    raw_id_fields = ["org_unit"]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        saved = lead_qualification_policy_set(
            by=request.user,
            org_unit=obj.org_unit,
            require_budget=obj.require_budget,
            require_authority=obj.require_authority,
            require_timeline=obj.require_timeline,
        )
        obj.pk = saved.pk
