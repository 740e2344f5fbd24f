"""Serializers of MO: opportunities, decision chain, competitors, catalogue, forecast and
win/loss reports (quotes and bids: `sales_serializers.py`). Related ids are scoped by the access
policy."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import IronTriangleMemberSerializer
from accounts.models import Contact, Customer, User
from core import fsm, policy
from core.api.fields import AMOUNT_HIDDEN, DateField
from core.api.serializers import (
    AvailableTransitionSerializer,
    ModelSerializer,
    RecordSerializer,
    RowSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    TransitionInputSerializer,
)
from leads.models import Lead
from opportunities.choices import Stage, WinLossReason
from opportunities.models import (
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
    PricingRule,
    Product,
    StageNorm,
    StageProbability,
)

_active_users = User.objects.filter(is_active=True)


def user_transitions(obj, user) -> list[dict]:
    """The transitions `user` may run on `obj` now, like `core.fsm.available_transitions`, but
    internal ones (run by gates) are skipped before their conditions are evaluated: a gated
    transition's guard reads the gate reviews, one query per row of a list otherwise."""
    found = []
    for name in fsm.transitions_of(type(obj)):
        meta = fsm.meta_of(obj, name)
        if meta is None or meta.custom.get("internal"):
            continue
        if not all(condition(obj) for condition in meta.conditions):
            continue
        if not meta.has_perm(obj, user):
            continue
        found.append(
            {
                "name": meta.name,
                "label": str(meta.custom.get("label") or meta.name.replace("_", " ")),
                "target": meta.target,
                "reason_required": bool(meta.custom.get("reason_required")),
                "confirm": bool(meta.custom.get("confirm")),
            }
        )
    return found


class OpportunitySerializer(RecordSerializer):
    team = IronTriangleMemberSerializer(source="team.members.all", many=True, read_only=True)
    weighted_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    days_in_stage = serializers.IntegerField(read_only=True)

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj) -> list[dict]:
        request = self.context.get("request")
        if request is None:
            return []
        changeable = self.context.get("changeable_ids")
        may_change = (
            policy.can(request.user, obj, "change") if changeable is None else obj.pk in changeable
        )
        return user_transitions(obj, request.user) if may_change else []

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "number",
            "name",
            "customer",
            "lead",
            "owner",
            "org_unit",
            "team",
            "partner",
            "description",
            "product_line",
            "amount",
            "currency",
            "margin_pct",
            "down_payment_pct",
            "payment_terms",
            "liability_cap_pct",
            "warranty_months",
            "expected_close_date",
            "forecast_category",
            "probability_pct",
            "weighted_amount",
            "state",
            "state_changed_at",
            "days_in_stage",
            "close_reason",
            "close_reason_code",
            "lost_to",
            "closed_at",
            "created_at",
            "updated_at",
            "custom",
            "version",
            "available_transitions",
        ]
        read_only_fields = [
            "number",
            "lead",
            "partner",
            "owner",
            "probability_pct",
            "state",
            "state_changed_at",
            "close_reason",
            "close_reason_code",
            "lost_to",
            "closed_at",
            "created_at",
            "updated_at",
            "version",
        ]
        extra_kwargs = {"org_unit": {"required": False}}


class OpportunityListSerializer(ModelSerializer):
    """A row of the opportunity list: what a list shows (no team, terms or transitions;
    `GET /opportunities/{id}/` has them). Reads only these columns."""

    needs_changeable_ids = False
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    weighted_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    version = serializers.IntegerField(read_only=True)
    days_in_stage = serializers.IntegerField(read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "number",
            "name",
            "customer",
            "customer_name",
            "owner",
            "org_unit",
            "product_line",
            "amount",
            "currency",
            "expected_close_date",
            "forecast_category",
            "probability_pct",
            "weighted_amount",
            "state",
            "state_changed_at",
            "days_in_stage",
            "closed_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    #: The columns the list reads (`QuerySet.only`).
    columns = [
        *(f for f in Meta.fields if f not in ("customer_name", "weighted_amount", "days_in_stage")),
        "customer__name",
    ]


class OpportunityCreateSerializer(OpportunitySerializer):
    sr = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True, write_only=True
    )
    fr = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True, write_only=True
    )

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "sr", "fr"]


class OpportunityTransitionSerializer(TransitionInputSerializer):
    reason_code = serializers.ChoiceField(
        choices=WinLossReason.choices,
        required=False,
        help_text="Why it was lost or abandoned (required for lose and abandon).",
    )
    lost_to = serializers.PrimaryKeyRelatedField(
        queryset=Competitor.objects.all(),
        required=False,
        allow_null=True,
        help_text="The competitor that won (lose only).",
    )


class CloseReasonSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=WinLossReason.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    lost_to = serializers.PrimaryKeyRelatedField(
        queryset=Competitor.objects.all(), required=False, allow_null=True, default=None
    )


class MoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)


class MoveResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["moved", "review_opened", "review_open", "none"])
    opportunity = OpportunitySerializer()
    review = serializers.IntegerField(allow_null=True)
    review_url = serializers.CharField(allow_blank=True)


class ConvertLeadSerializer(serializers.Serializer):
    lead = ScopedPrimaryKeyRelatedField(queryset=Lead.objects.all())
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    sr = serializers.PrimaryKeyRelatedField(queryset=_active_users, required=False, allow_null=True)
    fr = serializers.PrimaryKeyRelatedField(queryset=_active_users, required=False, allow_null=True)
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        help_text="Attach to this existing customer instead of creating one.",
    )
    allow_duplicate_customer = serializers.BooleanField(required=False, default=False)


class TeamSerializer(serializers.Serializer):
    ar = serializers.PrimaryKeyRelatedField(queryset=_active_users, required=False)
    sr = serializers.PrimaryKeyRelatedField(queryset=_active_users, required=False, allow_null=True)
    fr = serializers.PrimaryKeyRelatedField(queryset=_active_users, required=False, allow_null=True)
    members = serializers.PrimaryKeyRelatedField(queryset=_active_users, many=True, required=False)


# --- Forecast and reports ------------------------------------------------------------------------


class ForecastRowSerializer(serializers.Serializer):
    period = DateField(required=False, help_text="First day of the month or quarter.")
    currency = serializers.CharField()
    forecast_category = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    weighted_amount = serializers.DecimalField(max_digits=20, decimal_places=2)


class WinLossReasonRowSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="won, lost or abandoned")
    close_reason_code = serializers.CharField(allow_blank=True)
    reason_label = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)


class WinLossCompetitorRowSerializer(serializers.Serializer):
    competitor = serializers.IntegerField()
    name = serializers.CharField()
    met = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    lost_to = serializers.IntegerField()
    reasons = serializers.DictField(child=serializers.IntegerField())
    win_rate_pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class WinLossReportSerializer(serializers.Serializer):
    by_reason = WinLossReasonRowSerializer(many=True)
    by_competitor = WinLossCompetitorRowSerializer(many=True)


class OpportunityBoardCardSerializer(RowSerializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    customer = serializers.CharField(source="customer.name")
    owner = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text=AMOUNT_HIDDEN
    )
    currency = serializers.CharField()
    probability_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    expected_close_date = DateField(allow_null=True)
    has_open_review = serializers.BooleanField()


class BoardTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)


class OpportunityBoardColumnSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    more = serializers.IntegerField()
    totals = BoardTotalSerializer(many=True)
    cards = OpportunityBoardCardSerializer(many=True)


# --- Decision chain and competitors --------------------------------------------------------------


class NewContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class DecisionChainMemberSerializer(ScopedModelSerializer):
    contact = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    contact_title = serializers.CharField(source="contact.title", read_only=True)
    new_contact = NewContactSerializer(
        write_only=True, required=False, help_text="Create the person on the customer instead."
    )

    class Meta:
        model = DecisionChainMember
        fields = [
            "id",
            "opportunity",
            "contact",
            "contact_name",
            "contact_title",
            "new_contact",
            "role",
            "stance",
            "relationship",
            "coach_level",
            "reports_to",
            "notes",
            "version",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]
        validators = []  # the service reports a person already on the chain against `contact`


class DecisionChainMemberUpdateSerializer(DecisionChainMemberSerializer):
    class Meta(DecisionChainMemberSerializer.Meta):
        read_only_fields = ["opportunity", "contact", "version", "updated_at"]


class CompetitorSerializer(ModelSerializer):
    class Meta:
        model = Competitor
        fields = ["id", "name", "website", "notes", "is_active", "version"]
        read_only_fields = ["version"]


class OpportunityCompetitorSerializer(ScopedModelSerializer):
    competitor_name = serializers.CharField(source="competitor.name", read_only=True)

    class Meta:
        model = OpportunityCompetitor
        fields = [
            "id",
            "opportunity",
            "competitor",
            "competitor_name",
            "strengths",
            "weaknesses",
            "threat",
            "price_position",
            "is_incumbent",
            "notes",
            "version",
        ]
        read_only_fields = ["version"]
        validators = []  # the service reports a competitor already listed against `competitor`


class OpportunityCompetitorUpdateSerializer(OpportunityCompetitorSerializer):
    class Meta(OpportunityCompetitorSerializer.Meta):
        read_only_fields = ["opportunity", "competitor", "version"]


# --- Catalogue and configuration -----------------------------------------------------------------


class ProductSerializer(ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "product_line",
            "unit",
            "list_price",
            "cost",
            "currency",
            "tax_rate_pct",
            "is_active",
            "version",
        ]
        read_only_fields = ["version"]


class PricingRuleSerializer(ModelSerializer):
    class Meta:
        model = PricingRule
        fields = ["id", "org_unit", "role", "max_discount_pct", "approver", "is_active", "version"]
        read_only_fields = ["version"]


class StageProbabilitySerializer(ModelSerializer):
    class Meta:
        model = StageProbability
        fields = ["id", "org_unit", "stage", "probability_pct", "updated_at"]
        read_only_fields = ["updated_at"]
        validators = []  # posting an existing unit and stage replaces it (the service upserts)


class StageNormSerializer(ModelSerializer):
    class Meta:
        model = StageNorm
        fields = ["id", "stage", "norm_days", "gate_norm_days", "updated_at"]
        read_only_fields = ["stage", "updated_at"]
