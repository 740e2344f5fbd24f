"""The API's input fields for money and business dates, with the same rules as the forms
(core.money.parse_money, core.inputs). The base model serializer (core.api.serializers) maps the
model fields to them; serializers declaring such a field by hand use these too."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from core import money
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
        return {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^{sign}\d{{0,{whole}}}(?:\.\d{{0,{money.DECIMAL_PLACES}}})?$",
        }


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
