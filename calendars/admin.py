from django.contrib import admin

from .models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Who has a feed and when it was last read; an administrator may revoke one (the token
    itself is never shown: only its hash is kept)."""

    list_display = ("user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username",)
    readonly_fields = ("user", "created_at", "last_used_at")
    fields = ("user", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        return False
