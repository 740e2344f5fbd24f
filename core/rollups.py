"""Incremental rollups (issue 24.2, ADR 33): database triggers mark a rollup's keys dirty in the
transaction of every change to the rows it sums, and the refresh takes only those keys.

A key is (org unit, currency, product line). `dirty_trigger(...)` gives the migration operation
that installs a table's trigger (PostgreSQL: one plpgsql function; SQLite: one trigger per
event); `take(rollup)` reads and deletes the keys marked so far; `stamp`/`last` keep when a
rollup was last refreshed. Triggers rather than signals: a queryset update, a bulk insert and an
import's COPY change rows without a model's `save()`, and each must mark its keys too.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

from .rollup_models import RollupDirty, RollupRefresh

_COLUMNS = "rollup, org_unit_id, currency, product_line"


def _pg(name: str, table: str, rollup: str, key: str) -> tuple[str, str]:
    def mark(row: str) -> str:
        return (
            # Migration-time constants, never input.
            f"INSERT INTO ltc_rollupdirty ({_COLUMNS}) SELECT '{rollup}', k.* FROM "  # noqa: S608
            f"({key.format(row=row)}) k ON CONFLICT DO NOTHING;"
        )

    forward = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {mark("OLD")} END IF;
  IF TG_OP <> 'DELETE' THEN {mark("NEW")} END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER INSERT OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_u AFTER UPDATE ON {table}
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {name}();
"""
    reverse = f"""
DROP TRIGGER IF EXISTS {name} ON {table};
DROP TRIGGER IF EXISTS {name}_u ON {table};
DROP FUNCTION IF EXISTS {name}();
"""
    return forward, reverse


def _sqlite(name: str, table: str, rollup: str, key: str) -> tuple[list[str], list[str]]:
    def mark(row: str) -> str:
        return (
            f"INSERT OR IGNORE INTO ltc_rollupdirty ({_COLUMNS}) SELECT '{rollup}', k.* "  # noqa: S608
            f"FROM ({key.format(row=row)}) k;"
        )

    forward = [
        f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} BEGIN {mark('NEW')} END;",
        f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} BEGIN {mark('OLD')} END;",
        f"CREATE TRIGGER {name}_u AFTER UPDATE ON {table} BEGIN {mark('OLD')} {mark('NEW')} END;",
    ]
    reverse = [f"DROP TRIGGER IF EXISTS {name}_{event};" for event in "idu"]
    return forward, reverse


def dirty_trigger(name: str, table: str, rollup: str, key: str) -> migrations.RunPython:
    """The migration operation installing a trigger on `table` that marks `rollup`'s keys
    dirty for the old and the new row of every insert, update and delete. `key` is a SELECT
    of (org unit id, currency, product line) from `{row}` (OLD or NEW), no rows when the row
    belongs to no key (e.g. `... WHERE {row}.org_unit_id IS NOT NULL`)."""

    def run(apps, schema_editor, undo=False):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            forward, reverse = _pg(name, table, rollup, key)
            schema_editor.execute(reverse if undo else forward)
        elif vendor == "sqlite":
            forward, reverse = _sqlite(name, table, rollup, key)
            for statement in reverse if undo else forward:
                schema_editor.execute(statement)

    return migrations.RunPython(run, lambda apps, schema_editor: run(apps, schema_editor, True))


def take(rollup: str) -> list[tuple[int, str, str]]:
    """The keys of `rollup` marked dirty so far, deleted as they are read (call inside the
    refresh's transaction, under its lock: a key marked meanwhile stays for the next one)."""
    rows = list(
        RollupDirty.objects.filter(rollup=rollup).values_list(
            "pk", "org_unit_id", "currency", "product_line"
        )
    )
    if rows:
        RollupDirty.objects.filter(pk__in=[row[0] for row in rows]).delete()
    return [row[1:] for row in rows]


def forget(rollup: str) -> None:
    """Drop every dirty key of `rollup` (a full rebuild is about to answer them all)."""
    RollupDirty.objects.filter(rollup=rollup).delete()


def last(rollup: str) -> RollupRefresh | None:
    return RollupRefresh.objects.filter(rollup=rollup).first()


def stamp(rollup: str, now: dt.datetime, today: dt.date) -> None:
    RollupRefresh.objects.update_or_create(
        rollup=rollup, defaults={"refreshed_at": now, "as_of": today}
    )
