"""Serializers of credit sharing's API."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import ScopedModelSerializer

from ..choices import CreditSeat, ReportGrouping
from ..models import CreditLine, CreditSplit, CreditSplitDefault


class CreditSplitDefaultSerializer(serializers.ModelSerializer):
    """The company's default split: AR, SR, FR and partner-manager shares summing to 100."""

    # null until an administrator first sets the split (the default is then the built-in one)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = CreditSplitDefault
        fields = ["ar_pct", "sr_pct", "fr_pct", "partner_pct", "version", "updated_at"]
        read_only_fields = ["version", "updated_at"]


class CreditShareSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)
    seat = serializers.ChoiceField(choices=CreditSeat.choices)
    pct = serializers.DecimalField(max_digits=5, decimal_places=2)


class CreditSplitSerializer(ScopedModelSerializer):
    """A deal's own split and where its approval stands."""

    shares = CreditShareSerializer(many=True, read_only=True)

    class Meta:
        model = CreditSplit
        fields = [
            "id",
            "opportunity",
            "shares",
            "reason",
            "state",
            "requested_by",
            "decided_at",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class CreditSplitCreateSerializer(serializers.Serializer):
    """Ask for a deal's own split. Each share names a person, their seat (ar, sr, fr: they
    hold it on the deal; partner: the deal's partner manager; other: a colleague you may put
    on the deal) and a percentage; the shares add up to exactly 100."""

    opportunity = serializers.IntegerField(min_value=1)
    shares = serializers.ListField(child=serializers.DictField(), allow_empty=True)
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class CreditLineSerializer(ScopedModelSerializer):
    """One person's credit from one event (negative on a reversal line)."""

    class Meta:
        model = CreditLine
        fields = [
            "id",
            "kind",
            "contract",
            "person",
            "org_unit",
            "seat",
            "pct",
            "amount",
            "currency",
            "credited_on",
            "reversal",
            "event",
        ]
        read_only_fields = fields


class IncentiveRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(help_text="The person's or org unit's id.")
    name = serializers.CharField()
    unit = serializers.CharField()
    target_orders = serializers.DecimalField(max_digits=18, decimal_places=2)
    credited_orders = serializers.DecimalField(max_digits=18, decimal_places=2)
    orders_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    target_cash = serializers.DecimalField(max_digits=18, decimal_places=2)
    credited_cash = serializers.DecimalField(max_digits=18, decimal_places=2)
    cash_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class IncentiveReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    grouping = serializers.ChoiceField(choices=ReportGrouping.choices)
    currency = serializers.CharField()
    org_unit = serializers.IntegerField(allow_null=True)
    rows = IncentiveRowSerializer(many=True)
