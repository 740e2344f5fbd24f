"""Filters on custom values: `?custom.<key>=value`, and `custom.<key>__gte` / `__lte` for
numbers, money amounts and dates, on the API and the pages alike (core.filters.FilterSet
applies them to every list of a record type with custom fields).

On PostgreSQL an equality is `custom @> '{"key": value}'`, which the GIN `jsonb_path_ops`
index on the column answers; a range compares the key's value (a number cast to numeric, a
date as its ISO text). SQLite has no containment on JSON, so there equality reads the key.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from ..errors import ValidationFailed
from .definitions import definitions
from .models import CustomField, FieldType
from .validation import Invalid, clean_value, coerce_text

PREFIX = "custom."
RANGES = ("gte", "lte")
RANGED = {FieldType.NUMBER, FieldType.MONEY, FieldType.DATE}
MAX_FILTERS = 10


def custom_params(params) -> list[tuple[str, str, str]]:
    """[(key, lookup, value)] of the custom filters in a query string ("" lookup: equal)."""
    found = []
    for name in params or {}:
        if not name.startswith(PREFIX):
            continue
        key, _sep, lookup = name.removeprefix(PREFIX).partition("__")
        found.append((key, lookup, params.get(name)))
    return found


def _numeric(path: str):
    return Cast(KT(path), models.DecimalField(max_digits=38, decimal_places=8))


def _filter_one(queryset, field: CustomField, lookup: str, raw: str):
    name = f"custom.{field.key}" + (f"__{lookup}" if lookup else "")
    if lookup and (lookup not in RANGES or field.type not in RANGED):
        raise ValidationFailed(
            _("Invalid input."), fields={name: [_("This field filters by equality only.")]}
        )
    try:
        if field.type == FieldType.MONEY:
            value = clean_value(field, {"amount": raw})["amount"]
        elif field.type == FieldType.MULTI_CHOICE:
            value = clean_value(field, [raw])[0]
        else:
            value = clean_value(field, coerce_text(field, raw))
    except Invalid as exc:
        raise ValidationFailed(_("Invalid input."), fields={name: [str(exc)]}) from None
    path = f"custom__{field.key}"
    if lookup:
        if field.type == FieldType.DATE:
            return queryset.filter(**{f"{path}__{lookup}": value})
        amount_path = f"{path}__amount" if field.type == FieldType.MONEY else path
        alias = f"_custom_{field.key}_{lookup}"
        return queryset.alias(**{alias: _numeric(amount_path)}).filter(
            **{f"{alias}__{lookup}": value}
        )
    if field.type == FieldType.MONEY:
        alias = f"_custom_{field.key}"
        return queryset.alias(**{alias: _numeric(f"{path}__amount")}).filter(**{alias: value})
    if connection.vendor == "postgresql":
        contained = [value] if field.type == FieldType.MULTI_CHOICE else value
        return queryset.filter(custom__contains={field.key: contained})
    if field.type == FieldType.MULTI_CHOICE:
        return queryset.filter(**{f"{path}__icontains": f'"{value}"'})
    return queryset.filter(**{path: value})


def apply_custom_filters(queryset, params):
    """`queryset` narrowed by the custom filters in `params` (a 400 naming a bad one)."""
    wanted = custom_params(params)
    if not wanted:
        return queryset
    if len(wanted) > MAX_FILTERS:
        raise ValidationFailed(
            _("Invalid input."),
            fields={"custom": [_("At most %(n)s custom filters.") % {"n": MAX_FILTERS}]},
        )
    fields = {f.key: f for f in definitions(queryset.model)}
    for key, lookup, raw in wanted:
        field = fields.get(key)
        if field is None:
            raise ValidationFailed(
                _("Invalid input."),
                fields={f"custom.{key[:60]}": [_("There is no custom field with this key.")]},
            )
        queryset = _filter_one(queryset, field, lookup, raw)
    return queryset
