"""Custom fields on the pages' forms and in the admin.

`add_custom_fields(form)` gives a model form one field per active custom field of its record
type, named `custom.<key>` (so a service's error on `custom.<key>` lands next to it), required
when the record's state requires it; `collect_custom(form)` turns them back into the record's
`custom` values, checked by the one validator, in `cleaned_data["custom"]`. `core.forms.
RecordForm` calls both for every model that carries custom values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..choices import Currency
from ..errors import ValidationFailed
from ..inputs import validate_input
from ..money import DEFAULT_CURRENCY, MoneyFormField
from .definitions import definitions
from .models import CustomField, FieldType
from .validation import EMPTY, validate

PREFIX = "custom."
CURRENCY_SUFFIX = "__currency"
YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


def carries_custom(model) -> bool:
    return any(f.name == "custom" for f in model._meta.concrete_fields)


def _choices(field: CustomField) -> list[tuple[str, str]]:
    return [(c["value"], field.choice_label(c["value"])) for c in field.choices or []]


def form_field(field: CustomField, *, required: bool) -> forms.Field:
    """The form field of one custom field."""
    common = {"label": field.label, "required": required}
    kind = field.type
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000, **common
        )
    if kind == FieldType.NUMBER:
        return forms.CharField(
            max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common
        )
    if kind == FieldType.MONEY:
        return MoneyFormField(**common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=_DateInput(), validators=[validate_input], **common)
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *_choices(field)], **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=_choices(field), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.USER:
        people = get_user_model().objects.filter(is_active=True).order_by("username")
        return forms.ModelChoiceField(queryset=people, **common)
    if kind == FieldType.YES_NO:
        return forms.ChoiceField(choices=YES_NO, **common)
    return forms.CharField(max_length=255, **common)


def _initial(field: CustomField, value):
    if value is None:
        return None
    if field.type == FieldType.MONEY and isinstance(value, dict):
        return value.get("amount")
    if field.type == FieldType.YES_NO:
        return "true" if value else "false"
    return value


def add_custom_fields(form) -> None:
    """Add the record type's active custom fields to a model form (see the module)."""
    instance = form.instance
    fields = definitions(type(instance), include_retired=True)
    if all(field.retired for field in fields):
        return  # nothing to show: the form writes no custom values
    form._custom_definitions = fields
    stored = instance.custom or {}
    state = getattr(instance, "state", None)
    for field in fields:
        if field.retired:
            continue
        name = f"{PREFIX}{field.key}"
        form.fields[name] = form_field(field, required=field.required_in(state))
        form.initial.setdefault(name, _initial(field, stored.get(field.key)))
        if field.type == FieldType.MONEY:
            stored_value = stored.get(field.key)
            currency = stored_value.get("currency") if isinstance(stored_value, dict) else None
            form.fields[name + CURRENCY_SUFFIX] = forms.ChoiceField(
                label=_("Currency"), choices=Currency.choices, required=False
            )
            form.initial.setdefault(name + CURRENCY_SUFFIX, currency or DEFAULT_CURRENCY)


def _plain(field: CustomField, value, data: dict):
    if value in (None, "", []):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if field.type == FieldType.MONEY:
        currency = data.get(f"{PREFIX}{field.key}{CURRENCY_SUFFIX}") or DEFAULT_CURRENCY
        return {"amount": str(value), "currency": currency}
    if isinstance(value, Decimal):
        return str(value)
    if field.type == FieldType.YES_NO:
        return value == "true"
    if field.type == FieldType.USER:
        return value.pk
    return value


def collect_custom(form) -> None:
    """Move the `custom.<key>` values into `cleaned_data["custom"]`, checked (see the module)."""
    fields = getattr(form, "_custom_definitions", None)
    if fields is None:
        return
    data = form.cleaned_data
    values = dict(form.instance.custom or {})  # retired fields' values stay
    for field in fields:
        name = f"{PREFIX}{field.key}"
        if field.retired or name not in form.fields:
            continue
        if name in form.errors:
            return  # the field said what is wrong already
        values[field.key] = _plain(field, data.get(name), data)
    for name in [n for n in data if n.startswith(PREFIX)]:
        data.pop(name)
    try:
        cleaned = validate(
            type(form.instance), values, state=getattr(form.instance, "state", None), fields=fields
        )
        # A cleared field stays named (None), so the save's merge by key clears it too.
        data["custom"] = {**cleaned, **{k: None for k, v in values.items() if v in EMPTY}}
    except ValidationFailed as exc:
        for name, messages in exc.fields.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)


class CustomValuesAdminForm(forms.ModelForm):
    """The admin's form of a record with custom values: the validator's `custom.<key>`
    messages are shown on the `custom` field (the admin edits the values as JSON)."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            moved = {}
            for name, messages in list(errors.error_dict.items()):
                if name.startswith(PREFIX) and name not in self.fields:
                    key = name.removeprefix(PREFIX)
                    moved.setdefault("custom", []).extend(
                        f"{key}: {message}" for error in messages for message in error.messages
                    )
                    del errors.error_dict[name]
            for name, messages in moved.items():
                errors.error_dict.setdefault(name, []).extend(
                    forms.ValidationError(m) for m in messages
                )
        super()._update_errors(errors)
