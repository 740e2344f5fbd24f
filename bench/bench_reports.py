"""Issue 23.4's speed: report-builder queries on the scale data set.

Times `reports.engine.run_report` (the same call the API's `run` and `preview` make: one SQL
aggregate through the access policy, groups labelled in Python) for reports grouping every
opportunity by two dimensions, for an administrator (the whole company) and a regional sales
manager (the policy's subtree filter), with and without a pivot column and a money sum per
currency. The target: <= 500 ms grouping 300k opportunities by two dimensions at full size.

    createdb -h 127.0.0.1 -U postgres -T ltc_bench_base ltc_bench_reports
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench_reports
    DEBUG=1 .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_reports.py --repeat 5

Everything runs in one transaction that is rolled back (the bench's own administrator).
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

from accounts.models import User  # noqa: E402
from core.choices import Role  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402
from reports.definition import clean_definition  # noqa: E402
from reports.engine import run_report  # noqa: E402

REPORTS = {
    "stage x month(created), count": {
        "record_type": "opportunities",
        "rows": ["state", "month:created_at"],
        "measure": "count",
    },
    "org unit x product line, sum of amount per currency": {
        "record_type": "opportunities",
        "rows": ["org_unit", "product_line"],
        "measure": "sum",
        "measure_field": "amount",
    },
    "owner x stage, count": {
        "record_type": "opportunities",
        "rows": ["owner", "state"],
        "measure": "count",
    },
    "stage x quarter(close) pivot by tier, avg amount": {
        "record_type": "opportunities",
        "rows": ["state", "quarter:expected_close_date"],
        "columns": ["tier"],
        "measure": "avg",
        "measure_field": "amount",
    },
}


def timed(call, repeat: int) -> tuple[float, float]:
    call()  # warm the caches once, as a page a person reloads
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), max(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{connection.vendor}: {Opportunity.objects.count():,} opportunities")
    with transaction.atomic():
        admin = User.objects.create(
            username="bench-reports-admin", role=Role.ADMIN, is_superuser=True, is_staff=True
        )
        manager = (
            User.objects.filter(role=Role.SALES_MANAGER, org_unit__kind="office").first()
            or User.objects.filter(role=Role.SALES_MANAGER, org_unit__kind="region").first()
            or User.objects.filter(role=Role.SALES_MANAGER).first()
        )
        readers = [("administrator", admin)]
        if manager is not None:
            scoped = Opportunity.objects.filter(
                org_unit__path__startswith=manager.org_unit.path
            ).count()
            readers.append((f"manager of {manager.org_unit} ({scoped:,} deals)", manager))
        for reader_name, reader in readers:
            for name, raw in REPORTS.items():
                definition = clean_definition(raw)
                result = run_report(reader, definition)
                p50, worst = timed(lambda d=definition, u=reader: run_report(u, d), args.repeat)
                print(
                    f"{reader_name} | {name}: {len(result['rows']):,} lines, "
                    f"p50 {p50:,.0f} ms, max {worst:,.0f} ms"
                )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
