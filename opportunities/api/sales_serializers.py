"""Serializers of quotes (CPQ-lite, special-price approval) and bids. Related ids are scoped by
the access policy."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import (
    ModelSerializer,
    RecordSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
)
from opportunities.choices import BidSectionStatus, QuoteDecision
from opportunities.models import Bid, BidChecklistItem, BidSection, Product, Quote, QuoteLine

from .serializers import _active_users

# --- Quotes ---------------------------------------------------------------------------------------


class QuoteLineSerializer(ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)

    class Meta:
        model = QuoteLine
        fields = [
            "id",
            "position",
            "product",
            "product_code",
            "description",
            "quantity",
            "unit_list_price",
            "discount_pct",
            "unit_price",
            "tax_rate_pct",
            "list_amount",
            "net_amount",
            "tax_amount",
            "unit_cost",
            "cost_amount",
        ]
        read_only_fields = fields


class QuoteLineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    discount_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, default=0
    )
    description = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )


class QuoteSerializer(RecordSerializer):
    lines = QuoteLineSerializer(many=True, read_only=True)
    may_approve = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "opportunity",
            "revision",
            "state",
            "currency",
            "valid_until",
            "notes",
            "lines",
            "list_total",
            "discount_pct",
            "max_line_discount_pct",
            "net_total",
            "tax_total",
            "total",
            "cost_total",
            "margin_amount",
            "margin_pct",
            "special_price",
            "authority_discount_pct",
            "justification",
            "created_by",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "may_approve",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = [f for f in fields if f not in ("valid_until", "notes")]

    def get_may_approve(self, obj) -> bool:
        from opportunities.choices import QuoteState
        from opportunities.pricing import may_approve_quote

        request = self.context.get("request")
        return bool(
            request
            and obj.state == QuoteState.PENDING_APPROVAL
            and may_approve_quote(request.user, obj)
        )


class QuoteWriteSerializer(ScopedModelSerializer):
    lines = QuoteLineInputSerializer(many=True, required=False)

    class Meta:
        model = Quote
        fields = ["opportunity", "valid_until", "notes", "lines"]


class QuoteUpdateSerializer(QuoteWriteSerializer):
    class Meta(QuoteWriteSerializer.Meta):
        read_only_fields = ["opportunity"]


class QuoteSubmitSerializer(serializers.Serializer):
    justification = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text="Why this price: required when a discount is beyond your authority.",
    )


class QuoteDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=QuoteDecision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


# --- Bids -----------------------------------------------------------------------------------------


class BidSectionSerializer(ScopedModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True
    )
    owner_name = serializers.CharField(source="owner", read_only=True, default="")

    class Meta:
        model = BidSection
        fields = [
            "id",
            "bid",
            "kind",
            "owner",
            "owner_name",
            "status",
            "due_at",
            "notes",
            "completed_at",
            "version",
        ]
        read_only_fields = ["bid", "kind", "completed_at", "version"]
        extra_kwargs = {"status": {"choices": BidSectionStatus.choices}}


class BidChecklistItemSerializer(ScopedModelSerializer):
    class Meta:
        model = BidChecklistItem
        fields = ["id", "bid", "position", "text", "required", "done", "done_by", "done_at"]
        read_only_fields = ["position", "done", "done_by", "done_at"]  # ticked by `check/`


class BidChecklistCheckSerializer(serializers.Serializer):
    done = serializers.BooleanField()


class BidSerializer(RecordSerializer):
    sections = BidSectionSerializer(many=True, read_only=True)
    checklist = BidChecklistItemSerializer(many=True, read_only=True)
    readiness = serializers.SerializerMethodField()
    bid_office = serializers.PrimaryKeyRelatedField(
        queryset=_active_users,
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Who assembles the bid (defaults to the AR); must be on the team.",
    )
    quote = ScopedPrimaryKeyRelatedField(
        queryset=Quote.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Bid
        fields = [
            "id",
            "opportunity",
            "tender_reference",
            "deadline",
            "quote",
            "bid_office",
            "state",
            "sections",
            "checklist",
            "readiness",
            "submitted_at",
            "submitted_by",
            "submission_notes",
            "version",
            "available_transitions",
        ]
        read_only_fields = [
            "state",
            "submitted_at",
            "submitted_by",
            "submission_notes",
            "version",
        ]
        # The service reports a second bid against `opportunity`, also to a concurrent one.
        extra_kwargs = {"opportunity": {"validators": []}}

    @extend_schema_field(
        serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    )
    def get_readiness(self, obj) -> dict:
        from opportunities.services import bid_readiness

        return bid_readiness(obj)


class BidUpdateSerializer(BidSerializer):
    class Meta(BidSerializer.Meta):
        read_only_fields = [*BidSerializer.Meta.read_only_fields, "opportunity"]


class BidSubmitSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
