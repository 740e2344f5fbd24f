"""Monthly partitions of the tables that grow for years: the audit trail and notifications.

On PostgreSQL `ltc_auditevent` (by `at`) and `ltc_notification` (by `created_at`) are
partitioned by RANGE into one partition per calendar month in UTC (`<table>_pYYYYMM`), plus a
DEFAULT partition (`<table>_default`) so that an insert never fails for want of a partition.
Migration 0020 converts the tables; `ensure_partitions` (the beat job `partitions-ahead`,
`manage.py ensure_partitions`) keeps the next months' partitions made before rows arrive, and
moves any rows the DEFAULT partition caught into the month they belong to. Old audit months
leave through `manage.py archive_audit` (`core.archive`). SQLite has no partitions: every
function here does nothing there. See ADR 37.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

#: The partitioned tables and the column each is partitioned by.
PARTITIONED = {"ltc_auditevent": "at", "ltc_notification": "created_at"}
#: How many months past the current one always have their partition made.
MONTHS_AHEAD = 3


@dataclass(frozen=True)
class Partition:
    """One monthly partition: its table name and the UTC month [start, end) it holds."""

    name: str
    start: dt.datetime
    end: dt.datetime


def month_start(value: dt.date | dt.datetime) -> dt.datetime:
    """Midnight UTC of the first day of `value`'s month (an aware datetime is taken in UTC)."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = value.astimezone(dt.UTC)
    return dt.datetime(value.year, value.month, 1, tzinfo=dt.UTC)


def next_month(start: dt.datetime) -> dt.datetime:
    return month_start(start + dt.timedelta(days=32))


def months(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """Each month start from `first`'s month to `last`'s month, both included (bounded)."""
    found, month, end = [], month_start(first), month_start(last)
    while month <= end and len(found) < 1200:  # a hundred years at most
        found.append(month)
        month = next_month(month)
    return found


def partition_name(table: str, month: dt.datetime) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def enabled() -> bool:
    """Whether this database partitions (PostgreSQL after migration 0020)."""
    return connection.vendor == "postgresql" and is_partitioned("ltc_auditevent")


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table]
        )
        return cursor.fetchone() is not None


def monthly_partitions(table: str) -> list[Partition]:
    """The monthly partitions of `table`, oldest first (the DEFAULT partition not among them)."""
    if connection.vendor != "postgresql":
        return []
    prefix = f"{table}_p"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = []
    for name in names:
        suffix = name[len(prefix) :]
        if not name.startswith(prefix) or len(suffix) != 6 or not suffix.isdigit():
            continue
        start = dt.datetime(int(suffix[:4]), int(suffix[4:]), 1, tzinfo=dt.UTC)
        found.append(Partition(name=name, start=start, end=next_month(start)))
    return found


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _literal(moment: dt.datetime) -> str:
    return f"'{moment.isoformat()}'"


def create_month(table: str, month: dt.datetime) -> bool:
    """Make `table`'s partition for `month` if it is missing; False if it was there.

    Rows of that month the DEFAULT partition caught meanwhile move into the new partition, in
    the same transaction (the DEFAULT partition is detached for the move, so the append-only
    trigger, which the detached table no longer has, does not refuse their removal from it;
    attached again it gets the trigger back). Call inside a transaction."""
    month = month_start(month)
    name = partition_name(table, month)
    key = PARTITIONED[table]
    parent, default = _quote(table), _quote(default_name(table))
    bounds = f"FOR VALUES FROM ({_literal(month)}) TO ({_literal(next_month(month))})"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('ltc.partitions'), hashtext(%s))", [table]
        )
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        in_month = f"{_quote(key)} >= %s AND {_quote(key)} < %s"
        exists = f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_month})"  # noqa: S608
        cursor.execute(exists, [month, next_month(month)])
        if not cursor.fetchone()[0]:
            cursor.execute(f"CREATE TABLE {_quote(name)} PARTITION OF {parent} {bounds}")
            return True
        cursor.execute(f"ALTER TABLE {parent} DETACH PARTITION {default}")
        cursor.execute(f"CREATE TABLE {_quote(name)} PARTITION OF {parent} {bounds}")
        move = f"INSERT INTO {_quote(name)} SELECT * FROM {default} WHERE {in_month}"  # noqa: S608
        cursor.execute(move, [month, next_month(month)])
        remove = f"DELETE FROM {default} WHERE {in_month}"  # noqa: S608
        cursor.execute(remove, [month, next_month(month)])
        cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {default} DEFAULT")
    return True


def default_months(table: str, before: dt.datetime | None = None) -> list[dt.datetime]:
    """The months of the rows `table`'s DEFAULT partition holds (earlier than `before`)."""
    key = _quote(PARTITIONED[table])
    month = f"date_trunc('month', {key} AT TIME ZONE 'UTC')"
    sql = f"SELECT DISTINCT {month} FROM {_quote(default_name(table))}"  # noqa: S608
    params: list = []
    if before is not None:
        sql += f" WHERE {key} < %s"
        params.append(before)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY 1", params)
        return [month_start(row[0].replace(tzinfo=dt.UTC)) for row in cursor.fetchall()]


def ensure_partitions(
    *, months_ahead: int = MONTHS_AHEAD, since: dt.datetime | None = None, now=None
) -> int:
    """Make every missing monthly partition from `since` (default: the current month) to
    `months_ahead` months past the current one, and one for each month of the rows the DEFAULT
    partition caught; how many were made. Idempotent; nothing on SQLite."""
    if not enabled():
        return 0
    current = month_start(now or timezone.now())
    last = current
    for _ in range(max(0, min(months_ahead, 120))):
        last = next_month(last)
    made = 0
    for table in PARTITIONED:
        with transaction.atomic():
            wanted = set(months(min(since, current) if since else current, last))
            wanted.update(default_months(table))
            for month in sorted(wanted):
                made += create_month(table, month)
    return made
