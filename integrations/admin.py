from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .keys import api_key_issue, api_key_revoke
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Create a key (its token is shown once, in the message after saving) or revoke keys."""

    list_display = ["name", "prefix", "user", "rate_limit", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "user", "scopes", "rate_limit", *readonly_fields]
    autocomplete_fields = ["user"]
    actions = ["revoke_keys"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail keeps the key

    def save_model(self, request, obj, form, change):
        issued = api_key_issue(
            name=obj.name,
            user=obj.user,
            scopes=obj.scopes,
            rate_limit=obj.rate_limit,
            by=request.user,
        )
        obj.pk, obj.prefix = issued.key.pk, issued.key.prefix
        messages.warning(
            request,
            _("Copy the token now, it is not shown again: %(token)s") % {"token": issued.token},
        )

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key=key, by=request.user)
