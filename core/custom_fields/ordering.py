"""Sorting a list by a custom field: `?ordering=custom.<key>` or `-custom.<key>` (issue 20.2),
on the API and the pages alike, for number, money, date, text and choice fields.

The sort runs on exactly the expression a number, money or date field's index is built on
(`core.custom_fields.indexes`), so PostgreSQL reads the rows in the index's order. Rows that
lack the value come last in both directions, the id breaks ties (in the sort's direction).

Pages are keyset pages (`CustomSortPages`): a cursor carries the last row's (value, id), or
(none, id) once the rows without a value are reached. Each query is one of two segments, the
rows with a value (`expression IS NOT NULL`, ordered by the expression then the id: an index
scan, forwards or backwards) and the rows without (ordered by the id); a page that crosses
from the first into the second reads both.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from django.db import models
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from ..errors import ValidationFailed
from .definitions import definitions
from .models import CustomField, FieldType

PREFIX = "custom."
SORTED = (FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.TEXT, FieldType.CHOICE)
ALIAS = "_custom_sort"


def is_custom(term: str | None) -> bool:
    return bool(term) and term.lstrip("-").startswith(PREFIX)


def sortable_fields(model) -> list[CustomField]:
    """The active custom fields of `model` a list sorts by."""
    return [f for f in definitions(model) if f.type in SORTED]


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(_("Invalid input."), fields={"ordering": [message]})


def parse(model, terms: list[str]) -> tuple[CustomField, bool]:
    """(field, descending) of an ordering naming a custom field; a 400 naming `ordering` for
    an unknown key, a type that does not sort, or a custom sort mixed with other terms."""
    if len(terms) != 1:
        raise _refused(_("A list sorts by one custom field alone."))
    term = terms[0]
    key = term.lstrip("-").removeprefix(PREFIX)
    field = {f.key: f for f in definitions(model)}.get(key)
    if field is None:
        raise _refused(_("There is no custom field with this key."))
    if field.type not in SORTED:
        raise _refused(_("A list cannot be sorted by this kind of custom field."))
    return field, term.startswith("-")


def expression(field: CustomField):
    """The sort expression: for a number or money field `(custom ->> key)::numeric(38, 8)`,
    for a date `custom -> key` (ISO text sorts as the date), as their indexes are built."""
    if field.type == FieldType.NUMBER:
        return Cast(
            KT(f"custom__{field.key}"), models.DecimalField(max_digits=38, decimal_places=8)
        )
    if field.type == FieldType.MONEY:
        path = f"custom__{field.key}__amount"
        return Cast(KT(path), models.DecimalField(max_digits=38, decimal_places=8))
    if field.type == FieldType.DATE:
        return KeyTransform(field.key, "custom")
    return Cast(KT(f"custom__{field.key}"), models.TextField())  # text compares as text


def order(queryset, field: CustomField, descending: bool):
    """`queryset` in the sort's order (for a list read whole, as an export)."""
    value = models.F(ALIAS)
    value = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
    return queryset.alias(**{ALIAS: expression(field)}).order_by(
        value, "-pk" if descending else "pk"
    )


def parse_value(field: CustomField, raw):
    """A cursor's value as the sort compares it (ValueError when it is not one)."""
    if field.type in (FieldType.NUMBER, FieldType.MONEY):
        value = Decimal(str(raw))
        if not value.is_finite():
            raise ValueError(raw)
        return value
    if field.type == FieldType.DATE:
        return dt.date.fromisoformat(str(raw)).isoformat()
    if not isinstance(raw, str):
        raise ValueError(raw)
    return raw


def encode_position(field: CustomField, row) -> str:
    """A cursor's position: the row's (value as text, or None; id)."""
    value = getattr(row, ALIAS, None)
    return json.dumps([None if value is None else str(value), row.pk])


def decode_position(field: CustomField, position: str) -> tuple[object, int]:
    """(value or None, id) of a cursor's position; ValueError when made up."""
    try:
        raw, pk = json.loads(position)
    except (TypeError, ValueError) as exc:
        raise ValueError(position) from exc
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
        raise ValueError(position)
    try:
        return (None if raw is None else parse_value(field, raw)), pk
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(position) from exc


class CustomSortPages:
    """The rows of one keyset page of `queryset` sorted by `field`."""

    def __init__(self, queryset, field: CustomField, descending: bool):
        self.field, self.descending = field, descending
        self.queryset = queryset.annotate(**{ALIAS: expression(field)})

    def _valued(self, after=None, *, backwards=False):
        """Rows with a value, in the sort's order (or its reverse), after `(value, id)`."""
        down = self.descending != backwards
        rows = self.queryset.filter(**{f"{ALIAS}__isnull": False})
        if after is not None:
            # value beyond, or the same value and the id beyond; the first condition alone
            # bounds the index scan, the second sorts out the ties.
            value, pk = after
            beyond = "lt" if down else "gt"
            rows = rows.filter(**{f"{ALIAS}__{beyond}e": value}).filter(
                models.Q(**{f"{ALIAS}__{beyond}": value}) | models.Q(**{f"pk__{beyond}": pk})
            )
        sign = "-" if down else ""
        return rows.order_by(f"{sign}{ALIAS}", f"{sign}pk")

    def _empty(self, after_pk=None, *, backwards=False):
        """Rows without a value, by id in the sort's direction (or its reverse)."""
        down = self.descending != backwards
        rows = self.queryset.filter(**{f"{ALIAS}__isnull": True})
        if after_pk is not None:
            rows = rows.filter(**{f"pk__{'lt' if down else 'gt'}": after_pk})
        return rows.order_by("-pk" if down else "pk")

    def read(self, position, limit: int, *, backwards: bool = False) -> list:
        """Up to `limit` rows after `position` ((value or None, id), or None: the start), in
        the order read (reversed when `backwards`)."""
        if position is None:
            segments = (
                [self._empty(backwards=True), self._valued(backwards=True)]
                if backwards
                else [self._valued(), self._empty()]
            )
        elif position[0] is None:
            segments = [self._empty(position[1], backwards=backwards)]
            if backwards:
                segments.append(self._valued(backwards=True))
        else:
            segments = [self._valued(position, backwards=backwards)]
            if not backwards:
                segments.append(self._empty())
        rows: list = []
        for segment in segments:
            if len(rows) >= limit:
                break
            rows.extend(segment[: limit - len(rows)])
        return rows


# --- The list pages: the sort menu's entries and the custom columns' headers -----------------


def custom_ordering_choices(model, fields: list | None = None) -> list[tuple[str, str]]:
    """The sort menu's entries for `model`'s custom fields that sort, both directions (of
    `fields`, `model`'s active definitions when the caller has read them already)."""
    if not any(f.name == "custom" for f in model._meta.concrete_fields):
        return []
    choices = []
    sortable = sortable_fields(model) if fields is None else [f for f in fields if f.type in SORTED]
    for field in sortable:
        choices.append((f"{PREFIX}{field.key}", _("%(label)s, ascending") % {"label": field.label}))
        choices.append(
            (f"-{PREFIX}{field.key}", _("%(label)s, descending") % {"label": field.label})
        )
    return choices


def custom_headers(request, columns: list[CustomField], ordering: str) -> list[dict]:
    """A list page's custom column headers: [{label, url, sort}], `url` (None for a type that
    does not sort) sorting by the column, the other way round when it already does; `sort` is
    the column's aria-sort ("ascending", "descending" or "")."""
    headers = []
    for field in columns:
        term, url, sort = f"{PREFIX}{field.key}", None, ""
        if ordering == term:
            sort = "ascending"
        elif ordering == f"-{term}":
            sort = "descending"
        if field.type in SORTED:
            query = request.GET.copy()
            query.pop("cursor", None)
            query["ordering"] = f"-{term}" if sort == "ascending" else term
            url = f"?{query.urlencode()}"
        headers.append({"label": field.label, "url": url, "sort": sort})
    return headers
