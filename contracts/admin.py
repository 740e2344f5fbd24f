from django.contrib import admin

from core.custom_fields.forms import CustomValuesAdminForm

from .models import Contract, DirectContractRule
from .services import direct_rule_create, direct_rule_update


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = CustomValuesAdminForm  # custom values' errors on `custom`
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
    raw_id_fields = ["customer", "opportunity", "atc_review", "owner", "team", "renewal_of"]
    readonly_fields = [
        "number",
        "state",
        "version",
        "direct_basis",
        "direct_rule",
        "direct_basis_by",
    ]


@admin.register(DirectContractRule)
class DirectContractRuleAdmin(admin.ModelAdmin):
    """Which contracts may be signed without an ATC (ADR 14); saved through the services, so
    every change is audited and only administrators make it."""

    list_display = ["name", "kind", "org_unit", "max_amount", "currency", "is_active"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data or form.cleaned_data}
        if change:
            current = DirectContractRule.objects.get(pk=obj.pk)
            direct_rule_update(rule=current, by=request.user, data=data)
        else:
            obj.pk = direct_rule_create(by=request.user, data=dict(form.cleaned_data)).pk
