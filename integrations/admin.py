from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, WebhookDelivery, WebhookSubscription
from .services import (
    api_key_issue,
    api_key_revoke,
    delivery_replay,
    subscription_create,
    subscription_update,
)


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


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "user", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "created_at"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data if f in form.cleaned_data}
            subscription_update(subscription=obj, data=data, by=request.user)
        else:
            created = subscription_create(
                name=obj.name, url=obj.url, events=obj.events, user=obj.user, by=request.user
            )
            obj.pk, obj.secret = created.pk, created.secret


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "subscription", "state", "attempts", "last_status", "created_at"]
    list_filter = ["state", "event__name"]
    list_select_related = ["event", "subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Replay the selected deliveries"))
    def replay(self, request, queryset):
        for delivery in queryset:
            delivery_replay(delivery=delivery, by=request.user)
