"""Credit sharing (issue 21.6, ADR 23): the ledger read against computing the credit on read.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench
    DEBUG=1 .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/bench_credit.py --lines 500000 --repeat 20

In one transaction that is rolled back it copies the demo's credit lines into `--lines`
synthetic ones (spread over the demo's people, their units and two years), ANALYZEs, then
times:

- the incentive report read from the ledger (one SQL aggregate per figure) for an
  administrator and a team manager, per person and per team;
- what computing the same credit on read costs per contract: the split in force resolved
  and every event (booking, each allocation) split by largest remainder, without writing,
  and so what a report over `--contracts` contracts would take;
- `credit_contract` on a contract already credited (the beat job's check).

It prints p50/p95 in ms; nothing it writes is kept.
"""

from __future__ import annotations

import argparse
import os
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

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from contracts.models import Contract  # noqa: E402
from core.periods import Period  # noqa: E402
from incentives.models import CreditLine  # noqa: E402
from incentives.selectors import incentive_report  # noqa: E402
from incentives.services import credit_contract  # noqa: E402
from incentives.shares import shares_for_contract, split_amount  # noqa: E402
from receivables.models import ReceiptAllocation  # noqa: E402


class Rollback(Exception):
    pass


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, int(len(runs) * 0.95) - 1)]


def grow(lines: int) -> None:
    """Copy the demo's lines into `lines` synthetic ones over its people and two years."""
    with connection.cursor() as cursor:
        # The synthetic lines share the demo's few events: the once-per-event key would keep
        # only a handful, so it is dropped inside the rolled-back transaction.
        cursor.execute(f"ALTER TABLE {CreditLine._meta.db_table} DROP CONSTRAINT credit_line_once")
        cursor.execute(
            f"""
            INSERT INTO {CreditLine._meta.db_table}
                (event_id, kind, contract_id, person_id, org_unit_id, seat, pct, amount,
                 currency, credited_on, reversal)
            SELECT l.event_id, l.kind, l.contract_id, u.id, u.org_unit_id, l.seat, l.pct,
                   (g %% 100000) + 0.01, l.currency,
                   CURRENT_DATE - ((g %% 730) || ' days')::interval, false
            FROM generate_series(1, %s) AS g
            JOIN LATERAL (SELECT * FROM {CreditLine._meta.db_table}
                          ORDER BY id OFFSET (g %% 3) LIMIT 1) AS l ON true
            JOIN LATERAL (SELECT id, org_unit_id FROM accounts_user
                          WHERE org_unit_id IS NOT NULL
                          ORDER BY id OFFSET (g %% 12) LIMIT 1) AS u ON true
            """,
            [lines],
        )
        cursor.execute(f"ANALYZE {CreditLine._meta.db_table}")


def on_read(contract: Contract) -> None:
    shares = shares_for_contract(contract)
    pcts = [s.pct for s in shares]
    split_amount(contract.amount, pcts)
    for allocation in ReceiptAllocation.objects.filter(milestone__contract=contract):
        split_amount(allocation.amount, pcts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    admin = User.objects.get(username="admin")
    manager = User.objects.get(username="mgr.zhao")
    year = Period.year(timezone.localdate().year)
    try:
        with transaction.atomic():
            grow(args.lines)
            print(f"credit lines: {CreditLine.objects.count():,}")
            for who, user in (("admin", admin), ("team manager", manager)):
                for grouping in ("person", "team"):
                    p50, p95 = timed(
                        lambda u=user, g=grouping: incentive_report(
                            u, period=year, grouping=g, unit=u.org_unit, currency="CNY"
                        ),
                        args.repeat,
                    )
                    print(f"ledger report, {who}, per {grouping}: p50 {p50:.1f} ms, p95 {p95:.1f}")
            contracts = list(
                Contract.objects.exclude(signed_on__isnull=True).select_related(
                    "opportunity__partner", "team"
                )
            )
            p50, p95 = timed(lambda: [on_read(c) for c in contracts], args.repeat)
            each = p50 / max(1, len(contracts))
            print(
                f"on read: {len(contracts)} contracts p50 {p50:.1f} ms ({each:.2f} ms each); "
                f"{args.contracts:,} contracts ≈ {each * args.contracts / 1000:.0f} s per report"
            )
            first = contracts[0].pk
            p50, p95 = timed(lambda: credit_contract(first), args.repeat)
            print(f"credit_contract, nothing changed: p50 {p50:.1f} ms, p95 {p95:.1f}")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
