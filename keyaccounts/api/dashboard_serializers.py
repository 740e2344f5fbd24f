"""Response shapes of the dashboards and the revenue history (for the OpenAPI schema)."""

from rest_framework import serializers

from core.api.exchange_rates import ConvertedTotalSerializer
from core.api.fields import DateField, DateTimeField

PCT = {"max_digits": 9, "decimal_places": 1, "allow_null": True}
DAYS = {"max_digits": 9, "decimal_places": 1, "allow_null": True}


def money():
    return serializers.DecimalField(max_digits=18, decimal_places=2)


class StageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()


class WeightedStageSerializer(StageSerializer):
    weighted = money()


class ConversionSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    next_stage = serializers.CharField()
    next_label = serializers.CharField()
    reached = serializers.IntegerField()
    advanced = serializers.IntegerField()
    conversion_pct = serializers.DecimalField(**PCT)


class StageAgeingSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    open = serializers.IntegerField()
    avg_days_in_stage = serializers.DecimalField(**DAYS)
    max_days_in_stage = serializers.DecimalField(**DAYS)
    over_30_days = serializers.IntegerField()
    left = serializers.IntegerField()
    avg_days_before_leaving = serializers.DecimalField(**DAYS)


class WinsSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    won_amount = money()
    closed_amount = money()
    win_rate_pct = serializers.DecimalField(**PCT)
    win_rate_amount_pct = serializers.DecimalField(**PCT)
    avg_cycle_days = serializers.DecimalField(**DAYS)


class GateOutcomeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    state = serializers.CharField()
    count = serializers.IntegerField()
    escalated = serializers.IntegerField()


class ProbabilitySerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    probability = serializers.DecimalField(max_digits=5, decimal_places=2)


class FiltersSerializer(serializers.Serializer):
    date_from = DateField()
    date_to = DateField()
    org_unit = serializers.IntegerField(allow_null=True)
    product_line = serializers.CharField()
    currency = serializers.CharField()


class FunnelConvertedSerializer(serializers.Serializer):
    """The cohort across every currency, converted into one (ADR 30)."""

    amount = ConvertedTotalSerializer()
    weighted = ConvertedTotalSerializer(help_text="The open deals' weighted amount.")


class FunnelSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    converted = FunnelConvertedSerializer()
    stages = StageSerializer(many=True)
    conversion = ConversionSerializer(many=True)
    ageing = StageAgeingSerializer(many=True)
    wins = WinsSerializer()
    gates = GateOutcomeSerializer(many=True)
    probabilities = ProbabilitySerializer(many=True)
    as_of = DateTimeField(
        allow_null=True,
        help_text="When the figures were rolled up (refreshed every few minutes); null when "
        "they were aggregated live for this request.",
    )


class ClosingSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()
    weighted = money()


class DueActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = DateField()
    plan = serializers.IntegerField(source="plan_id")
    customer = serializers.CharField(source="plan.customer.name")


class LateDealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    expected_close_date = DateField()
    amount = money()


class WaitingReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()


class OverdueMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    contract = serializers.CharField(source="contract.number")
    due_date = DateField()
    outstanding = money()


class RepSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    person = serializers.IntegerField(allow_null=True)
    stages = WeightedStageSerializer(many=True)
    closing = ClosingSerializer(many=True)
    actions = DueActionSerializer(many=True)
    late_deals = LateDealSerializer(many=True)
    reviews = WaitingReviewSerializer(many=True)
    overdue_milestones = OverdueMilestoneSerializer(many=True)


class AssessmentCountSerializer(serializers.Serializer):
    kind = serializers.CharField(source="review__kind")
    verdict = serializers.CharField()
    count = serializers.IntegerField()
    avg_confidence = serializers.FloatField(allow_null=True)


class PresalesSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    person = serializers.IntegerField(allow_null=True)
    stages = StageSerializer(many=True)
    closed = serializers.IntegerField()
    won = serializers.IntegerField()
    won_amount = money()
    win_rate_pct = serializers.DecimalField(**PCT)
    assessments = AssessmentCountSerializer(many=True)


class CollectedMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    collected = money()
    target = money()
    attainment_pct = serializers.DecimalField(**PCT)


class CollectionsAgeingBucketSerializer(serializers.Serializer):
    bucket = serializers.CharField()
    count = serializers.IntegerField()
    outstanding = money()


class DueInPeriodSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    outstanding = money()


class TopOverdueSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    name = serializers.CharField()
    overdue = money()
    count = serializers.IntegerField()


class CollectionsSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    months = CollectedMonthSerializer(many=True)
    collected_total = money()
    target_total = money()
    ageing = CollectionsAgeingBucketSerializer(many=True)
    due_in_period = DueInPeriodSerializer()
    top_overdue = TopOverdueSerializer(many=True)


class RetentionRowSerializer(serializers.Serializer):
    period = serializers.CharField()
    revenue = money()
    recurring = money()
    new = money()
    churned = money()
    cumulative = money()


class RetentionCustomerSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    name = serializers.CharField()
    periods = RetentionRowSerializer(many=True)


class RetentionSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    periods = serializers.ListField(child=serializers.CharField())
    totals = RetentionRowSerializer(many=True)
    customers = RetentionCustomerSerializer(many=True)
    truncated = serializers.BooleanField()


class QuadrantSerializer(serializers.Serializer):
    quadrant = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    potential = money()
