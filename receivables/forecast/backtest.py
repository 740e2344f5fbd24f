"""Backtest: forecast the last periods from the history before them, and compare with what
was paid and with the plan (every milestone paid on its due date, the overdue at once).

As of a cut-off day (`holdout_days` before today) the model sees only milestones paid before
it, and predicts every milestone triggered before it and not paid by then. Errors:
- per milestone, for those paid between the cut-off and today: mean absolute error of the
  predicted payment date (the median) against the receipt date, in days;
- per week and per month of the held-out span, per currency: mean absolute error of the
  expected cash-in against the cash actually received on those milestones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ..choices import MilestoneState
from .curve import next_start, period_start, tenths
from .history import history, paid_on
from .refresh import ROW_FIELDS, open_milestones, predictions


def _held_out(cutoff: dt.date):
    return (
        open_milestones(as_of=cutoff)
        .exclude(state=MilestoneState.WRITTEN_OFF)
        .annotate(paid_on=paid_on())
        .filter(Q(paid_on__isnull=True) | Q(paid_on__gte=cutoff))
        .values(*ROW_FIELDS, "amount", "currency", "paid_on")
    )


def _mean(values: list) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _cash_errors(made: dict, cutoff: dt.date, today: dt.date, period: str) -> list[dict]:
    starts = [period_start(cutoff, period)]
    while next_start(starts[-1], period) <= today:
        starts.append(next_start(starts[-1], period))
    n = len(starts)

    def index(day: dt.date) -> int:
        day = max(day, cutoff)
        if day > today:
            return n  # beyond the held-out span
        return next(i for i in range(n - 1, -1, -1) if starts[i] <= day)

    def zeros() -> list[Decimal]:
        return [Decimal(0)] * (n + 1)

    actual, model, naive = defaultdict(zeros), defaultdict(zeros), defaultdict(zeros)
    for row, p in made.values():
        code, amount, due = row["currency"], row["amount"], row["due_date"]
        actual[code][index(row["paid_on"]) if row["paid_on"] else n] += amount
        naive[code][index(due)] += amount
        for part, late in zip(tenths(amount), p.days, strict=True):
            model[code][index(due + dt.timedelta(days=late))] += part
    result = []
    for code in sorted(actual):
        model_errors = [abs(model[code][i] - actual[code][i]) for i in range(n)]
        naive_errors = [abs(naive[code][i] - actual[code][i]) for i in range(n)]
        result.append(
            {
                "currency": code,
                "periods": n,
                "received": sum(actual[code][:n]),
                "mae_model": (sum(model_errors) / n).quantize(Decimal("0.01")),
                "mae_naive": (sum(naive_errors) / n).quantize(Decimal("0.01")),
            }
        )
    return result


def backtest(*, holdout_days: int = 182, today: dt.date | None = None) -> dict:
    """Forecast the last `holdout_days` from the history before them; the errors of the
    forecast and of the plan."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=holdout_days)
    made = predictions(list(_held_out(cutoff)), history(before=cutoff), cutoff)
    model_days, naive_days = [], []
    for row, p in made.values():
        if row["paid_on"] is None or row["paid_on"] > today:
            continue
        predicted = max(row["due_date"] + dt.timedelta(days=p.median), cutoff)
        model_days.append(abs((predicted - row["paid_on"]).days))
        naive_days.append(abs((max(row["due_date"], cutoff) - row["paid_on"]).days))
    return {
        "cutoff": cutoff,
        "today": today,
        "milestones": len(made),
        "paid_in_holdout": len(model_days),
        "date_mae_model": _mean(model_days),
        "date_mae_naive": _mean(naive_days),
        "weekly": _cash_errors(made, cutoff, today, "week"),
        "monthly": _cash_errors(made, cutoff, today, "month"),
    }
