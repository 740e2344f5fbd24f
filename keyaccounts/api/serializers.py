from rest_framework import serializers

from accounts.choices import Tier
from accounts.models import Customer, OrgUnit, User
from core.api.fields import DateField, MoneyField
from core.api.serializers import (
    ModelSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    WriteScopeMixin,
)
from core.choices import Currency
from opportunities.models import Opportunity

from ..choices import ActionStatus, Metric, PeriodKind, Split
from ..models import (
    AccountPlan,
    AccountProfile,
    Commitment,
    PlanAction,
    PlanningSettings,
    PlanTarget,
    PurchaseDriver,
    RenewalLink,
    SalesTarget,
    TargetAdjustment,
    TierChange,
    TierCriteria,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


def money(**kwargs):
    return serializers.DecimalField(**MONEY, **kwargs)


class PlanningSettingsSerializer(ScopedModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = PlanningSettings
        fields = [
            "id",
            "org_unit",
            "currency",
            "high_potential_amount",
            "strong_relationship_level",
            "coverage_ratio",
            "renewal_lead_days",
            "version",
        ]


class TierCriteriaSerializer(ScopedModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = TierCriteria
        fields = [
            "id",
            "name",
            "org_unit",
            "product_line",
            "currency",
            "lookback_days",
            "match",
            "strategic_min_revenue",
            "strategic_min_share_pct",
            "strategic_min_potential",
            "strategic_min_value",
            "key_min_revenue",
            "key_min_share_pct",
            "key_min_potential",
            "key_min_value",
            "is_active",
            "version",
        ]


class PurchaseDriverSerializer(ScopedModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(), source="profile.customer"
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = PurchaseDriver
        fields = [
            "id",
            "customer",
            "name",
            "product_line",
            "volume",
            "unit",
            "amount_per_unit",
            "currency",
            "expected_amount",
            "notes",
            "version",
        ]
        read_only_fields = ["expected_amount"]
        extra_kwargs = {"currency": {"required": False}}


class AccountProfileSerializer(ScopedModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    tier = serializers.ChoiceField(source="customer.tier", choices=Tier.choices, read_only=True)
    drivers = PurchaseDriverSerializer(many=True, read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = AccountProfile
        fields = [
            "id",
            "customer",
            "customer_name",
            "tier",
            "relationship_stage",
            "relationship_level",
            "strategic_value",
            "currency",
            "potential_amount",
            "quadrant",
            "intelligence",
            "tier_override",
            "tier_override_reason",
            "tier_override_by",
            "tier_basis",
            "tier_evaluated_at",
            "drivers",
            "version",
        ]
        read_only_fields = [
            "customer",
            "currency",
            "potential_amount",
            "quadrant",
            "tier_override",
            "tier_override_reason",
            "tier_override_by",
            "tier_basis",
            "tier_evaluated_at",
        ]


class TierOverrideSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    reason = serializers.CharField(max_length=2000)


class TierOverrideClearSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TierChangeSerializer(ModelSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = TierChange
        fields = ["id", "customer", "from_tier", "to_tier", "source", "reason", "by", "basis", "at"]
        read_only_fields = fields


class SeatSerializer(serializers.Serializer):
    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.__str__")


class PlanTargetSerializer(ScopedModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(queryset=AccountPlan.objects.all())

    class Meta:
        model = PlanTarget
        fields = ["id", "plan", "product_line", "target_amount", "floor_amount"]
        validators = []  # posting a product line that exists changes it


class PlanActionSerializer(ScopedModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(queryset=AccountPlan.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "plan",
            "title",
            "product_line",
            "owner",
            "due_on",
            "floor_target",
            "floor_amount",
            "status",
            "done_at",
            "version",
        ]
        read_only_fields = ["status", "done_at"]


class PlanActionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionStatus.choices)


class AccountPlanSerializer(ScopedModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    sr = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        write_only=True,
    )
    fr = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        write_only=True,
    )
    team = SeatSerializer(source="team.members.all", many=True, read_only=True)
    targets = PlanTargetSerializer(many=True, read_only=True)
    actions = PlanActionSerializer(many=True, read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "customer",
            "name",
            "starts_on",
            "ends_on",
            "owner",
            "org_unit",
            "currency",
            "strategy",
            "sr",
            "fr",
            "team",
            "targets",
            "actions",
            "version",
        ]
        read_only_fields = ["org_unit"]
        validators = []  # the service names the field at fault


class ProductPerformanceSerializer(serializers.Serializer):
    product_line = serializers.CharField()
    target = money()
    floor = money()
    actual = money()
    attainment_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    floor_met = serializers.BooleanField()


class PlanPerformanceSerializer(serializers.Serializer):
    products = ProductPerformanceSerializer(many=True)
    target_total = money()
    floor_total = money()
    orders = money()
    attainment_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    revenue = money()
    collections = money()
    actions = serializers.DictField(child=serializers.IntegerField())


class SalesTargetSerializer(ScopedModelSerializer):
    months = serializers.SerializerMethodField()
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = SalesTarget
        fields = [
            "id",
            "year",
            "metric",
            "org_unit",
            "user",
            "currency",
            "amount",
            "months",
            "note",
            "version",
        ]
        read_only_fields = fields

    def get_months(self, obj) -> list[str]:
        return [str(m.amount) for m in obj.months.all()]


class SalesTargetCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = SalesTarget

    year = serializers.IntegerField(min_value=2000, max_value=2100)
    metric = serializers.ChoiceField(choices=Metric.choices)
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    currency = serializers.ChoiceField(choices=Currency.choices, default="CNY")
    amount = MoneyField(required=False, allow_null=True)
    split = serializers.ChoiceField(choices=Split.choices, default=Split.EVEN)
    quarter_weights = serializers.ListField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0),
        required=False,
        min_length=4,
        max_length=4,
    )
    months = serializers.ListField(
        child=money(min_value=0), required=False, min_length=12, max_length=12
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate(self, attrs):
        if not attrs.get("org_unit") and not attrs.get("user"):
            raise serializers.ValidationError({"org_unit": ["Give an org unit or a person."]})
        return attrs


class TargetAdjustSerializer(serializers.Serializer):
    months = serializers.DictField(child=money(min_value=0), allow_empty=False)
    reason = serializers.CharField(max_length=2000)

    def validate_months(self, value):
        try:
            return {int(k): v for k, v in value.items()}
        except (TypeError, ValueError):
            raise serializers.ValidationError("Months are numbered 1 to 12.") from None


class TargetAdjustmentSerializer(ModelSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = TargetAdjustment
        fields = ["id", "target", "reason", "changes", "amount_before", "amount_after", "by", "at"]
        read_only_fields = fields


class FigureSerializer(serializers.Serializer):
    target = money()
    actual = money()
    attainment_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class MonthFigureSerializer(FigureSerializer):
    month = serializers.IntegerField()
    cumulative_target = money()
    cumulative_actual = money()


class QuarterFigureSerializer(FigureSerializer):
    quarter = serializers.IntegerField()


class AttainmentSerializer(serializers.Serializer):
    months = MonthFigureSerializer(many=True)
    quarters = QuarterFigureSerializer(many=True)
    year = FigureSerializer()


class CoverageSerializer(serializers.Serializer):
    target = serializers.IntegerField(source="target.pk")
    year = serializers.IntegerField(source="target.year")
    org_unit = serializers.IntegerField(source="target.org_unit_id")
    org_unit_name = serializers.CharField(source="target.org_unit.name")
    user = serializers.IntegerField(source="target.user_id", allow_null=True)
    user_name = serializers.SerializerMethodField()
    currency = serializers.CharField(source="target.currency")
    period_start = DateField()
    period_end = DateField()
    period_target = money()
    actual = money()
    remaining = money()
    pipeline = money()
    weighted_pipeline = money()
    coverage = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    required = serializers.DecimalField(max_digits=5, decimal_places=2)
    gap = money()
    short = serializers.BooleanField()

    def get_user_name(self, row) -> str:
        return str(row["target"].user or "")


class CommitmentSerializer(ScopedModelSerializer):
    opportunities = ScopedPrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), many=True, required=False
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    actual = money(
        read_only=True, allow_null=True, help_text="Null where the figures were not computed."
    )
    accuracy_pct = serializers.DecimalField(
        max_digits=9, decimal_places=1, read_only=True, allow_null=True
    )
    closed = serializers.BooleanField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "user",
            "org_unit",
            "metric",
            "year",
            "period_kind",
            "period",
            "amount",
            "currency",
            "opportunities",
            "note",
            "actual",
            "accuracy_pct",
            "closed",
            "version",
        ]
        read_only_fields = ["org_unit"]
        # The service upserts on (person, measure, period, currency); no unique validator here.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        row = (self.context.get("figures") or {}).get(instance.pk)
        if row is not None:
            data["actual"] = str(row["actual"])
            data["accuracy_pct"] = None if row["accuracy_pct"] is None else str(row["accuracy_pct"])
            data["closed"] = row["closed"]
        for name in ("actual", "accuracy_pct", "closed"):  # one shape, as the schema says
            data.setdefault(name, None)
        return data


class AccuracySerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.__str__")
    currency = serializers.CharField()
    periods = serializers.IntegerField()
    committed = money()
    actual = money()
    accuracy_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class RenewalLinkSerializer(ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    opportunity_number = serializers.CharField(source="opportunity.number", read_only=True)
    ends_on = DateField(source="contract.ends_on", read_only=True)

    class Meta:
        model = RenewalLink
        fields = [
            "id",
            "contract",
            "contract_number",
            "ends_on",
            "opportunity",
            "opportunity_number",
            "created_at",
        ]
        read_only_fields = fields


class PeriodKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=PeriodKind.choices, **kwargs)
