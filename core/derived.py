"""Derived tables (rollups) that a Celery beat task rebuilds whole: one way to replace them."""

from __future__ import annotations

import datetime as dt

from django.db import connection, models, transaction

from .bulk import copy_insert


def _cell(value):
    """A value as COPY reads it: intervals spelled out, the rest as they are."""
    if isinstance(value, dt.timedelta):
        return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    return value


def replace_all(model: type[models.Model], rows: list[models.Model], batch_size: int = 2000):
    """Replace every row of `model` with `rows` in one transaction. Readers see the old rows
    until it commits. On PostgreSQL the table is locked against other writers first, so two
    refreshes that overlap (a backlog of beat tasks on several workers) run one after the
    other instead of both inserting and doubling every figure; the rows go in with COPY
    (a funnel refresh writes a quarter of a million)."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            model.objects.all().delete()
            model.objects.bulk_create(rows, batch_size=batch_size)
            return
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        model.objects.all().delete()
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        values = [tuple(_cell(getattr(row, name)) for name in fields) for row in rows]
        copy_insert(model, tuple(fields), values, ids=False)
