"""Predict every open, scheduled milestone and store the predictions (`CashForecast`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core.derived import replace_all

from ..choices import OPEN_MILESTONE_STATES
from ..models import CashForecast, PaymentMilestone
from .history import history
from .model import History, Prediction, predict


def open_milestones(as_of: dt.date | None = None):
    """Open milestones with a due date: what the forecast places on the calendar. With
    `as_of` (a backtest), those triggered before that day and not yet paid then."""
    qs = PaymentMilestone.objects.filter(due_date__isnull=False)
    if as_of is None:
        return qs.filter(state__in=OPEN_MILESTONE_STATES)
    return qs.filter(triggered_on__lt=as_of)


def predictions(rows, hist: History, as_of: dt.date) -> dict[int, tuple[dict, Prediction]]:
    """Predictions for milestone rows (pk, due_date, kind, customer, tier, industry), one
    computation per distinct (customer, kind, days past due)."""
    cache: dict[tuple, Prediction] = {}
    found = {}
    for row in rows:
        elapsed = (as_of - row["due_date"]).days
        key = (row["contract__customer_id"], row["kind"], elapsed)
        if key not in cache:
            cache[key] = predict(
                hist,
                customer=row["contract__customer_id"],
                tier=row["contract__customer__tier"],
                industry=row["contract__customer__industry"],
                kind=row["kind"],
                elapsed=elapsed,
            )
        found[row["pk"]] = (row, cache[key])
    return found


ROW_FIELDS = (
    "pk",
    "due_date",
    "kind",
    "contract__customer_id",
    "contract__customer__tier",
    "contract__customer__industry",
)


def refresh() -> int:
    """Rebuild the forecast as of today; returns the rows written."""
    today, now = timezone.localdate(), timezone.now()
    rows = open_milestones().values(*ROW_FIELDS).iterator(chunk_size=2000)
    made = predictions(rows, history(), today)
    forecasts = [
        CashForecast(
            milestone_id=pk,
            predicted_on=row["due_date"] + dt.timedelta(days=p.median),
            days_late=p.median,
            p_by_due=Decimal(str(p.p_by_due)),
            days=",".join(str(d) for d in p.days),
            basis=p.basis,
            own_count=p.own_count,
            pool_count=p.pool_count,
            refreshed_at=now,
        )
        for pk, (row, p) in made.items()
    ]
    replace_all(CashForecast, forecasts)
    return len(forecasts)
