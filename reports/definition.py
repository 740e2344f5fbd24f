"""A report definition (ADR 32): the JSON a person saves, checked by one serializer against the
catalogue. Every bad part is a 400 naming it (`ValidationFailed`), never a 500."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.api.fields import DateField
from core.choices import Currency
from core.errors import ValidationFailed

from .catalogue import BUCKETS, MEASURE_OPS, RECORD_TYPES, RecordType

CHARTS = {
    "bar": gettext_lazy("Bar chart"),
    "table": gettext_lazy("Table only"),
    "line": gettext_lazy("Line chart"),
    "pie": gettext_lazy("Pie chart"),
}
MAX_FILTER_VALUES = 50


class DefinitionSerializer(serializers.Serializer):
    """What to count or add up, grouped how, over which records."""

    record_type = serializers.ChoiceField(choices=list(RECORD_TYPES))
    rows = serializers.ListField(
        child=serializers.CharField(max_length=80), min_length=1, max_length=2
    )
    columns = serializers.ListField(
        child=serializers.CharField(max_length=80), max_length=1, required=False, default=list
    )
    # Text, not a choice: "measure" names another enum in the schema (rebate schemes').
    measure = serializers.CharField(
        max_length=10, default="count", help_text="count, sum, avg, min or max"
    )
    measure_field = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    filters = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=200), max_length=MAX_FILTER_VALUES
        ),
        required=False,
        default=dict,
    )
    period_field = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    date_from = DateField(required=False, allow_null=True, default=None)
    date_to = DateField(required=False, allow_null=True, default=None)
    chart = serializers.ChoiceField(choices=list(CHARTS), default="bar")
    convert_to = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")

    def validate(self, data):
        rt = RECORD_TYPES[data["record_type"]]
        errors: dict[str, list[str]] = {}
        custom = rt.custom_fields()
        for name in ("rows", "columns"):
            for key in data[name]:
                if not dimension_known(rt, key, custom):
                    errors.setdefault(name, []).append(
                        _("%(key)s is not something %(type)s can be grouped by.")
                        % {"key": key[:80], "type": rt.label}
                    )
        keys = data["rows"] + data["columns"]
        if len(set(keys)) != len(keys):
            errors.setdefault("columns", []).append(_("Group by each thing once."))
        op, measured = data["measure"], data["measure_field"]
        if op not in MEASURE_OPS:
            errors["measure"] = [_("Choose count, sum, average, minimum or maximum.")]
        elif op == "count" and measured:
            errors["measure_field"] = [_("A count measures no field.")]
        elif op != "count" and measured not in {**rt.money, **rt.durations}:
            errors["measure_field"] = [_("Choose an amount or a number of days to measure.")]
        for key in data["filters"]:
            if key not in rt.dimensions and not (
                key.startswith("custom:") and key.removeprefix("custom:") in custom
            ):
                errors.setdefault("filters", []).append(
                    _("%(key)s is not something %(type)s can be filtered by.")
                    % {"key": key[:80], "type": rt.label}
                )
        if data["period_field"] and data["period_field"] not in rt.dates:
            errors["period_field"] = [_("Not a date of this record type.")]
        if (data["date_from"] or data["date_to"]) and not data["period_field"]:
            errors["period_field"] = [_("Choose the date the period applies to.")]
        if data["date_from"] and data["date_to"] and data["date_from"] > data["date_to"]:
            errors["date_to"] = [_("The end is before the start.")]
        if data["convert_to"]:
            data["convert_to"] = data["convert_to"].upper()
            if data["convert_to"] not in Currency.values:
                errors["convert_to"] = [_("Not a currency.")]
            elif not (op == "sum" and measured in rt.money):
                errors["convert_to"] = [_("Only a sum of amounts can be converted.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def dimension_known(rt: RecordType, key: str, custom: dict) -> bool:
    if key in rt.dimensions:
        return True
    kind, _sep, rest = key.partition(":")
    if kind in BUCKETS:
        return rest in rt.dates
    return kind == "custom" and rest in custom


def _flat(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested error detail as the project's flat {field: [messages]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            out.update(_flat(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
        return out
    if isinstance(detail, list) and detail and not all(isinstance(d, str) for d in detail):
        out = {}
        for i, value in enumerate(detail):
            if value:
                out.update(_flat(value, f"{prefix}.{i}"))
        return out
    return {prefix or "definition": [str(d) for d in detail]}


def clean_definition(data) -> dict:
    """The definition checked and completed with its defaults; a 400 naming each bad part."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("The report definition is not valid."),
            fields={"definition": [_("Send the definition as a JSON object.")]},
        )
    serializer = DefinitionSerializer(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(
            _("The report definition is not valid."), fields=_flat(serializer.errors)
        )
    value = dict(serializer.validated_data)
    for key in ("date_from", "date_to"):
        value[key] = value[key].isoformat() if value[key] else None
    return value
