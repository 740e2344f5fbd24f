"""The cash-in curve for a viewer: expected receipts per week or month and currency, with a
p10–p90 interval, beside the plan (every milestone paid on its due date).

Each open milestone's outstanding amount is split in ten equal parts, one on each of its ten
equally likely payment days (`CashForecast.days`), so every period's figure is a sum of
whole cents and the periods (with "later") add up to exactly what is open. The interval of a
period treats milestones as independent: the expected amount ± 1.28 standard deviations of
the sum (a normal approximation), kept within 0 and the open amount.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from ..choices import OPEN_MILESTONE_STATES, MilestoneKind
from ..models import CashForecast, ForecastBasis
from ..selectors.lists import milestone_list
from ..selectors.money import OUTSTANDING

PERIODS = {"week": 13, "month": 12}
Z90 = 1.2816  # the standard normal's 90th percentile
CENT = Decimal("0.01")


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_start(start: dt.date, period: str) -> dt.date:
    if period == "week":
        return start + dt.timedelta(days=7)
    year, month = divmod(start.month, 12)
    return start.replace(year=start.year + year, month=month + 1)


def tenths(amount: Decimal) -> list[Decimal]:
    """An amount in ten parts of whole cents that add up to it exactly."""
    cents = int((amount / CENT).to_integral_value())
    base, rest = divmod(cents, 10)
    return [Decimal(base + (1 if i < rest else 0)) * CENT for i in range(10)]


def _open_rows(user: User):
    return (
        milestone_list(user=user, figures=True)
        .filter(state__in=OPEN_MILESTONE_STATES)
        .annotate(open_amount=OUTSTANDING, forecast_days=F("cash_forecast__days"))
        .filter(open_amount__gt=0)
    )


def refreshed_at() -> dt.datetime | None:
    return CashForecast.objects.aggregate(at=Max("refreshed_at"))["at"]


class _Currency:
    """One currency's running sums while the curve is built."""

    def __init__(self, n: int):
        self.predicted = [Decimal(0)] * (n + 1)  # the last one is "later"
        self.plan = [Decimal(0)] * (n + 1)
        self.variance = [0.0] * (n + 1)
        self.open = Decimal(0)
        self.unscheduled = Decimal(0)


def cash_curve(*, user: User, period: str = "month", today: dt.date | None = None) -> dict:
    """The viewer's expected cash-in per period and currency, from the stored predictions
    (a milestone the last refresh did not see yet counts on its due date)."""
    today = today or timezone.localdate()
    n = PERIODS[period]
    starts = [period_start(today, period)]
    for _i in range(n - 1):
        starts.append(next_start(starts[-1], period))
    end = next_start(starts[-1], period)

    def index(day: dt.date) -> int:
        day = max(day, today)
        if day >= end:
            return n
        return next(i for i in range(n - 1, -1, -1) if starts[i] <= day)

    sums: dict[str, _Currency] = {}
    rows = _open_rows(user).values("currency", "due_date", "open_amount", "forecast_days")
    for row in rows.iterator(chunk_size=2000):
        cur = sums.setdefault(row["currency"], _Currency(n))
        amount = row["open_amount"]
        cur.open += amount
        if row["due_date"] is None:
            cur.unscheduled += amount
            continue
        cur.plan[index(row["due_date"])] += amount
        days = [int(d) for d in row["forecast_days"].split(",")] if row["forecast_days"] else []
        share: dict[int, int] = defaultdict(int)
        for part, late in zip(tenths(amount), days or [0] * 10, strict=True):
            i = index(row["due_date"] + dt.timedelta(days=late))
            cur.predicted[i] += part
            share[i] += 1
        for i, count in share.items():
            p = count / 10
            cur.variance[i] += float(amount) ** 2 * p * (1 - p)
    return {
        "as_of": today,
        "period": period,
        "refreshed_at": refreshed_at(),
        "currencies": [_currency(code, sums[code], starts) for code in sorted(sums)],
    }


def _currency(code: str, cur: _Currency, starts: list[dt.date]) -> dict:
    scheduled = cur.open - cur.unscheduled
    periods = []
    for i, start in enumerate(starts):
        spread = Decimal(str(Z90 * math.sqrt(cur.variance[i]))).quantize(CENT)
        periods.append(
            {
                "start": start,
                "predicted": cur.predicted[i],
                "low": max(cur.predicted[i] - spread, Decimal("0.00")),
                "high": min(cur.predicted[i] + spread, scheduled),
                "plan": cur.plan[i],
            }
        )
    return {
        "currency": code,
        "open_amount": cur.open,
        "scheduled": scheduled,
        "unscheduled": cur.unscheduled,
        "periods": periods,
        "later": {"predicted": cur.predicted[-1], "plan": cur.plan[-1]},
    }


def explain(basis: str, own: int, pool: int, kind: str) -> str:
    """What a prediction rests on, in the reader's language."""
    kind_label = str(MilestoneKind(kind).label) if kind in MilestoneKind.values else kind
    if basis == ForecastBasis.PLAN:
        return _("No paid history yet: expected on its due date.")
    if basis == ForecastBasis.CUSTOMER:
        return _("From %(own)s paid %(kind)s milestones of this customer.") % {
            "own": own,
            "kind": kind_label,
        }
    pool_name = str(ForecastBasis(basis).label)
    if own:
        return _("%(own)s paid milestones of this customer blended with %(pool)s of %(name)s.") % {
            "own": own,
            "pool": pool,
            "name": pool_name,
        }
    return _("New here: from %(pool)s paid milestones of %(name)s.") % {
        "pool": pool,
        "name": pool_name,
    }


def milestone_forecasts(*, user: User, limit: int = 50) -> list[dict]:
    """The viewer's open milestones with their prediction, soonest expected first."""
    rows = (
        _open_rows(user)
        .filter(cash_forecast__isnull=False)
        .select_related("cash_forecast")
        .order_by("cash_forecast__predicted_on", "pk")[:limit]
    )
    return [
        {
            "milestone": m,
            "id": m.pk,
            "contract": m.contract.number,
            "customer": m.contract.customer.name,
            "kind": m.kind,
            "currency": m.currency,
            "outstanding": m.outstanding,
            "due_date": m.due_date,
            "predicted_on": m.cash_forecast.predicted_on,
            "days_late": m.cash_forecast.days_late,
            "p_by_due": m.cash_forecast.p_by_due,
            "basis": m.cash_forecast.basis,
            "own_count": m.cash_forecast.own_count,
            "pool_count": m.cash_forecast.pool_count,
            "explanation": explain(
                m.cash_forecast.basis,
                m.cash_forecast.own_count,
                m.cash_forecast.pool_count,
                m.kind,
            ),
        }
        for m in rows
    ]
