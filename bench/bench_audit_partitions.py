"""Issue 24.4's speed: a record's timeline on an audit trail of tens of millions of rows,
partitioned by month (ADR 37).

`--load` writes a synthetic trail with COPY, month by month into the partitioned
`ltc_auditevent` (the production table, with its indexes and append-only trigger): `--months`
months back from now, each record's events over three consecutive months (`--per-record`
events, a deal's life), until `--rows` rows or `--seconds` seconds, whichever comes first
(bounded). Then it times a record's timeline as the record page and the API ask for it
(`core.audit.timeline`: the newest 21 events, and the API's 500), for `--samples` records
chosen at random among those written, and prints the plan of one (index scan on
(target_type, target_id, at) in each partition, merged newest first).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench_partition
    DEBUG=1 .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_audit_partitions.py --load --rows 50000000 --seconds 600
    .venv/bin/python bench/bench_audit_partitions.py --samples 200

The rows are left in place (the trail is append-only; drop the database when done).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.audit import timeline  # noqa: E402
from core.partitions import ensure_partitions, month_start, next_month  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402

COLUMNS = (
    "target_type_id, target_id, at, actor_name, action, transition, from_state, to_state, "
    "comment, changes, via, api_key, user_agent"
)
ACTIONS = ["updated", "updated", "updated", "transition", "gate.opened", "gate.decided"]
SPAN = 3  # months a record's events spread over


class Lines(io.RawIOBase):
    """A file-like COPY source made from a generator of text lines (bounded memory)."""

    def __init__(self, lines):
        self.lines, self.buffer = lines, b""

    def readable(self):
        return True

    def readinto(self, target):
        while len(self.buffer) < len(target):
            chunk = "".join(next(self.lines, "") for _ in range(2000))
            if not chunk:
                break
            self.buffer += chunk.encode()
        n = min(len(target), len(self.buffer))
        target[:n], self.buffer = self.buffer[:n], self.buffer[n:]
        return n


def month_rows(rng, type_id, month, first_record, records, per_month):
    """The events in `month` of records [first_record, first_record + records)."""
    seconds = int((next_month(month) - month).total_seconds())
    for record in range(first_record, first_record + records):
        for _ in range(per_month):
            at = month + dt.timedelta(seconds=rng.randrange(seconds))
            action = rng.choice(ACTIONS)
            yield (
                f"{type_id}\t{record}\t{at.isoformat()}\tbench\t{action}\t\t\t\t\t"
                '{"title": ["a", "b"]}\tsystem\t\t\n'
            )


def load(args) -> None:
    rng = random.Random(24)
    type_id = ContentType.objects.get_for_model(Opportunity).pk
    now = month_start(timezone.now())
    first = now
    for _ in range(args.months - 1):
        first = month_start(first - dt.timedelta(days=1))
    ensure_partitions(since=first)
    per_month = max(1, args.per_record // SPAN)
    months = []
    month = first
    while month <= now:
        months.append(month)
        month = next_month(month)
    # Records started per month so that the months together hold about --rows rows.
    starts = max(1, args.rows // (len(months) * SPAN * per_month))
    written, began = 0, time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(target_id), 0) FROM ltc_auditevent")
        base = cursor.fetchone()[0] + 1
    for index, month in enumerate(months):
        if written >= args.rows or time.monotonic() - began > args.seconds:
            break
        lines = (
            line
            for back in range(SPAN)
            if index - back >= 0
            for line in month_rows(
                rng, type_id, month, base + (index - back) * starts, starts, per_month
            )
        )
        counted = [0]

        def counting(lines=lines, counted=counted):
            for line in lines:
                counted[0] += 1
                yield line

        with connection.cursor() as cursor:  # autocommit: each month's COPY commits
            copy = f"COPY ltc_auditevent ({COLUMNS}) FROM STDIN"
            cursor.cursor.copy_expert(copy, Lines(counting()))
        written += counted[0]
        elapsed = time.monotonic() - began
        print(f"{month:%Y-%m}: {written:,} rows in {elapsed:.0f} s ({written / elapsed:,.0f}/s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ltc_auditevent")
    print(f"loaded {written:,} rows, {len(months)} months, {starts:,} records a month")


def measure(args) -> None:
    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM ltc_auditevent "
            "WHERE actor_name = 'bench' AND target_type_id = %s",
            [ContentType.objects.get_for_model(Opportunity).pk],
        )
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), pg_size_pretty(sum(pg_total_relation_size(inhrelid))) "
            "FROM pg_inherits WHERE inhparent = 'ltc_auditevent'::regclass"
        )
        partitions, size = cursor.fetchone()
    print(f"{total:,} bench rows over {partitions} partitions, {size} with indexes")
    with connection.cursor() as cursor:  # records that exist, from every month
        cursor.execute(
            "SELECT DISTINCT target_id FROM ltc_auditevent TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
            "WHERE actor_name = 'bench' AND target_type_id = %s",
            [ContentType.objects.get_for_model(Opportunity).pk],
        )
        found = sorted(row[0] for row in cursor.fetchall())
    chosen = rng.sample(found, min(args.samples, len(found)))
    records = [Opportunity(pk=pk) for pk in chosen]
    for record in records:  # as a real record would be: made when its first event was written
        record.created_at = ltc_first_event(record)
    for label, limit in (("record page: newest 21", 21), ("API timeline: up to 500", 500)):
        times, counts = [], []
        for record in records:
            began = time.perf_counter()
            rows = list(timeline(record)[:limit])
            times.append((time.perf_counter() - began) * 1000)
            counts.append(len(rows))
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{label}: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
            f"max {times[-1]:.2f} ms ({statistics.mean(counts):.1f} events a record)"
        )
    if args.compare_plain:
        compare_plain(records)
    sql, params = timeline(records[0])[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print("\n".join(plan[:12]))
    if len(plan) > 15:
        print(f"  … {len(plan) - 15} more lines (the other partitions' index scans) …")
    print("\n".join(plan[max(12, len(plan) - 3) :]))


def compare_plain(records) -> None:
    """The same timeline SQL on an unpartitioned copy of the trail (the table as it was before
    migration 0020: one heap, the same (target_type, target_id, at) index): "before"."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_plain_target') IS NOT NULL")
        if not cursor.fetchone()[0]:  # made last, so a copy cut short is made again
            began = time.monotonic()
            cursor.execute("DROP TABLE IF EXISTS bench_plain_auditevent")
            cursor.execute("CREATE TABLE bench_plain_auditevent AS SELECT * FROM ltc_auditevent")
            cursor.execute("ALTER TABLE bench_plain_auditevent ADD PRIMARY KEY (id)")
            cursor.execute("ANALYZE bench_plain_auditevent")
            cursor.execute(
                "CREATE INDEX bench_plain_target "
                "ON bench_plain_auditevent (target_type_id, target_id, at DESC)"
            )
            print(f"unpartitioned copy made in {time.monotonic() - began:.0f} s")
    for label, limit, bounded in (
        ("unpartitioned, newest 21", 21, False),
        ("partitioned, no time bound, newest 21", 21, False),
        ("partitioned, bounded by the record's creation, newest 21", 21, True),
    ):
        times = []
        for record in records:
            made, record.created_at = record.created_at, record.created_at if bounded else None
            sql, params = timeline(record)[:limit].query.sql_with_params()
            record.created_at = made
            if label.startswith("unpartitioned"):
                sql = sql.replace('"ltc_auditevent"', '"bench_plain_auditevent"')
            with connection.cursor() as cursor:
                began = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                times.append((time.perf_counter() - began) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{label}: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms (SQL only)")


def ltc_first_event(record) -> dt.datetime:
    """When the synthetic record was "made": its first event (the generator has no records)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(at) FROM ltc_auditevent WHERE target_type_id = %s AND target_id = %s",
            [ContentType.objects.get_for_model(Opportunity).pk, record.pk],
        )
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", action="store_true", help="write the synthetic trail first")
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--seconds", type=int, default=600, help="stop loading after this")
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--per-record", type=int, default=21)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--compare-plain", action="store_true", help="also time an unpartitioned copy (before)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only (DATABASE_URL)")
    if args.load:
        load(args)
    measure(args)


if __name__ == "__main__":
    main()
