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


TEXT_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT)


def text_fields_by_target() -> dict[str, list[CustomField]]:
    """Every record type's active text fields, in one query (for a search across types)."""
    found: dict[str, list[CustomField]] = {}
    for field in CustomField.objects.filter(retired=False, type__in=TEXT_TYPES).order_by("id"):
        found.setdefault(field.target, []).append(field)
    return found


def custom_text_search(
    queryset: models.QuerySet, value: str, fields: list[CustomField] | None = None
) -> tuple[models.QuerySet, models.Q]:
    """The search over a record type's custom text fields (`fields`, else read): `(queryset,
    q)` to OR `q` with the search's own columns (`queryset` carries what `q` needs). On
    PostgreSQL `q` first matches the whole custom object's text, which migration ltc 0013's
    trigram index answers at any size, then the text field's own value (so a key's name or a
    choice code is no hit)."""
    if fields is None:
        fields = [field for field in definitions(queryset.model) if field.type in TEXT_TYPES]
    if not fields or not value:
        return queryset, models.Q(pk__in=[])
    own = models.Q()
    for field in fields:
        own |= models.Q(**{f"custom__{field.key}__icontains": value})
    if connection.vendor != "postgresql":
        return queryset, own
    queryset = queryset.alias(custom_text=Cast("custom", models.TextField()))
    return queryset, models.Q(custom_text__icontains=value) & own
