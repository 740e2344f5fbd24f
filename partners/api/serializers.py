"""The channel partners API's shapes."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Customer, OrgUnit, User
from core.api import fields
from core.api.serializers import (
    ModelSerializer,
    RecordSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    WriteScopeMixin,
)
from core.choices import Currency

from .. import conversion
from ..choices import QualificationKind, QualificationStatus
from ..models import (
    Partner,
    PartnerAgreement,
    PartnerMember,
    PartnerQualification,
    PartnerRegistration,
)
from ..selectors import qualified


class PartnerSerializer(RecordSerializer):
    territories = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    product_lines = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="The partner manager (渠道经理); default: you.",
    )
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, help_text="Default: the manager's unit."
    )
    manager_name = serializers.CharField(source="manager.__str__", read_only=True)
    qualified = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "tier",
            "territories",
            "product_lines",
            "manager",
            "manager_name",
            "org_unit",
            "contact_name",
            "contact_phone",
            "notes",
            "state",
            "admitted_at",
            "qualified",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = ["state", "admitted_at", "created_at"]

    @extend_schema_field(serializers.BooleanField())
    def get_qualified(self, obj) -> bool:
        return qualified(obj)


class PartnerAgreementSerializer(ScopedModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())

    class Meta:
        model = PartnerAgreement
        fields = [
            "id",
            "partner",
            "year",
            "currency",
            "target_amount",
            "discount_min_pct",
            "discount_max_pct",
            "deposit_amount",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at", "version"]
        validators = []  # one a year: the service's 400 `partner_agreement_exists`

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["partner"].read_only = True
            fields["year"].read_only = True
        return fields


class PartnerQualificationSerializer(ModelSerializer):
    uploaded_by = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PartnerQualification
        fields = [
            "id",
            "partner",
            "kind",
            "title",
            "valid_until",
            "status",
            "reviewed_by",
            "reviewed_at",
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
        return reverse("partnerqualification-download", args=[obj.pk])


class PartnerQualificationUploadSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = PartnerQualification

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    kind = serializers.ChoiceField(choices=QualificationKind.choices)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    valid_until = fields.DateField()
    file = serializers.FileField(help_text="PDF, PNG, JPEG, TIFF, DOCX, XLSX or OFD.")


class QualificationReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (QualificationStatus.VERIFIED.value, QualificationStatus.VERIFIED.label),
            (QualificationStatus.REJECTED.value, QualificationStatus.REJECTED.label),
        ]
    )


class PartnerRegistrationSerializer(RecordSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    protection_state = serializers.CharField(
        source="protection.state", read_only=True, default=None
    )
    protected_until = fields.DateField(
        source="protection.protected_until", read_only=True, default=None
    )
    opportunity = serializers.SerializerMethodField()

    class Meta:
        model = PartnerRegistration
        fields = [
            "id",
            "partner",
            "partner_name",
            "customer",
            "customer_name",
            "project",
            "product_line",
            "currency",
            "estimated_amount",
            "description",
            "contest",
            "state",
            "submitted_by",
            "decided_at",
            "protection",
            "protection_state",
            "protected_until",
            "opportunity",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_opportunity(self, obj) -> str | None:
        found = conversion.opportunity_of(obj)
        return found[0] if found else None


class PartnerRegistrationCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = PartnerRegistration

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    project = serializers.CharField(max_length=200)
    product_line = serializers.CharField(max_length=100)
    estimated_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, default=0
    )
    currency = serializers.ChoiceField(choices=Currency.choices, default="CNY")
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, default=""
    )
    contest = serializers.BooleanField(
        default=False,
        help_text="When someone holds the protection, ask a sales manager to rule once approved "
        "instead of being refused (400 `registration_conflict`).",
    )


class PartnerRegistrationConvertSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="The opportunity's AR (default: the partner manager).",
    )
    sr = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    fr = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )


class PartnerMemberSerializer(ModelSerializer):
    """A partner user (ADR 21): who signs in to the portal for a partner."""

    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True)

    class Meta:
        model = PartnerMember
        fields = ["id", "partner", "user", "username", "name", "email", "active", "created_at"]
        read_only_fields = fields


class PartnerMemberCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = PartnerMember

    partner = ScopedPrimaryKeyRelatedField(queryset=Partner.objects.all())
    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    password = serializers.CharField(
        max_length=128, write_only=True, style={"input_type": "password"}
    )
