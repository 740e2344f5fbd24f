from django.contrib import admin

from .models import Contract


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "customer",
        "state",
        "amount",
        "currency",
        "signed_on",
        "owner",
    ]
    list_filter = ["state", "currency"]
    search_fields = ["number", "title"]
    raw_id_fields = ["customer", "opportunity", "atc_review", "owner", "team"]
    readonly_fields = ["number", "state", "version"]
