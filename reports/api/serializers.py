"""Serializers of the report builder's API: saved reports, and a report's table."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import OrgUnit, User

from ..models import SavedReport, Schedule


class SavedReportSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = SavedReport
        fields = [
            "id",
            "name",
            "owner",
            "owner_name",
            "is_mine",
            "definition",
            "shared_units",
            "shared_users",
            "schedule",
            "last_sent_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_owner_name(self, obj) -> str:
        return str(obj.owner)

    def get_is_mine(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.pk == obj.owner_id)


class SavedReportWriteSerializer(serializers.Serializer):
    """A report's name, definition (checked against the catalogue by the service: a 400 names
    each bad part), the teams (an org unit and its subtree) and people it is shared with, and
    its e-mail schedule."""

    name = serializers.CharField(max_length=120)
    definition = serializers.JSONField()
    shared_units = serializers.PrimaryKeyRelatedField(
        many=True, queryset=OrgUnit.objects.all(), required=False
    )
    shared_users = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True), required=False
    )
    schedule = serializers.ChoiceField(choices=Schedule.choices, required=False, allow_blank=True)


class ReportDimensionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ReportMeasureSerializer(serializers.Serializer):
    op = serializers.CharField()
    field = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "money", "days"])


class ReportLineSerializer(serializers.Serializer):
    keys = serializers.ListField(child=serializers.CharField(), help_text="The groups' values.")
    labels = serializers.ListField(child=serializers.CharField())
    currency = serializers.CharField(allow_null=True)
    cells = serializers.ListField(
        child=serializers.CharField(allow_null=True),
        help_text="One exact decimal (as text) per column, null where no record falls.",
    )
    total = serializers.CharField(allow_null=True)


class ReportConversionSerializer(serializers.Serializer):
    currency = serializers.CharField()
    rates_basis = serializers.CharField()
    rates_of = serializers.DateField()
    missing_currencies = serializers.ListField(child=serializers.CharField())


class ReportResultSerializer(serializers.Serializer):
    """A report's table in the reader's own access scope."""

    record_type = serializers.CharField()
    record_type_label = serializers.CharField()
    measure = ReportMeasureSerializer()
    row_dimensions = ReportDimensionSerializer(many=True)
    column_dimension = ReportDimensionSerializer(allow_null=True)
    columns = ReportDimensionSerializer(many=True)
    rows = ReportLineSerializer(many=True)
    conversion = ReportConversionSerializer(allow_null=True)
    truncated = serializers.BooleanField()


class ReportMeasureFieldSerializer(ReportDimensionSerializer):
    unit = serializers.CharField()


class ReportRecordTypeSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    dimensions = ReportDimensionSerializer(many=True)
    dates = ReportDimensionSerializer(many=True)
    measure_fields = ReportMeasureFieldSerializer(many=True)
