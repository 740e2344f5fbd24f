"""Backtest the cash-in forecast (ADR 29) on the database's history: hold out the last
periods, predict them from the history before, and print the errors beside the plan's.
Reads only. `manage.py backtest_cash_forecast --holdout-days 182` (bench/RESULTS.md)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand

from receivables.forecast.backtest import backtest


class Command(BaseCommand):
    help = "Forecast the held-out last periods from the history before; errors vs the plan."

    def add_arguments(self, parser):
        parser.add_argument("--holdout-days", type=int, default=182)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the result as JSON."
        )

    def handle(self, *args, holdout_days: int, as_json: bool, **options):
        started = time.monotonic()
        result = backtest(holdout_days=holdout_days)
        result["seconds"] = round(time.monotonic() - started, 2)
        if as_json:
            self.stdout.write(_dumps(result))
            return
        out = self.stdout.write
        out(f"cut-off {result['cutoff']} … {result['today']} ({result['seconds']} s)")
        out(
            f"milestones open at the cut-off: {result['milestones']}, "
            f"paid in the held-out span: {result['paid_in_holdout']}"
        )
        out(
            f"payment date MAE (days): forecast {result['date_mae_model']}, "
            f"plan {result['date_mae_naive']}"
        )
        for name in ("weekly", "monthly"):
            for row in result[name]:
                out(
                    f"{name} cash MAE {row['currency']} over {row['periods']} periods "
                    f"(received {row['received']}): forecast {row['mae_model']}, "
                    f"plan {row['mae_naive']}"
                )


def _dumps(result: dict) -> str:
    return json.dumps(result, default=str, indent=2)
