"""Serializers of contract execution: contracts, their delivery plan, changes and amendments,
documents and evaluations."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import IronTriangleMemberSerializer
from accounts.models import User
from contracts.choices import (
    AcceptanceRating,
    ContractKind,
    ContractState,
    DocumentKind,
    ReportGrouping,
    ReportPeriod,
)
from contracts.models import (
    ChangeReplan,
    ChangeRequest,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractEvaluation,
    Deliverable,
    DeliveryMilestone,
    DirectContractRule,
)
from contracts.services.documents import max_document_bytes
from core.api.fields import DateField, MoneyField
from core.api.serializers import (
    AvailableTransitionSerializer,
    ModelSerializer,
    RecordSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    WriteScopeMixin,
)
from core.choices import Role, TriangleRole

_active_users = User.objects.filter(is_active=True)


# --- Contracts --------------------------------------------------------------------------------


class ContractSerializer(RecordSerializer):
    team = IronTriangleMemberSerializer(source="team.members.all", many=True, read_only=True)
    margin_pct = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "title",
            "kind",
            "framework",
            "renewal_of",
            "customer",
            "customer_reference",
            "opportunity",
            "atc_review",
            "direct_basis",
            "direct_rule",
            "direct_basis_by",
            "owner",
            "org_unit",
            "team",
            "amount",
            "currency",
            "tax_rate_pct",
            "planned_cost",
            "margin_pct",
            "signed_on",
            "starts_on",
            "ends_on",
            "terms",
            "payment_terms",
            "sales_confirmed_by",
            "sales_confirmed_at",
            "delivery_confirmed_by",
            "delivery_confirmed_at",
            "state",
            "state_reason",
            "created_at",
            "updated_at",
            "custom",
            "version",
            "available_transitions",
        ]
        read_only_fields = [
            "number",
            "kind",
            "framework",
            "opportunity",
            "atc_review",
            "direct_basis",
            "direct_rule",
            "direct_basis_by",
            "owner",
            "sales_confirmed_by",
            "sales_confirmed_at",
            "delivery_confirmed_by",
            "delivery_confirmed_at",
            "state",
            "state_reason",
            "created_at",
            "updated_at",
            "version",
        ]
        extra_kwargs = {"org_unit": {"required": False}}

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj) -> list[dict]:
        found = super().get_available_transitions(obj)
        for item in found:
            # "resume" returns to the state it was suspended from: name that state.
            if not isinstance(item["target"], str):
                item["target"] = obj.suspended_from or ContractState.SIGNED
        return found


class ContractCreateSerializer(ContractSerializer):
    kind = serializers.ChoiceField(
        choices=ContractKind.choices,
        required=False,
        help_text="A call-off order is made by giving its framework.",
    )
    framework = ScopedPrimaryKeyRelatedField(
        queryset=Contract.objects.filter(kind=ContractKind.FRAMEWORK),
        required=False,
        allow_null=True,
    )
    direct_rule = serializers.PrimaryKeyRelatedField(
        queryset=DirectContractRule.objects.filter(is_active=True).select_related("org_unit"),
        required=False,
        allow_null=True,
        help_text="The direct-contract rule the contract falls under (framework call-off, "
        "renewal, small order): required, since a contract made here has no ATC of its own.",
    )
    sr = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True, write_only=True
    )
    fr = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True, write_only=True
    )

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "sr", "fr"]
        read_only_fields = [
            f
            for f in ContractSerializer.Meta.read_only_fields
            if f not in ("kind", "framework", "direct_rule")
        ]
        extra_kwargs = {
            "org_unit": {"required": False},
            "customer": {"required": False},
        }


class ConfirmSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in (TriangleRole.AR, TriangleRole.FR)],
        required=False,
        help_text="ar confirms for sales, fr for delivery; needed only when you hold both seats.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class ChecklistSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())


# --- Delivery plan ----------------------------------------------------------------------------


class _ChildSerializer(RecordSerializer):
    """A record of a contract: its contract is given on create and fixed afterwards."""

    def validate_contract(self, value):
        if self.instance is not None and value != self.instance.contract:
            raise serializers.ValidationError("A record stays on its contract.")
        return value


class DeliverableSerializer(_ChildSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True
    )
    is_overdue = serializers.BooleanField(read_only=True)
    slip_days = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Deliverable
        fields = [
            "id",
            "contract",
            "name",
            "description",
            "quantity",
            "unit",
            "owner",
            "due_on",
            "completed_on",
            "state",
            "state_reason",
            "is_overdue",
            "slip_days",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = ["completed_on", "state", "state_reason", "created_at", "version"]


class DeliveryMilestoneSerializer(_ChildSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_active_users, required=False, allow_null=True
    )
    is_overdue = serializers.BooleanField(read_only=True)
    slip_days = serializers.IntegerField(read_only=True, allow_null=True)
    replanned_days = serializers.IntegerField(read_only=True)
    documents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = DeliveryMilestone
        fields = [
            "id",
            "contract",
            "kind",
            "name",
            "owner",
            "baseline_date",
            "planned_date",
            "actual_date",
            "note",
            "state",
            "state_reason",
            "is_overdue",
            "slip_days",
            "replanned_days",
            "documents",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = [
            "baseline_date",
            "actual_date",
            "state",
            "state_reason",
            "created_at",
            "version",
        ]
        extra_kwargs = {"name": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Unnamed: called by its kind's display name, in the requester's language.
        data["name"] = data["name"] or str(instance)
        return data


class MilestoneReachSerializer(serializers.Serializer):
    actual_date = DateField(required=False, help_text="Today when left out.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    document = serializers.FileField(
        required=False, help_text="The evidence (arrival or acceptance certificate ...)."
    )
    document_kind = serializers.ChoiceField(
        choices=DocumentKind.choices, required=False, default=""
    )

    def validate(self, attrs):
        if attrs.get("document") is not None and not attrs.get("document_kind"):
            raise serializers.ValidationError({"document_kind": ["Say what the document is."]})
        return attrs


# --- Documents --------------------------------------------------------------------------------


class ContractDocumentSerializer(ScopedModelSerializer):
    uploaded_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ContractDocument
        fields = [
            "id",
            "contract",
            "milestone",
            "kind",
            "title",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("contract-document-download", args=[obj.pk])


class ContractDocumentUploadSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = ContractDocument

    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    milestone = ScopedPrimaryKeyRelatedField(
        queryset=DeliveryMilestone.objects.all(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    file = serializers.FileField(
        help_text="PDF, PNG, JPEG, TIFF, DOCX, XLSX or OFD, at most "
        f"{max_document_bytes() // (1024 * 1024)} MB."
    )


# --- Changes and amendments -------------------------------------------------------------------


class ChangeReplanSerializer(ScopedModelSerializer):
    milestone = ScopedPrimaryKeyRelatedField(queryset=DeliveryMilestone.objects.all())
    milestone_name = serializers.CharField(source="milestone.__str__", read_only=True)
    planned_date_before = DateField(source="milestone.planned_date", read_only=True)

    class Meta:
        model = ChangeReplan
        fields = ["milestone", "milestone_name", "planned_date_before", "planned_date"]


class ChangeRequestSerializer(_ChildSerializer):
    raised_by = serializers.StringRelatedField()
    replans = ChangeReplanSerializer(many=True, required=False)
    review_url = serializers.SerializerMethodField()
    amendment = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "number",
            "contract",
            "title",
            "description",
            "requested_on",
            "customer_reference",
            "raised_by",
            "new_amount",
            "cost_impact",
            "scope",
            "new_ends_on",
            "replans",
            "state",
            "state_reason",
            "review",
            "review_url",
            "amendment",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = [
            "number",
            "raised_by",
            "state",
            "state_reason",
            "review",
            "created_at",
            "version",
        ]

    def get_review_url(self, obj) -> str | None:
        return obj.review.get_absolute_url() if obj.review_id else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_amendment(self, obj) -> int | None:
        amendment = getattr(obj, "amendment", None)
        return amendment.version if amendment is not None else None


class ContractAmendmentSerializer(ModelSerializer):
    change_request = serializers.CharField(source="change_request.number", read_only=True)
    approved_by = serializers.StringRelatedField()
    amount_delta = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = ContractAmendment
        fields = [
            "id",
            "contract",
            "version",
            "change_request",
            "review",
            "currency",
            "amount_before",
            "amount_after",
            "amount_delta",
            "cost_before",
            "cost_after",
            "ends_on_before",
            "ends_on_after",
            "scope",
            "summary",
            "replans",
            "approved_by",
            "created_at",
        ]
        read_only_fields = fields


# --- Evaluation -------------------------------------------------------------------------------


class ContractEvaluationSerializer(ModelSerializer):
    evaluated_by = serializers.StringRelatedField()
    margin_variance_pct = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = ContractEvaluation
        fields = [
            "id",
            "contract",
            "evaluated_by",
            "currency",
            "signed_amount",
            "final_amount",
            "signed_cost",
            "actual_cost",
            "signed_margin_pct",
            "actual_margin_pct",
            "margin_variance_pct",
            "milestones_planned",
            "milestones_on_time",
            "schedule_kept_pct",
            "average_slip_days",
            "acceptance_rating",
            "acceptance_slip_days",
            "days_to_collect",
            "collected_pct",
            "amendments",
            "score",
            "lessons_learnt",
            "created_at",
        ]
        read_only_fields = fields


class ContractEvaluateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = ContractEvaluation

    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    actual_cost = MoneyField(required=False, allow_null=True)
    acceptance_rating = serializers.ChoiceField(choices=AcceptanceRating.choices)
    lessons_learnt = serializers.CharField(max_length=8000)


class ReportQuerySerializer(serializers.Serializer):
    group = serializers.ChoiceField(
        choices=ReportGrouping.choices, required=False, default=ReportGrouping.ORG_UNIT
    )
    period = serializers.ChoiceField(
        choices=ReportPeriod.choices, required=False, default=ReportPeriod.QUARTER
    )
    date_from = DateField(required=False)
    date_to = DateField(required=False)
    org_unit = serializers.IntegerField(required=False, min_value=1)


class _ReportFigures(serializers.Serializer):
    contracts = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    signed_margin_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    actual_margin_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    schedule_kept_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    average_slip_days = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    days_to_collect = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    collected_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class _ReportRow(_ReportFigures):
    org_unit = serializers.IntegerField(allow_null=True)
    org_unit_name = serializers.CharField(allow_null=True)
    period = DateField(allow_null=True)


class EvaluationReportSerializer(serializers.Serializer):
    group = serializers.CharField()
    period = serializers.CharField()
    rows = _ReportRow(many=True)
    total = _ReportFigures()


# --- Direct-contract rules --------------------------------------------------------------------


class DirectContractRuleSerializer(ModelSerializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        required=False,
        help_text="The roles that may make such contracts; empty: any role.",
    )

    class Meta:
        model = DirectContractRule
        fields = [
            "id",
            "name",
            "kind",
            "org_unit",
            "max_amount",
            "currency",
            "roles",
            "is_active",
            "updated_at",
            "version",
        ]
        read_only_fields = ["updated_at", "version"]
