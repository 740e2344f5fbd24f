"""Incremental rollups (issue 24.2): the funnel and ageing refresh after a change of N records,
against the full rebuild, on the scale data. Runs inside a transaction that is rolled back.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench_NAME
    .venv/bin/python bench/bench_rollups.py --changes 1 10 100
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()
logging.disable(logging.INFO)

from django.db import transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.db.models.functions import Now  # noqa: E402

from bench.run import Rollback  # noqa: E402
from core.models import RollupDirty  # noqa: E402
from keyaccounts.services import rollups as funnel  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402
from receivables import rollups as ageing  # noqa: E402
from receivables.models import PaymentMilestone  # noqa: E402


def clock(label: str, fn) -> None:
    started = time.perf_counter()
    result = fn()
    print(f"| {label} | {(time.perf_counter() - started) * 1000:,.0f} | {result:,} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()
    print(f"opportunities: {Opportunity.objects.count():,}")
    print("| step | ms | rows or keys |")
    print("| --- | ---: | ---: |")
    try:
        with transaction.atomic():
            clock("funnel: full rebuild", funnel.refresh)
            clock("funnel: incremental, nothing changed", funnel.refresh_dirty)
            clock("ageing: full rebuild", ageing.refresh)
            for n in args.changes:
                ids = list(Opportunity.objects.order_by("?").values_list("pk", flat=True)[:n])
                clock(
                    f"change {n} opportunities (amount +1, one UPDATE)",
                    lambda ids=ids: Opportunity.objects.filter(pk__in=ids).update(
                        amount=F("amount") + 1
                    ),
                )
                keys = RollupDirty.objects.filter(rollup="funnel").count()
                print(f"| dirty funnel keys marked | | {keys:,} |")
                clock(f"funnel: incremental after {n} changes", funnel.refresh_dirty)
                ids = list(PaymentMilestone.objects.order_by("?").values_list("pk", flat=True)[:n])
                PaymentMilestone.objects.filter(pk__in=ids).update(updated_at=Now())
                clock(f"ageing: incremental after {n} milestone changes", ageing.refresh_dirty)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
