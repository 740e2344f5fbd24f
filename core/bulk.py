"""Bulk writes on PostgreSQL: COPY rows of plain values into a table, as bulk_create would,
without a model object per row (imports, the reminder scan's notifications, rollups)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

_PLAIN = (str, int, float, Decimal, dt.date)  # what a CSV cell holds as is (bool is an int)
_TEXT_FIELDS = {"CharField", "TextField", "EmailField", "URLField", "SlugField"}


def _columns(model: type[models.Model], fields: tuple[str, ...]) -> tuple[list, list, list]:
    """The columns of `fields` (by attname) then of every other non-key field that has a
    default, the defaults' values (`auto_now(_add)`: now), and the columns that are NOT NULL."""
    meta = model._meta
    now = timezone.now()
    columns, constants, not_null = [], [], []
    by_attname = {f.attname: f for f in meta.concrete_fields}
    for attname in fields:
        field = by_attname[attname]
        if field.null and field.get_internal_type() in _TEXT_FIELDS:
            raise ValueError(f"{attname}: COPY cannot tell '' from NULL in a nullable text field")
        columns.append(field.column)
        if not field.null:
            not_null.append(field.column)
    for field in meta.concrete_fields:
        if field.primary_key or field.attname in fields:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default() or (field.empty_strings_allowed and not field.null):
            value = field.get_db_prep_save(field.get_default(), connection)  # ("" for text)
            if not isinstance(value, _PLAIN):
                raise ValueError(f"{model.__name__}.{field.attname}: list it in the fields")
        elif field.null:
            continue
        else:
            raise ValueError(f"{model.__name__}: no value for {field.attname}")
        columns.append(field.column)
        constants.append(value)
        if not field.null:
            not_null.append(field.column)
    return columns, constants, not_null


_INSERT_SELECT = "INSERT INTO {} ({}) SELECT {} FROM {}"


def insert_select(
    model: type[models.Model],
    select: dict[str, str],
    source: str,
    params: list | tuple = (),
    *,
    select_params: list | tuple = (),
) -> int:
    """`INSERT INTO <model's table> SELECT ... FROM <source>` on PostgreSQL, set-based: `select`
    maps attnames to SQL expressions over `source` (their %s placeholders take `select_params`,
    the source's take `params`); the other fields get their defaults as copy_insert gives them.
    Returns the number of rows written."""
    columns, constants, _not_null = _columns(model, tuple(select))
    quote = connection.ops.quote_name
    sql = _INSERT_SELECT.format(
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join([*select.values(), *["%s"] * len(constants)]),
        source,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *constants, *params])
        return cursor.rowcount


def copy_insert(
    model: type[models.Model], fields: tuple[str, ...], rows: list[tuple], *, ids: bool = True
) -> list:
    """Insert `rows` (values of `fields`, by attname) with PostgreSQL's COPY, as bulk_create
    would: ids from the table's sequence (one query; `ids=False`: the table's own, not returned),
    `auto_now(_add)` fields set to now and the other unlisted fields to their defaults (or
    NULL). The new ids come back, in order.

    COPY skips Django's per-object work (preparing every field of a model object), which costs
    more than the insert; the values must already be what the database stores."""
    if not rows:
        return []
    meta = model._meta
    columns, constants, not_null = _columns(model, fields)
    quote = connection.ops.quote_name
    table, pk = meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        drawn: list = []
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, len(rows)],
            )
            drawn = [i for (i,) in cursor.fetchall()]
            columns.insert(0, pk)
        buffer = io.StringIO()
        write = csv.writer(buffer, lineterminator="\n").writerow
        tail = tuple(constants)
        if ids:
            for pk_value, values in zip(drawn, rows, strict=True):
                write((pk_value, *values, *tail))
        else:
            for values in rows:
                write((*values, *tail))
        buffer.seek(0)
        sql = "COPY {} ({}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({}))".format(
            quote(table),
            ", ".join(quote(c) for c in columns),
            ", ".join(quote(c) for c in not_null),
        )
        cursor.copy_expert(sql, buffer)
    return drawn
