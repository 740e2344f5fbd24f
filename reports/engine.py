"""Running a report (ADR 32): one SQL aggregate over the records the viewer may see.

The queryset starts from `core.policy.restrict` (a count, days) or `restrict_figures` (an
amount: only the rows whose amounts the viewer sees), so every figure is the viewer's own
scope, whoever saved the report. The grouping is `values(...).annotate(...)`: rows never come
into Python, only the groups do. Amounts are grouped per currency too; a sum may be converted
into one currency afterwards at one day's rates (`core.rates.convert_totals`), saying which.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Avg, Count, F, FloatField, Func, Max, Min, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncMonth, TruncQuarter
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core import policy
from core.custom_fields import FieldType
from core.money import quantize
from core.rates import convert_totals

from .catalogue import BUCKETS, MEASURE_OPS, RECORD_TYPES, RecordType

#: The most groups (rows x columns x currencies) one report returns.
MAX_GROUPS = 2000
AGGREGATES = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}
NONE = object()


class DaysBetween(Func):
    """Days from `start` to `end` (dates or times) as a number, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        sql = f"(EXTRACT(EPOCH FROM (({end})::timestamp - ({start})::timestamp)) / 86400.0)"
        return sql, (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"(julianday({end}) - julianday({start}))", (*end_params, *start_params)


def _group_expression(rt: RecordType, key: str, custom: dict):
    if key in rt.dimensions:
        return F(rt.dimensions[key].path)
    kind, _sep, rest = key.partition(":")
    if kind == "month":
        return TruncMonth(rest, output_field=models.DateField())
    if kind == "quarter":
        return TruncQuarter(rest, output_field=models.DateField())
    return _custom_text(rest)


def _custom_text(key: str):
    """A custom value as text (a cast: a text lookup, not a JSON one, on SQLite too)."""
    return Cast(KT(f"custom__{key}"), models.TextField())


def _measure(rt: RecordType, op: str, measured: str):
    if op == "count":
        return Count("pk")
    if measured in rt.money:
        return AGGREGATES[op](rt.money[measured].path)
    duration = rt.durations[measured]
    return AGGREGATES[op](DaysBetween(F(duration.start), F(duration.end)))


def _scoped(rt: RecordType, definition: dict, user) -> models.QuerySet:
    queryset = rt.model._default_manager.all()
    if definition["measure_field"] in rt.money:
        return policy.restrict_figures(queryset, user)
    return policy.restrict(queryset, user)


def _filtered(rt: RecordType, queryset, definition: dict, custom: dict):
    for key, values in definition["filters"].items():
        if not values:
            continue
        if key.startswith("custom:"):
            name = f"cf_{key.removeprefix('custom:')}"
            queryset = queryset.annotate(**{name: _custom_text(key[7:])})
            queryset = queryset.filter(**{f"{name}__in": values})
            continue
        dimension = rt.dimensions[key]
        if dimension.kind in ("unit", "user"):
            ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 12]
            if dimension.kind == "user":
                queryset = queryset.filter(**{f"{dimension.path}__in": ids})
            else:
                paths = OrgUnit.objects.filter(pk__in=ids).values_list("path", flat=True)
                q = Q(pk__in=[])
                for path in paths:
                    q |= Q(**{f"{dimension.path}__path__startswith": path})
                queryset = queryset.filter(q)
        else:
            queryset = queryset.filter(**{f"{dimension.path}__in": values})
    field = definition["period_field"]
    if field:
        date_field = isinstance(rt.field_of(field), models.DateTimeField)
        lookup = f"{field}__date" if date_field else field
        if definition["date_from"]:
            queryset = queryset.filter(**{f"{lookup}__gte": definition["date_from"]})
        if definition["date_to"]:
            queryset = queryset.filter(**{f"{lookup}__lte": definition["date_to"]})
    return queryset


def grouped(user, definition: dict) -> tuple[list[dict], bool]:
    """The aggregate rows: {"g0".., "cur"?, "value"}, at most MAX_GROUPS, and whether
    there were more. One query (two with custom fields, three with a unit filter)."""
    rt = RECORD_TYPES[definition["record_type"]]
    custom = rt.custom_fields()
    keys = definition["rows"] + definition["columns"]
    queryset = _filtered(rt, _scoped(rt, definition, user), definition, custom)
    names = {f"g{i}": _group_expression(rt, key, custom) for i, key in enumerate(keys)}
    measured = definition["measure_field"]
    if measured in rt.money:
        names["cur"] = F(rt.money[measured].currency)
    if measured in rt.money or measured in rt.durations:
        # Rows without the measured value are left out rather than counted as nothing.
        if measured in rt.money:
            queryset = queryset.filter(**{f"{rt.money[measured].path}__isnull": False})
        else:
            duration = rt.durations[measured]
            queryset = queryset.filter(
                **{f"{duration.start}__isnull": False, f"{duration.end}__isnull": False}
            )
    rows = (
        queryset.annotate(**names)
        .values(*names)
        .annotate(value=_measure(rt, definition["measure"], measured))
        # No ORDER BY: PostgreSQL hashes the groups instead of sorting every row (the few
        # groups are put in order in Python, choices in their declared order).
        .order_by()
    )
    found = list(rows[: MAX_GROUPS + 1])
    return found[:MAX_GROUPS], len(found) > MAX_GROUPS


# --- Labels ---------------------------------------------------------------------------------


def _labeller(rt: RecordType, key: str, values: set, custom: dict):
    """value -> label for one grouped dimension (at most one query, for units or people)."""
    empty = _("(none)")
    if key in rt.dimensions:
        dimension = rt.dimensions[key]
        if dimension.kind == "unit":
            names = dict(OrgUnit.objects.filter(pk__in=values - {None}).values_list("pk", "name"))
            return lambda v: names.get(v, empty) if v is not None else empty
        if dimension.kind == "user":
            people = User.objects.in_bulk([v for v in values if v is not None])
            return lambda v: str(people[v]) if v in people else empty
        if dimension.kind == "choice":
            choices = {k: str(v) for k, v in rt.field_of(dimension.path).flatchoices}
            return lambda v: choices.get(v, str(v)) if v not in (None, "") else empty
        return lambda v: str(v) if v not in (None, "") else empty
    kind, _sep, rest = key.partition(":")
    if kind == "month":
        month = get_format("YEAR_MONTH_FORMAT")
        return lambda v: date_format(v, month) if v else empty
    if kind == "quarter":
        return lambda v: (
            _("%(year)s Q%(quarter)s") % {"year": v.year, "quarter": (v.month - 1) // 3 + 1}
            if v
            else empty
        )
    field = custom[rest]
    if field.type == FieldType.YES_NO:
        return lambda v: {"true": _("Yes"), "false": _("No")}.get(str(v).lower(), empty)
    if field.type == FieldType.USER:
        ids = [int(v) for v in values if str(v).isdigit()]
        people = User.objects.in_bulk(ids)
        return lambda v: str(people[int(v)]) if str(v).isdigit() and int(v) in people else empty
    return lambda v: field.choice_label(v) if v not in (None, "") else empty


def _memo(function):
    """`function` remembered per value: a month or a person repeats on many lines."""
    cache: dict = {}

    def remembered(value):
        try:
            return cache[value]
        except KeyError:
            cache[value] = result = function(value)
            return result

    return remembered


def _key(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _order(rt: RecordType, key: str):
    """How one dimension's values sort: a choice in its declared order, the rest by value,
    the empty group last."""
    dimension = rt.dimensions.get(key)
    if dimension is not None and dimension.kind == "choice":
        rank = {k: i for i, (k, _label) in enumerate(rt.field_of(dimension.path).flatchoices)}
        return lambda v: (v in (None, ""), rank.get(v, len(rank)), _key(v))
    return lambda v: (v in (None, ""), 0, _key(v))


def _number(value, unit: str):
    if value is None:
        return None
    if unit == "count":
        return int(value)
    if unit == "money":
        return quantize(Decimal(value))
    return Decimal(str(round(float(value), 1)))


def run_report(user, definition: dict, *, today: dt.date | None = None) -> dict:
    """The report's table for `user`: its row and column headers, one line per row group (and
    currency, for amounts) with a cell per column, and the conversion when one was asked."""
    rt = RECORD_TYPES[definition["record_type"]]
    custom = rt.custom_fields()
    op, measured = definition["measure"], definition["measure_field"]
    unit = "count" if op == "count" else ("money" if measured in rt.money else "days")
    found, truncated = grouped(user, definition)
    n_rows, keys = len(definition["rows"]), definition["rows"] + definition["columns"]
    orders = [_memo(_order(rt, key)) for key in keys]
    found.sort(key=lambda r: [orders[i](r[f"g{i}"]) for i in range(len(keys))])
    labellers = [
        _memo(_labeller(rt, key, {r[f"g{i}"] for r in found}, custom)) for i, key in enumerate(keys)
    ]
    key_of = _memo(_key)
    columns: list[tuple] = []
    if definition["columns"]:
        columns = sorted({r[f"g{n_rows}"] for r in found}, key=orders[n_rows])
    index = {value: i for i, value in enumerate(columns)}
    lines: dict[tuple, dict] = {}
    for row in found:
        group = tuple(row[f"g{i}"] for i in range(n_rows))
        currency = row.get("cur")
        line = lines.setdefault(
            (*group, currency or ""),
            {
                "keys": [key_of(v) for v in group],
                "labels": [labellers[i](v) for i, v in enumerate(group)],
                "currency": currency,
                "cells": [None] * max(len(columns), 1),
            },
        )
        at = index[row[f"g{n_rows}"]] if columns else 0
        line["cells"][at] = _number(row["value"], unit)
    conversion = None
    if definition["convert_to"] and unit == "money":
        lines, conversion = _converted(lines, definition["convert_to"], today)
    for line in lines.values():
        cells = [c for c in line["cells"] if c is not None]
        line["total"] = sum(cells) if op in ("count", "sum") and cells else None
    label = str(MEASURE_OPS[op])
    if op != "count":
        field_label = rt.label_of(rt.money[measured].path) if unit == "money" else None
        label = _("%(op)s of %(field)s") % {
            "op": label,
            "field": field_label or str(rt.durations[measured].label),
        }
    return {
        "record_type": rt.key,
        "record_type_label": str(rt.label),
        "measure": {"op": op, "field": measured, "label": label, "unit": unit},
        "row_dimensions": [_dimension_label(rt, k, custom) for k in definition["rows"]],
        "column_dimension": (
            _dimension_label(rt, definition["columns"][0], custom) if columns else None
        ),
        "columns": [{"key": key_of(v), "label": labellers[n_rows](v)} for v in columns],
        "rows": list(lines.values()),
        "conversion": conversion,
        "truncated": truncated,
    }


def _converted(lines: dict, into: str, today: dt.date | None):
    """The per-currency lines of a sum folded into one line per group, at one day's rates."""
    day = today or timezone.localdate()
    merged: dict[tuple, dict] = {}
    for (*group, _currency), line in lines.items():
        target = merged.setdefault(
            tuple(group), {**line, "currency": into, "cells": [[] for _c in line["cells"]]}
        )
        for i, cell in enumerate(line["cells"]):
            if cell is not None:
                target["cells"][i].append((line["currency"], cell))
    missing: set[str] = set()
    for line in merged.values():
        cells = []
        for parts in line["cells"]:
            if not parts:
                cells.append(None)
                continue
            converted = convert_totals(parts, into=into, day=day)
            missing.update(converted.missing)
            cells.append(converted.amount)
        line["cells"] = cells
    conversion = {
        "currency": into,
        "rates_basis": "rates_of_day",
        "rates_of": day.isoformat(),
        "missing_currencies": sorted(missing),
    }
    return merged, conversion


def _dimension_label(rt: RecordType, key: str, custom: dict) -> dict:
    if key in rt.dimensions:
        dimension = rt.dimensions[key]
        return {"key": key, "label": rt.label_of(dimension.path, dimension.label)}
    kind, _sep, rest = key.partition(":")
    if kind in BUCKETS:
        label = _("%(field)s (%(bucket)s)") % {"field": rt.label_of(rest), "bucket": BUCKETS[kind]}
        return {"key": key, "label": label}
    return {"key": key, "label": custom[rest].label}
