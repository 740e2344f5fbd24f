from django.conf import settings
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.activities import may_take_next_step, resolve_subject
from accounts.choices import ImportMode
from accounts.imports import importers
from accounts.imports.services import job_progress
from accounts.models import (
    Activity,
    Contact,
    Customer,
    CustomerAlias,
    ImportIssue,
    ImportJob,
    OrgUnit,
    User,
)
from accounts.selectors import may_see_contact_details
from core.api.fields import CleanedCharField
from core.api.serializers import ModelSerializer, ScopedModelSerializer
from core.choices import Role
from core.errors import ApplicationError
from core.validators import clean_email, clean_phone


class OrgUnitSerializer(ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name", "code", "kind", "parent", "depth"]
        read_only_fields = fields


WITHHELD = gettext_lazy("Null: not shown to you (see the directory's rules).")


class UserSerializer(ModelSerializer):
    """A colleague in the directory: who they are and where they sit, what a picker of owners and
    iron-triangle seats needs. How to reach them outside the CRM (`email`, `phone`) only for
    administrators, a sales manager for the people of their unit's subtree, and the user
    themselves; for anyone else those are null (withheld), while "" means none on file."""

    name = serializers.CharField(source="get_full_name", read_only=True)
    email = serializers.EmailField(read_only=True, allow_null=True, help_text=WITHHELD)
    phone = serializers.CharField(read_only=True, allow_null=True, help_text=WITHHELD)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "org_unit", "title", "email", "phone"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is None or not may_see_contact_details(viewer, instance):
            data["email"] = data["phone"] = None
        return data


class MeSerializer(UserSerializer):
    """The signed-in user, with their own settings."""

    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        read_only=True,
        help_text="Empty: the site's default language.",
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "language"]
        read_only_fields = fields


class CustomerSerializer(ScopedModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "normalised_name",
            "credit_code",
            "industry",
            "region",
            "parent",
            "tier",
            "annual_revenue",
            "revenue_currency",
            "state",
            "owner",
            "org_unit",
            "phone",
            "email",
            "website",
            "address",
            "external_id",
            "merged_into",
            "merged_at",
            "created_at",
            "updated_at",
            "custom",
            "version",
        ]
        # The tier is set by the criteria or a manager's override, with its reason and history
        # (`/account-profiles/{id}/tier-override/`), never by a plain edit.
        # The approval state (客户审批) moves only by its approval (`/customer-vetting/`).
        read_only_fields = [
            "normalised_name",
            "tier",
            "state",
            "merged_into",
            "merged_at",
            "created_at",
            "updated_at",
            "version",
        ]
        extra_kwargs = {"org_unit": {"required": False}, "owner": {"required": False}}


class CustomerCreateSerializer(CustomerSerializer):
    allow_duplicate = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="Create even though likely duplicates exist (after checking them).",
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "allow_duplicate"]


class DuplicateQuerySerializer(serializers.Serializer):
    name = serializers.CharField(required=False, default="", max_length=200)
    credit_code = serializers.CharField(required=False, default="", max_length=18)
    phone = serializers.CharField(required=False, default="", max_length=40)
    email = serializers.CharField(required=False, default="", max_length=254)


class ContactSerializer(ScopedModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "department",
            "phone",
            "email",
            "notes",
            "external_id",
            "merged_into",
            "merged_at",
            "created_at",
            "updated_at",
            "custom",
            "version",
        ]
        read_only_fields = ["merged_into", "merged_at", "created_at", "updated_at", "version"]


class ContactCreateSerializer(ContactSerializer):
    allow_duplicate = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text=(
            "Create even though the customer has a contact with this e-mail or phone "
            "(sales managers and administrators only; anyone else gets 403)."
        ),
    )

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "allow_duplicate"]


class ContactDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class ContactMergeSerializer(serializers.Serializer):
    source = serializers.IntegerField(
        min_value=1,
        help_text="The duplicate contact (of the same customer) to merge into this one.",
    )


class CustomerAliasSerializer(ScopedModelSerializer):
    """Another name a customer goes by (广东移动): duplicate search, imports and lead capture
    match it as the customer's own name. One alias names one customer."""

    class Meta:
        model = CustomerAlias
        fields = ["id", "customer", "alias", "normalised_alias", "created_at"]
        read_only_fields = ["normalised_alias", "created_at"]


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.CharField()


class IronTriangleMemberSerializer(serializers.Serializer):
    """One seat of an iron triangle: AR, SR, FR or a further member."""

    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.__str__")


class CustomerMergeSerializer(serializers.Serializer):
    source = serializers.IntegerField(
        min_value=1,
        help_text="The duplicate customer to merge into this one; it becomes a tombstone.",
    )


class ExportQuerySerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")


class ActivitySerializer(ScopedModelSerializer):
    """A customer interaction on a lead, opportunity, contract or customer."""

    subject_type = serializers.CharField(
        help_text='The record type, e.g. "leads.lead" or "accounts.customer".'
    )
    subject_id = serializers.IntegerField(min_value=1)
    next_step_done = serializers.BooleanField(required=False, write_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject_type",
            "subject_id",
            "customer",
            "contact",
            "owner",
            "org_unit",
            "occurred_at",
            "summary",
            "notes",
            "outcome",
            "next_step",
            "next_step_date",
            "next_step_done",
            "next_step_done_at",
            "is_overdue",
            "promised_payment_date",
            "promised_amount",
            "promised_currency",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            "customer",
            "org_unit",
            "next_step_done_at",
            "promised_currency",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        extra_kwargs = {"owner": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["subject_type"] = instance.subject_type.app_label + "." + instance.subject_type.model
        return data

    def write_scope_errors(self, data) -> dict[str, list[str]]:
        """The next step may also go to the owner of the record the activity is about."""
        errors = super().write_scope_errors(data)
        if "owner" in errors:
            owner = User.objects.filter(pk=data.get("owner")).first()
            if may_take_next_step(self.context["request"].user, owner, self._subject(data)):
                del errors["owner"]
        return errors

    def _subject(self, data):
        if self.instance is not None:
            return self.instance.subject
        try:
            return resolve_subject(
                user=self.context["request"].user,
                label=str(data.get("subject_type", "")),
                pk=data.get("subject_id"),
            )
        except ApplicationError:
            return None


class ActivityUpdateSerializer(ActivitySerializer):
    class Meta(ActivitySerializer.Meta):
        read_only_fields = [*ActivitySerializer.Meta.read_only_fields, "subject_type", "subject_id"]

    subject_type = serializers.CharField(read_only=True)
    subject_id = serializers.IntegerField(read_only=True)


class ImportJobSerializer(ModelSerializer):
    progress = serializers.SerializerMethodField()
    created_by = serializers.StringRelatedField()
    error_report = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "file_name",
            "file_format",
            "file_size",
            "encoding",
            "status",
            "mode",
            "rows_total",
            "rows_valid",
            "rows_error",
            "rows_duplicate",
            "rows_created",
            "rows_skipped",
            "progress",
            "message",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "error_report",
        ]
        read_only_fields = fields

    def get_progress(self, obj) -> int:
        return job_progress(obj)

    def get_error_report(self, obj) -> str:
        """Where to download the problem rows as CSV (empty when there are none)."""
        if not (obj.rows_error or obj.rows_duplicate):
            return ""
        return f"/api/v1/imports/{obj.pk}/error-report/"


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[], help_text='"customers" or "leads".')
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030) or XLSX; first row = headers.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = sorted(importers())


class ImportCommitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=ImportMode.choices)


class ImportTemplateQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = sorted(importers())


class ImportMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.CharField(allow_blank=True)


class ImportIssueSerializer(ModelSerializer):
    messages = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    matches = serializers.SerializerMethodField()
    data = serializers.DictField(child=serializers.CharField(allow_blank=True))

    class Meta:
        model = ImportIssue
        fields = ["id", "row", "level", "messages", "matches", "data"]
        read_only_fields = fields

    @extend_schema_field(ImportMatchSerializer(many=True))
    def get_matches(self, obj) -> list[dict]:
        return obj.matches


class UserWriteSerializer(serializers.Serializer):
    """What an administrator sends to create or change a user. The password is write-only and
    never answered; without one, a new user signs in only through single sign-on."""

    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    email = CleanedCharField(cleaner=clean_email, required=False, allow_blank=True, max_length=254)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    title = serializers.CharField(required=False, allow_blank=True, max_length=120)
    phone = CleanedCharField(cleaner=clean_phone, required=False, allow_blank=True, max_length=40)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(
        write_only=True, required=False, min_length=8, max_length=128, trim_whitespace=False
    )


class UserAdminSerializer(UserSerializer):
    """A user as an administrator sees them after a change: the directory entry, whether they
    may sign in, and (on deactivation) what they still hold for someone to take over."""

    is_active = serializers.BooleanField(read_only=True)
    to_reassign = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, required=False
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "is_active", "to_reassign"]
        read_only_fields = fields
