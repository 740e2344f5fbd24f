"""Key-account management in the admin: readable, never editable. Settings, criteria, plans,
targets and commitments are written through the app's pages and services (which check the
viewer's scope, keep the version and audit every change); tier changes, target months and
adjustments are history, and renewal links and the funnel rollup are derived (by the tier
recompute, the renewal task and the Celery beat refresh)."""

from django.contrib import admin

from .models import (
    AccountPlan,
    AccountProfile,
    Commitment,
    FunnelRollup,
    PlanAction,
    PlanningSettings,
    PlanTarget,
    PurchaseDriver,
    RenewalLink,
    SalesTarget,
    TargetAdjustment,
    TargetMonth,
    TierChange,
    TierCriteria,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written through the app's services only; here it can be read."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Tiering -------------------------------------------------------------------------------


@admin.register(PlanningSettings)
class PlanningSettingsAdmin(ReadOnlyAdmin):
    list_display = [
        "org_unit",
        "currency",
        "high_potential_amount",
        "strong_relationship_level",
        "coverage_ratio",
        "renewal_lead_days",
    ]
    raw_id_fields = ["org_unit"]


@admin.register(TierCriteria)
class TierCriteriaAdmin(ReadOnlyAdmin):
    list_display = ["name", "org_unit", "product_line", "currency", "match", "is_active"]
    list_filter = ["is_active", "match", "currency"]
    search_fields = ["name", "product_line"]
    raw_id_fields = ["org_unit"]


class PurchaseDriverInline(ReadOnlyInline):
    model = PurchaseDriver
    fields = ["name", "product_line", "volume", "unit", "amount_per_unit", "expected_amount"]


@admin.register(AccountProfile)
class AccountProfileAdmin(ReadOnlyAdmin):
    list_display = [
        "customer",
        "relationship_stage",
        "relationship_level",
        "strategic_value",
        "potential_amount",
        "quadrant",
        "tier_override",
    ]
    list_filter = ["quadrant", "relationship_stage", "tier_override"]
    search_fields = ["customer__name"]
    raw_id_fields = ["customer", "tier_override_by"]
    inlines = [PurchaseDriverInline]


@admin.register(PurchaseDriver)
class PurchaseDriverAdmin(ReadOnlyAdmin):
    list_display = ["name", "profile", "product_line", "volume", "unit", "expected_amount"]
    search_fields = ["name", "profile__customer__name"]
    raw_id_fields = ["profile"]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["customer", "from_tier", "to_tier", "source", "by", "at"]
    list_filter = ["source", "to_tier"]
    search_fields = ["customer__name"]
    raw_id_fields = ["customer", "by"]
    date_hierarchy = "at"


# --- Account plans -------------------------------------------------------------------------


class PlanTargetInline(ReadOnlyInline):
    model = PlanTarget
    fields = ["product_line", "target_amount", "floor_amount"]


class PlanActionInline(ReadOnlyInline):
    model = PlanAction
    fields = ["title", "product_line", "owner", "due_on", "status", "done_at"]


@admin.register(AccountPlan)
class AccountPlanAdmin(ReadOnlyAdmin):
    list_display = ["name", "customer", "starts_on", "ends_on", "owner", "org_unit", "currency"]
    list_filter = ["currency"]
    search_fields = ["name", "customer__name"]
    raw_id_fields = ["customer", "owner", "org_unit", "team"]
    inlines = [PlanTargetInline, PlanActionInline]


@admin.register(PlanTarget)
class PlanTargetAdmin(ReadOnlyAdmin):
    list_display = ["plan", "product_line", "target_amount", "floor_amount"]
    search_fields = ["plan__name", "product_line"]
    raw_id_fields = ["plan"]


@admin.register(PlanAction)
class PlanActionAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "owner", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["title", "plan__name"]
    raw_id_fields = ["plan", "owner"]


# --- Targets and commitments ---------------------------------------------------------------


class TargetMonthInline(ReadOnlyInline):
    model = TargetMonth
    fields = ["month", "amount"]


class TargetAdjustmentInline(ReadOnlyInline):
    model = TargetAdjustment
    fields = ["at", "by", "reason", "amount_before", "amount_after"]


@admin.register(SalesTarget)
class SalesTargetAdmin(ReadOnlyAdmin):
    list_display = ["year", "metric", "org_unit", "user", "amount", "currency"]
    list_filter = ["year", "metric", "currency"]
    raw_id_fields = ["org_unit", "user"]
    inlines = [TargetMonthInline, TargetAdjustmentInline]


@admin.register(TargetMonth)
class TargetMonthAdmin(ReadOnlyAdmin):
    list_display = ["target", "month", "amount"]
    raw_id_fields = ["target"]


@admin.register(TargetAdjustment)
class TargetAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["target", "reason", "amount_before", "amount_after", "by", "at"]
    raw_id_fields = ["target", "by"]
    date_hierarchy = "at"


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "org_unit", "metric", "year", "period_kind", "period", "amount"]
    list_filter = ["year", "metric", "period_kind"]
    raw_id_fields = ["user", "org_unit"]


# --- Derived: renewals and the funnel rollup -----------------------------------------------


@admin.register(RenewalLink)
class RenewalLinkAdmin(ReadOnlyAdmin):
    list_display = ["contract", "opportunity", "created_at"]
    raw_id_fields = ["contract", "opportunity"]


@admin.register(FunnelRollup)
class FunnelRollupAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "org_unit",
        "currency",
        "product_line",
        "month",
        "state",
        "count",
        "amount",
        "refreshed_at",
    ]
    list_filter = ["kind", "currency", "state"]
