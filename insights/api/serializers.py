from __future__ import annotations

from rest_framework import serializers

from opportunities.models import Opportunity


class FlowArrowSerializer(serializers.Serializer):
    from_node = serializers.CharField()
    to_node = serializers.CharField()
    kind = serializers.ChoiceField(["forward", "reversed", "rework", "escalation", "lost"])
    deals = serializers.IntegerField(help_text="Deals that took the arrow.")
    times = serializers.IntegerField(help_text="Times it was taken (a loop counts each time).")
    won = serializers.IntegerField(help_text="Of those deals, the ones won in the end.")
    conversion = serializers.FloatField(allow_null=True, help_text="won / deals, in %.")
    median = serializers.FloatField(allow_null=True, help_text="Median seconds on the arrow.")
    p90 = serializers.FloatField(allow_null=True, help_text="90th percentile, seconds.")


class FlowNodeSerializer(serializers.Serializer):
    from_node = serializers.CharField(help_text="A stage, a gate or a gate's outcome.")
    deals = serializers.IntegerField()
    times = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True, help_text="Median seconds in the node.")
    p90 = serializers.FloatField(allow_null=True)


class FlowPathSerializer(serializers.Serializer):
    nodes = serializers.ListField(child=serializers.CharField())
    deals = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField(help_text="Lost or abandoned.")
    conversion = serializers.FloatField(help_text="won / deals, in %.")


class FlowLostSerializer(serializers.Serializer):
    left_from = serializers.CharField(help_text="The node a lost deal left from.")
    outcome = serializers.CharField()
    deals = serializers.IntegerField()


class GateFlowSerializer(serializers.Serializer):
    arrows = FlowArrowSerializer(many=True)
    nodes = FlowNodeSerializer(many=True)
    paths = FlowPathSerializer(many=True)
    lost = FlowLostSerializer(many=True)
    refreshed_at = serializers.DateTimeField(allow_null=True, help_text="The rollup's age.")


class FlowDealSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.name", read_only=True)
    org_unit = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", "number", "name", "state", "customer", "org_unit"]
        read_only_fields = fields


class WinFactorSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The factor, in the caller's language.")
    value = serializers.CharField(help_text="The deal's value of it, formatted.")
    raises = serializers.BooleanField(help_text="Whether it raises the chance (else lowers).")
    sentence = serializers.CharField()


class WinPredictionSerializer(serializers.Serializer):
    opportunity = serializers.IntegerField()
    stage_probability = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="The rep's own figure: the stage's probability."
    )
    probability = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Learned from the company's closed deals, in %; null without a model.",
    )
    model_version = serializers.IntegerField(allow_null=True)
    predicted_at = serializers.DateTimeField(allow_null=True)
    factors = WinFactorSerializer(many=True, help_text="The strongest factors, strongest first.")


class CalibrationBinSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    deals = serializers.IntegerField()
    predicted = serializers.FloatField(help_text="Mean predicted win probability (0-1).")
    observed = serializers.FloatField(help_text="Share of those held-out deals won (0-1).")


class WinModelSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["none", "trained", "fallback"])
    in_force = serializers.BooleanField()
    version = serializers.IntegerField(required=False)
    trained_at = serializers.DateTimeField(required=False)
    algorithm = serializers.CharField(required=False)
    n_closed = serializers.IntegerField(required=False)
    n_won = serializers.IntegerField(required=False)
    n_train = serializers.IntegerField(required=False)
    n_test = serializers.IntegerField(required=False)
    auc = serializers.FloatField(required=False, allow_null=True)
    brier = serializers.FloatField(required=False, allow_null=True)
    seconds = serializers.FloatField(required=False)
    predictions = serializers.IntegerField(required=False)
    calibration = CalibrationBinSerializer(many=True)
