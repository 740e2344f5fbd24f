from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.choices import Industry
from accounts.models import User
from core import hooks
from core.api.fields import CleanedCharField
from core.api.serializers import (
    AvailableTransitionSerializer,
    ModelSerializer,
    RecordSerializer,
    ScopedModelSerializer,
)
from core.validators import clean_email, clean_phone
from leads.models import DistributionRule, Lead, LeadCaptureSource, LeadQualificationPolicy


class RecordActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class ScorePartSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    max = serializers.IntegerField()
    basis = serializers.JSONField(help_text="What the points were given for.")


class ScoreBreakdownSerializer(serializers.Serializer):
    bant = ScorePartSerializer(required=False)
    source = ScorePartSerializer(required=False)
    tier = ScorePartSerializer(required=False)
    amount = ScorePartSerializer(required=False)
    activity = ScorePartSerializer(required=False)


class LeadSerializer(RecordSerializer):
    company = serializers.CharField(read_only=True)
    actions = serializers.SerializerMethodField()
    score_breakdown = ScoreBreakdownSerializer(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "customer",
            "company_name",
            "company",
            "contact",
            "contact_name",
            "contact_phone",
            "contact_email",
            "need",
            "product_interest",
            "region",
            "industry",
            "estimated_amount",
            "currency",
            "expected_close_date",
            "source",
            "source_detail",
            "buying_pattern",
            "budget_confirmed",
            "budget_amount",
            "authority_identified",
            "need_confirmed",
            "timeline_confirmed",
            "owner",
            "org_unit",
            "state",
            "disqualify_reason",
            "score",
            "score_breakdown",
            "last_activity_at",
            "converted_at",
            "duplicate_of",
            "merged_into",
            "merged_at",
            "created_at",
            "updated_at",
            "custom",
            "version",
            "available_transitions",
            "actions",
        ]
        read_only_fields = [
            "state",
            "disqualify_reason",
            "score",
            "score_breakdown",
            "last_activity_at",
            "converted_at",
            "duplicate_of",
            "merged_into",
            "merged_at",
            "created_at",
            "updated_at",
            "version",
        ]
        extra_kwargs = {"org_unit": {"required": False}}

    @extend_schema_field(RecordActionSerializer(many=True))
    def get_actions(self, obj) -> list[dict]:
        """Steps later stages offer on this lead (e.g. conversion to an opportunity)."""
        request = self.context.get("request")
        if request is None or self.context.get("changeable_ids") is not None:
            return []  # detail only: keeps list pages free of per-row queries
        return hooks.actions_for(obj, request.user)


class LeadCreateSerializer(LeadSerializer):
    allow_duplicate = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text=(
            "Create even though an open lead of this company has this contact phone or e-mail "
            "(the new lead is filed as its `duplicate_of`)."
        ),
    )

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "allow_duplicate"]


class LeadMergeSerializer(serializers.Serializer):
    source = serializers.IntegerField(
        min_value=1,
        help_text="The duplicate open lead to merge into this one; it ends in state merged.",
    )


class LeadListSerializer(ModelSerializer):
    """A row of the lead list: what a list shows (no need text, score breakdown, contact
    details or transitions; `GET /leads/{id}/` has them). Reads only these columns."""

    needs_changeable_ids = False
    company = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "customer",
            "company",
            "owner",
            "org_unit",
            "state",
            "score",
            "estimated_amount",
            "currency",
            "expected_close_date",
            "source",
            "last_activity_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    #: The columns the list reads (`QuerySet.only`), the customer's name for `company`.
    columns = [
        *(f for f in Meta.fields if f not in ("company", "customer")),
        "customer__name",
        "company_name",
    ]


class LeadAssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        help_text="The new owner; null puts the lead back into its team's pool.",
    )


class LeadDistributeSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Give it to this person; leave out to use the customer's account manager "
        "(客户报备) or the distribution rules.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class LeadBoardCardSerializer(ModelSerializer):
    company = serializers.CharField(read_only=True)
    owner = serializers.StringRelatedField()
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "company",
            "score",
            "estimated_amount",
            "currency",
            "owner",
            "version",
            "available_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj) -> list[dict]:
        return getattr(obj, "transitions", [])


class LeadBoardColumnSerializer(serializers.Serializer):
    state = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    more = serializers.IntegerField(help_text="Leads in this state beyond the cards shown.")
    cards = LeadBoardCardSerializer(many=True)


class WebToLeadSerializer(serializers.Serializer):
    """What a website form sends. A phone number or an e-mail address is required."""

    company = serializers.CharField(max_length=200)
    contact_name = serializers.CharField(max_length=120)
    contact_phone = CleanedCharField(
        cleaner=clean_phone, max_length=40, required=False, allow_blank=True
    )
    contact_email = CleanedCharField(
        cleaner=clean_email, max_length=254, required=False, allow_blank=True
    )
    need = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    product_interest = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region = serializers.CharField(max_length=60, required=False, allow_blank=True)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        if not (attrs.get("contact_phone") or "").strip() and not attrs.get("contact_email"):
            raise serializers.ValidationError(
                {"contact_phone": [_("Give a phone number or an e-mail address.")]}
            )
        if not attrs["company"].strip():
            raise serializers.ValidationError({"company": [_("Required.")]})
        return attrs


class WebToLeadReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class LeadCaptureSourceSerializer(ScopedModelSerializer):
    key = serializers.SerializerMethodField(
        help_text="The key to send as X-Lead-Source-Key: shown once, when the source is created."
    )

    class Meta:
        model = LeadCaptureSource
        fields = [
            "id",
            "name",
            "org_unit",
            "key_prefix",
            "allowed_origins",
            "is_active",
            "revoked_at",
            "last_used_at",
            "created_at",
            "key",
        ]
        read_only_fields = ["key_prefix", "is_active", "revoked_at", "last_used_at", "created_at"]

    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=50,
        required=False,
        help_text="Origins whose web pages may post leads from the browser (CORS), "
        "e.g. https://www.example.com.",
    )

    def get_key(self, obj) -> str:
        return self.context.get("new_key", "")


class LeadCaptureSourceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=50, required=False
    )


class DistributionRuleSerializer(ScopedModelSerializer):
    version = serializers.IntegerField(read_only=True)
    assignees = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )

    class Meta:
        model = DistributionRule
        fields = [
            "id",
            "name",
            "org_unit",
            "priority",
            "regions",
            "industry",
            "product_keywords",
            "team",
            "assignees",
            "assign_owner",
            "last_assigned",
            "is_active",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["last_assigned", "created_at", "updated_at", "version"]
        extra_kwargs = {"org_unit": {"required": False}}


class LeadQualificationPolicySerializer(ModelSerializer):
    required = serializers.SerializerMethodField(
        help_text="The BANT elements verifying a lead requires under this policy."
    )

    class Meta:
        model = LeadQualificationPolicy
        fields = [
            "id",
            "org_unit",
            "require_budget",
            "require_authority",
            "require_timeline",
            "required",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        # Posting a unit that has a policy replaces it (the service upserts).
        validators = []
        extra_kwargs = {"org_unit": {"validators": []}}

    def get_required(self, obj) -> list[str]:
        return sorted(obj.required)
