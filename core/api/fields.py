"""The API's input fields for money and business dates, with the same rules as the forms
(core.money.parse_money, core.inputs). The base model serializer (core.api.serializers) maps the
model fields to them; serializers declaring such a field by hand use these too."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from core import money
from core.custom_fields import validate
from core.custom_fields.validation import EMPTY
from core.errors import ValidationFailed
from core.inputs import InputRejected, to_utc, validate_input


class MoneyField(serializers.DecimalField):
    """An amount as a string ("200000.00"); accepts what parse_money accepts (full-width
    digits, thousands grouped by commas or spaces) and refuses the rest with its message."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("max_digits", money.MAX_DIGITS)
        kwargs.setdefault("decimal_places", money.DECIMAL_PLACES)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return money.parse_money(data, allow_negative=self.allow_negative)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None


class MoneyFieldSchema(OpenApiSerializerFieldExtension):
    target_class = MoneyField

    def map_serializer_field(self, auto_schema, direction):
        sign = "-?" if self.target.allow_negative else ""
        whole = money.MAX_DIGITS - money.DECIMAL_PLACES
        schema = {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^{sign}\d{{0,{whole}}}(?:\.\d{{0,{money.DECIMAL_PLACES}}})?$",
        }
        if direction == "response":
            schema["nullable"] = True
            schema["description"] = AMOUNT_HIDDEN
        return schema


#: Why a money value in a response may be null (`core.api.serializers.ModelSerializer`).
AMOUNT_HIDDEN = (
    "Null where the requester may view the record but not its amounts (a configured role"
    " without `<area>.see_amounts`)."
)


def is_money(field) -> bool:
    """Whether a serializer field carries money: a MoneyField, or a decimal of money's size."""
    return isinstance(field, MoneyField) or (
        isinstance(field, serializers.DecimalField)
        and field.max_digits is not None
        and field.max_digits >= money.MAX_DIGITS
        and field.decimal_places == money.DECIMAL_PLACES
    )


class DateField(serializers.DateField):
    """A business date: between core.inputs.FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_input)


class DateTimeField(serializers.DateTimeField):
    """A date-time in the business range; an offset that carries it off the calendar (year 1
    at +05:00) is a 400, not an OverflowError."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_input)

    def enforce_timezone(self, value):
        try:
            to_utc(value)
        except InputRejected as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None
        return super().enforce_timezone(value)


class CleanedCharField(serializers.CharField):
    """Text cleaned by one of core.validators' rules (credit code, phone, e-mail, web address):
    the same verdict and the same stored form as the forms, the admin and the importers."""

    def __init__(self, *, cleaner, **kwargs):
        self.cleaner = cleaner
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return value
        try:
            return self.cleaner(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None


class CustomValuesField(serializers.JSONField):
    """A record's custom fields (`custom`): {key: value}, as the definitions at
    `/api/v1/custom-fields/` say. A write changes the keys it names (null clears one) and
    keeps the rest; each value is checked by its field's type here, and the whole by the
    record's state when it is saved (core.custom_fields.validate)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Give an object of custom values."))
        parent = self.parent
        instance = getattr(parent, "instance", None)
        stored = dict(getattr(instance, "custom", None) or {}) if instance is not None else {}
        merged = {**stored, **data}
        try:
            cleaned = validate(parent.Meta.model, merged, partial=True)
        except ValidationFailed as exc:
            raise serializers.ValidationError(
                {name.removeprefix("custom."): msgs for name, msgs in exc.fields.items()}
            ) from None
        # A cleared key stays named (None), so the save's merge by key clears it too.
        return {**cleaned, **{k: None for k, v in data.items() if v in EMPTY and k in stored}}


CUSTOM_VALUE_SCHEMA = {
    "oneOf": [
        {"type": "string", "description": "text, long text, number (decimal), date, choice"},
        {"type": "boolean", "description": "yes/no"},
        {"type": "integer", "description": "user id"},
        {"type": "array", "items": {"type": "string"}, "description": "multiple choice"},
        {
            "type": "object",
            "description": "money",
            "properties": {
                "amount": {"type": "string", "format": "decimal"},
                "currency": {"type": "string"},
            },
            "required": ["amount"],
        },
    ],
    "nullable": True,
}


class CustomValuesFieldSchema(OpenApiSerializerFieldExtension):
    target_class = CustomValuesField

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "object",
            "description": (
                "Custom fields by key; their types, labels, choices and the states that require"
                " them are at /api/v1/custom-fields/. A write changes the keys it names (null"
                " clears one)."
            ),
            "additionalProperties": CUSTOM_VALUE_SCHEMA,
        }
