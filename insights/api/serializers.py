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
