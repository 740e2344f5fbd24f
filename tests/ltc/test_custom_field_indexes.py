"""A number, money or date custom field gets an index on the expression its range filter runs
(PostgreSQL), made after the definition commits, so a range filter on it is as fast as on a
built-in column; the job makes any that are missing."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from core.custom_fields.filtering import apply_custom_filters
from core.custom_fields.services import custom_field_create
from core.tasks import ensure_custom_field_indexes
from opportunities.models import Opportunity
from tests.conftest import on_postgresql

#: Keys of their own: an index outlives the flush between tests (it is schema, not data), so
#: a later test giving one of these keys another type would fail on its cast.
FIELDS = [
    ("ix_score", "number", "custom.ix_score__gte=10"),
    ("ix_budget", "money", "custom.ix_budget__gte=10"),
    ("ix_since", "date", "custom.ix_since__gte=2026-01-01"),
]


@pytest.fixture
def drop_made_indexes():
    """Drop the `_cf_` indexes a test made (schema survives the flush of its data)."""
    yield
    with connection.cursor() as cursor:
        for name in {n for n in indexes() if "_cf_ix_" in n}:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def define(admin, key, type):
    data = {
        "target": "opportunities.opportunity",
        "key": key,
        "label_en": key,
        "label_zh": key,
        "type": type,
    }
    return custom_field_create(by=admin, data=data)


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'opportunities_opportunity'"
        )
        return {row[0] for row in cursor.fetchall()}


def plan_of(query: str) -> str:
    queryset = apply_custom_filters(Opportunity.objects.order_by(), dict([query.split("=")]))
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(not on_postgresql(), reason="expression indexes are PostgreSQL's")
def test_defining_a_ranged_field_makes_the_index_its_filter_uses(
    org, transactional_db, drop_made_indexes
):
    for key, type, _query in FIELDS:
        define(org.admin, key, type)  # commits: the task runs after it
    define(org.admin, "note", "text")
    made = {name for name in indexes() if "_cf_" in name}
    assert made == {f"opportunities_opportunity_cf_{key}" for key, _t, _q in FIELDS}
    for key, _type, query in FIELDS:
        assert f"opportunities_opportunity_cf_{key}" in plan_of(query), query
    assert ensure_custom_field_indexes.delay().get() == 0  # all there: nothing to make


@pytest.mark.skipif(not on_postgresql(), reason="expression indexes are PostgreSQL's")
def test_the_job_makes_a_missing_index(org, transactional_db, drop_made_indexes):
    field = define(org.admin, "ix_score", "number")
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "opportunities_opportunity_cf_ix_score"')
    assert ensure_custom_field_indexes.delay([field.pk]).get() == 1
    assert "opportunities_opportunity_cf_ix_score" in indexes()


@pytest.mark.skipif(on_postgresql(), reason="the embedded default's case")
@pytest.mark.django_db
def test_on_the_embedded_default_the_job_makes_nothing(org):
    define(org.admin, "ix_score", "number")
    assert ensure_custom_field_indexes.delay().get() == 0
