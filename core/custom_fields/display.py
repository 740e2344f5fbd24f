"""Custom values as people read them: on a record's page (the "Details" panel), in list
columns and in exports. Values of fields retired, and of keys no longer defined, are not
shown (they stay stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import formats
from django.utils.translation import gettext as _

from .. import hooks
from ..money import amounts_shown, format_money
from .definitions import definitions
from .models import CustomField, FieldType, Target


def display_value(field: CustomField, value, users: dict | None = None) -> str:
    """One value as text in the current language ("" when empty)."""
    if value in (None, "", []):
        return ""
    kind = field.type
    try:
        if kind == FieldType.MONEY and isinstance(value, dict):
            return format_money(Decimal(str(value.get("amount"))), value.get("currency", ""))
        if kind == FieldType.NUMBER:
            return formats.number_format(Decimal(str(value)), use_l10n=True)
        if kind == FieldType.DATE:
            return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        if kind == FieldType.CHOICE:
            return field.choice_label(value)
        if kind == FieldType.MULTI_CHOICE and isinstance(value, list):
            return ", ".join(field.choice_label(v) for v in value)
        if kind == FieldType.YES_NO:
            return _("Yes") if value else _("No")
        if kind == FieldType.USER:
            if users is None:
                users = users_of([field], [{field.key: value}])
            return str(users.get(value, value))
    except (ArithmeticError, TypeError, ValueError):
        pass  # a value stored before a type was tightened: shown as it is
    return str(value)


def users_of(fields: list[CustomField], values: list[dict]) -> dict:
    """The users that user fields name in `values`, read at once, by id."""
    ids = {
        row.get(f.key)
        for f in fields
        if f.type == FieldType.USER
        for row in values
        if isinstance(row.get(f.key), int)
    }
    if not ids:
        return {}
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}


def details(record, fields: list[CustomField] | None = None) -> list[dict]:
    """[{label, value}] for every active custom field of the record's type."""
    if fields is None:
        fields = definitions(type(record))
    values = record.custom or {}
    users = users_of(fields, [values])
    return [
        {"key": f.key, "label": f.label, "value": display_value(f, values.get(f.key), users)}
        for f in fields
        if not f.retired
    ]


def list_columns(model) -> list[CustomField]:
    """The active custom fields a list of `model` shows as columns."""
    return [f for f in definitions(model) if f.show_in_list]


def row_values(rows, fields: list[CustomField]) -> None:
    """Give each row `custom_cells`: the display values of `fields`, in order."""
    rows = list(rows)
    users = users_of(fields, [r.custom or {} for r in rows])
    for row in rows:
        values = row.custom or {}
        row.custom_cells = [display_value(f, values.get(f.key), users) for f in fields]


def custom_columns(model, rows, definitions_read: list[CustomField] | None = None) -> list:
    """For a list page: the columns of `model`'s custom fields shown in lists, and each row's
    `custom_cells`; the values are read in one query by id (a list reads only its columns).
    `definitions_read`: `model`'s active definitions, when the caller has read them already."""
    if not any(f.name == "custom" for f in model._meta.concrete_fields):
        return []
    if definitions_read is None:
        fields = list_columns(model)
    else:
        fields = [f for f in definitions_read if f.show_in_list]
    if not fields or not rows:
        return fields
    stored = dict(
        model._base_manager.filter(pk__in=[r.pk for r in rows]).values_list("pk", "custom")
    )
    users = users_of(fields, list(stored.values()))
    for row in rows:
        values = stored.get(row.pk) or {}
        row.custom_cells = [display_value(f, values.get(f.key), users) for f in fields]
    return fields


def export_value(field: CustomField, value):
    """One value as an export cell, in the form the import reads back."""
    if value in (None, "", []):
        return ""
    if field.type == FieldType.MONEY and isinstance(value, dict):
        return f"{value.get('amount')} {value.get('currency', '')}".strip()
    if field.type == FieldType.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field.type == FieldType.YES_NO:
        return "true" if value else "false"
    return value


def custom_export_columns(queryset):
    """(queryset, [(header, value of a row)]) for an export of a record type with custom
    fields: one column per active field, headed by its label (the import reads labels and
    `custom.<key>` alike); the queryset loads `custom` when it loads only some columns."""
    model = queryset.model
    if not any(f.name == "custom" for f in model._meta.concrete_fields):
        return queryset, []
    fields = definitions(model)
    if not fields:
        return queryset, []
    names, deferring = queryset.query.deferred_loading
    if not deferring and names:
        queryset = queryset.only(*names, "custom")
    elif deferring and "custom" in names:
        queryset = queryset.defer(None).defer(*(set(names) - {"custom"}))

    def reader(field):
        # A money value stays out of the row of a user who may not see its amounts
        # (`policy.with_amounts_shown` annotates such rows).
        if field.type == FieldType.MONEY:
            return lambda row: (
                export_value(field, (row.custom or {}).get(field.key)) if amounts_shown(row) else ""
            )
        return lambda row: export_value(field, (row.custom or {}).get(field.key))

    return queryset, [(field.label, reader(field)) for field in fields]


def _panel(record, user) -> dict | None:
    rows = details(record)
    return {"details": rows} if rows else None


def register_panels() -> None:
    """The "Details" panel on the page of every record type with custom fields."""
    from django.apps import apps

    for target in Target.values:
        label = apps.get_model(target)._meta.label
        hooks.register_panel(
            label,
            hooks.Panel(order=5, template="ltc/components/custom_details.html", context=_panel),
        )
