"""The credit ledger in the Django admin: read-only (lines are never edited)."""

from django.contrib import admin

from .models import CreditLine, CreditSplit


@admin.register(CreditLine)
class CreditLineAdmin(admin.ModelAdmin):
    list_display = [
        "credited_on",
        "kind",
        "person",
        "seat",
        "pct",
        "amount",
        "currency",
        "reversal",
    ]
    list_filter = ["kind", "reversal", "currency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditSplit)
class CreditSplitAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "state", "requested_by", "created_at"]
    list_filter = ["state"]
    readonly_fields = ["opportunity", "shares", "reason", "state", "requested_by", "decided_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
