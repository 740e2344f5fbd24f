"""On PostgreSQL, every field the global search matches with `icontains` has a trigram GIN
index on the expression the lookup runs (`UPPER(col::text)`), so search stays fast at scale."""

import importlib

import pytest
from django.db import connection

from core import web
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's"),
]

migration = importlib.import_module("core.migrations.0005_search_trigram_indexes")


def test_every_searched_field_has_a_trigram_index():
    from django.apps import apps

    searched = sorted(field for s in web._searchables.values() for field in s.fields)
    # The migration covers every field the search matches.
    assert searched == sorted(field for _app, _model, field in migration.SEARCHED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes")
        indexes = dict(cursor.fetchall())
    for app, model, field in migration.SEARCHED:
        meta = apps.get_model(app, model)._meta
        name = migration.index_name(meta.db_table, meta.get_field(field).column)
        assert name in indexes, name
        assert "gin_trgm_ops" in indexes[name] and "upper" in indexes[name].lower()


def test_the_search_query_can_use_the_index(org):
    CustomerFactory(name="Shenzhen Port Authority", owner=org.rep)
    from accounts.models import Customer

    # The lookup the search makes, alone (no other filter or order for the planner to prefer).
    queryset = Customer._base_manager.filter(name__icontains="port authority").order_by()
    with connection.cursor() as cursor:
        # A handful of rows: tell the planner to avoid scanning the table (or another index).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "accounts_customer_name_trgm" in plan, plan
