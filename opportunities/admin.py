from django.contrib import admin

from core.custom_fields.forms import CustomValuesAdminForm

from .models import (
    Bid,
    BidChecklistItem,
    BidSection,
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
    PricingRule,
    Product,
    Quote,
    QuoteLine,
    StageNorm,
    StageProbability,
)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    form = CustomValuesAdminForm  # custom values' errors on `custom`
    list_display = [
        "number",
        "name",
        "customer",
        "state",
        "amount",
        "currency",
        "probability_pct",
        "forecast_category",
        "owner",
        "org_unit",
    ]
    list_filter = ["state", "forecast_category", "close_reason_code"]
    search_fields = ["number", "name"]
    raw_id_fields = ["customer", "lead", "owner", "team", "lost_to"]
    readonly_fields = ["number", "state", "closed_at", "version", "probability_pct"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "product_line", "list_price", "cost", "currency", "is_active"]
    list_filter = ["product_line", "currency", "is_active"]
    search_fields = ["code", "name"]


@admin.register(PricingRule)
class PricingRuleAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "role", "max_discount_pct", "approver", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["approver"]


@admin.register(StageProbability)
class StageProbabilityAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "stage", "probability_pct"]
    list_filter = ["stage"]


@admin.register(StageNorm)
class StageNormAdmin(admin.ModelAdmin):
    list_display = ["stage", "norm_days", "gate_norm_days"]
    list_editable = ["norm_days", "gate_norm_days"]


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ["name", "website", "is_active"]
    search_fields = ["name"]


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    raw_id_fields = ["product"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Read-only here: quotes change through their services (pricing, approval, audit)."""

    list_display = ["number", "revision", "opportunity", "state", "total", "currency"]
    list_filter = ["state", "special_price"]
    search_fields = ["number", "opportunity__number"]
    inlines = [QuoteLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "deadline", "state"]
    list_filter = ["state"]
    raw_id_fields = ["opportunity", "quote", "submitted_by"]
    readonly_fields = ["state"]


admin.site.register(BidSection)
admin.site.register(BidChecklistItem)
admin.site.register(DecisionChainMember)
admin.site.register(OpportunityCompetitor)
