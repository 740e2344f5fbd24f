"""Issue 24.9: the scale generator leaves the tables it wrote vacuumed and analysed on
PostgreSQL (it does not rely on autovacuum), and says so."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from bench.management.commands.generate_scale_data import MODELS

from .test_generate_scale_data import ARGS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM: PostgreSQL"),
]


def maintenance() -> dict[str, tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read the counters as they are now
        cursor.execute(
            "SELECT relname, last_vacuum, last_analyze FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s)",
            [[m._meta.db_table for m in MODELS]],
        )
        return {name: (vacuumed, analysed) for name, vacuumed, analysed in cursor.fetchall()}


def test_the_tables_written_end_vacuumed_and_analysed():
    before = maintenance()
    out = io.StringIO()
    call_command("generate_scale_data", *ARGS, stdout=out)
    after = maintenance()
    assert set(after) == {m._meta.db_table for m in MODELS}
    for table, (vacuumed, analysed) in after.items():
        assert vacuumed is not None and analysed is not None, table
        assert (vacuumed, analysed) != before.get(table), table  # this run's, not an old one
    assert f"{len(MODELS)} tables vacuumed and analysed" in out.getvalue()
