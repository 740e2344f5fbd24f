"""Serializers of rebates and channel reports."""

from __future__ import annotations

from rest_framework import serializers

from core.api import fields
from core.api.serializers import (
    RecordSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    WriteScopeMixin,
)
from partners.models import PartnerAgreement

from ..choices import RebateBasis, RebateMeasure, RebatePeriod, SettlementMethod
from ..models import RebateAccrual, RebateScheme, RebateStatement, RebateTier


class RebateTierSerializer(serializers.ModelSerializer):
    lower = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    upper = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    rate_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    fixed_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = RebateTier
        fields = ["lower", "upper", "rate_pct", "fixed_amount"]


class RebateSchemeSerializer(ScopedModelSerializer):
    partner = serializers.IntegerField(source="agreement.partner_id", read_only=True)
    partner_name = serializers.CharField(source="agreement.partner.name", read_only=True)
    year = serializers.IntegerField(source="agreement.year", read_only=True)
    currency = serializers.CharField(source="agreement.currency", read_only=True)
    tiers = RebateTierSerializer(many=True, read_only=True)

    class Meta:
        model = RebateScheme
        fields = [
            *("id", "agreement", "partner", "partner_name", "year", "currency", "name"),
            *("measure", "period", "basis", "notes", "tiers", "created_at", "version"),
        ]
        read_only_fields = fields


class RebateSchemeWriteSerializer(WriteScopeMixin, serializers.Serializer):
    """A scheme and its tiers, [from, to) each with a rate (%) or a fixed amount; the tiers
    are checked together (no overlap, no gap) by the service."""

    scope_model = RebateScheme

    agreement = ScopedPrimaryKeyRelatedField(queryset=PartnerAgreement.objects.all())
    name = serializers.CharField(max_length=200)
    measure = serializers.ChoiceField(choices=RebateMeasure.choices, default=RebateMeasure.VOLUME)
    period = serializers.ChoiceField(choices=RebatePeriod.choices, default=RebatePeriod.QUARTER)
    basis = serializers.ChoiceField(choices=RebateBasis.choices, default=RebateBasis.BOOKED)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    tiers = RebateTierSerializer(many=True, allow_empty=False)


class RebateSchemeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    measure = serializers.ChoiceField(choices=RebateMeasure.choices, required=False)
    period = serializers.ChoiceField(choices=RebatePeriod.choices, required=False)
    basis = serializers.ChoiceField(choices=RebateBasis.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    tiers = RebateTierSerializer(many=True, allow_empty=False, required=False)


class RebateAccrualSerializer(serializers.ModelSerializer):
    period_start = serializers.DateField(source="period.period_start", read_only=True)
    volume = fields.MoneyField(read_only=True)
    amount = fields.MoneyField(read_only=True)
    is_adjustment = serializers.BooleanField(read_only=True)

    class Meta:
        model = RebateAccrual
        fields = [
            *("id", "source", "kind", "period", "period_start", "statement", "occurred_on"),
            *("reference", "currency", "volume", "amount", "is_adjustment", "created_at"),
        ]
        read_only_fields = fields


class RebateStatementSerializer(RecordSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    volume = fields.MoneyField(read_only=True)
    base_volume = fields.MoneyField(read_only=True, allow_null=True)
    rebate = fields.MoneyField(read_only=True)
    amount = fields.MoneyField(read_only=True)

    class Meta:
        model = RebateStatement
        fields = [
            *("id", "partner", "partner_name", "scheme", "period_start", "period_end"),
            *("currency", "volume", "base_volume", "rebate", "amount", "state"),
            *("issued_at", "settled_at", "settled_by", "settlement_method"),
            *("settlement_reference", "created_at", "version", "available_transitions"),
        ]
        read_only_fields = fields


class RebateStatementDetailSerializer(RebateStatementSerializer):
    lines = RebateAccrualSerializer(many=True, read_only=True)

    class Meta(RebateStatementSerializer.Meta):
        fields = [*RebateStatementSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class SettleSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=SettlementMethod.choices)
    reference = serializers.CharField(max_length=100)


# --- Reports ----------------------------------------------------------------------------------


class _PartnerRow(serializers.Serializer):
    partner = serializers.IntegerField(allow_null=True)
    partner_name = serializers.CharField()
    tier = serializers.CharField()


class PipelineRowSerializer(_PartnerRow):
    currency = serializers.CharField()
    open_count = serializers.IntegerField()
    open_amount = fields.MoneyField()
    won_count = serializers.IntegerField()
    won_amount = fields.MoneyField()
    booked_amount = fields.MoneyField()
    cash_amount = fields.MoneyField()


class ConversionRowSerializer(_PartnerRow):
    submitted = serializers.IntegerField()
    approved = serializers.IntegerField()
    converted = serializers.IntegerField()
    won = serializers.IntegerField()
    conversion_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class AttainmentRowSerializer(_PartnerRow):
    currency = serializers.CharField()
    target_amount = fields.MoneyField()
    booked_amount = fields.MoneyField()
    attainment_pct = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class LiabilityRowSerializer(_PartnerRow):
    currency = serializers.CharField()
    accrued_amount = fields.MoneyField()
    settled_amount = fields.MoneyField()
    liability_amount = fields.MoneyField()
