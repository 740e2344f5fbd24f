"""Derived tables (rollups) that a Celery beat task rebuilds whole: one way to replace them."""

from __future__ import annotations

from django.db import connection, models, transaction


def replace_all(model: type[models.Model], rows: list[models.Model], batch_size: int = 2000):
    """Replace every row of `model` with `rows` in one transaction. Readers see the old rows
    until it commits. On PostgreSQL the table is locked against other writers first, so two
    refreshes that overlap (a backlog of beat tasks on several workers) run one after the
    other instead of both inserting and doubling every figure."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        model.objects.all().delete()
        model.objects.bulk_create(rows, batch_size=batch_size)
