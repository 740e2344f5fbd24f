from django.contrib import admin

from .models import ChatChannel, ChatDelivery, ChatIdentity


@admin.register(ChatChannel)
class ChatChannelAdmin(admin.ModelAdmin):
    list_display = ["kind", "name", "enabled", "endpoint"]
    exclude = ["secret"]  # written on the settings page or the API, never shown


@admin.register(ChatIdentity)
class ChatIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "vendor", "external_id"]
    list_filter = ["vendor"]
    search_fields = ["user__username", "external_id"]


@admin.register(ChatDelivery)
class ChatDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "notification", "channel", "status", "attempts", "errcode", "sent_at"]
    list_filter = ["status", "channel"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
