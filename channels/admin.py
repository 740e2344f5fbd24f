"""Read-only admin of rebates: changes go through the services (audited)."""

from django.contrib import admin

from .models import RebateAccrual, RebateScheme, RebateStatement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RebateScheme)
class RebateSchemeAdmin(ReadOnlyAdmin):
    list_display = ["name", "agreement", "measure", "period", "basis"]


@admin.register(RebateStatement)
class RebateStatementAdmin(ReadOnlyAdmin):
    list_display = ["partner", "period_start", "period_end", "amount", "currency", "state"]
    list_filter = ["state"]


@admin.register(RebateAccrual)
class RebateAccrualAdmin(ReadOnlyAdmin):
    list_display = ["source", "kind", "statement", "volume", "amount", "currency"]
