"""Customer success (续单): recurring, new, churned and cumulative revenue per customer over
time.

Revenue is the "收" measure (metrics.py). For each customer and period (year or quarter),
against the period before it: recurring = the part of this period's revenue the previous
period also had (min of the two), new = the growth beyond it, churned = what the previous
period had and this one lost; cumulative = all revenue up to the period's end. The sums per
customer and month run in SQL; the comparison of neighbouring periods is arithmetic on them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from accounts.models import Customer, User
from core import policy

from ..choices import Metric
from . import metrics, periods
from .dashboards import Filters
from .periods import Period

ZERO = metrics.ZERO
MAX_CUSTOMERS = 200


def buckets(period: Period, granularity: str) -> list[tuple[str, Period]]:
    """The years or quarters that `period` touches, in order."""
    found = []
    for year in range(period.start.year, period.end.year + 1):
        if granularity == "quarter":
            for q in range(1, 5):
                p = periods.quarter(year, q)
                if p.end >= period.start and p.start <= period.end:
                    found.append((f"{year}-Q{q}", p))
        else:
            found.append((str(year), periods.year(year)))
    return found


def _previous(label_period: Period, granularity: str) -> Period:
    start = label_period.start
    if granularity == "quarter":
        back = start - dt.timedelta(days=1)
        return periods.quarter(back.year, (back.month - 1) // 3 + 1)
    return periods.year(start.year - 1)


def revenue_history(
    user: User, f: Filters, *, granularity: str = "year", customer: Customer | None = None
) -> dict:
    """Per customer and per period: revenue, recurring, new, churned and cumulative."""
    shown = buckets(f.period, granularity)
    first = _previous(shown[0][1], granularity)
    window = Period(first.start, shown[-1][1].end)
    common = {
        "currency": f.currency,
        "user": user,
        "unit": f.unit,
        "product_line": f.product_line or None,
        "customer": customer,
    }
    monthly = metrics.by_customer_and_month(Metric.REVENUE, window, **common)
    before = {
        r["customer"]: r["s"]
        for r in metrics.records(
            Metric.REVENUE,
            Period(dt.date(2000, 1, 1), first.start - dt.timedelta(days=1)),
            **common,
        )
        .values("customer")
        .annotate(s=Sum("amount"))
    }
    all_buckets = [("", first), *shown]
    per: dict[int, list[Decimal]] = {}
    for row in monthly:
        day = row["bucket"].date() if isinstance(row["bucket"], dt.datetime) else row["bucket"]
        for i, (_label, p) in enumerate(all_buckets):
            if day in p:
                per.setdefault(row["customer"], [ZERO] * len(all_buckets))[i] += row["s"]
                break
    for pk in before:
        per.setdefault(pk, [ZERO] * len(all_buckets))
    names = dict(
        policy.restrict(Customer.objects.filter(pk__in=list(per)), user).values_list("pk", "name")
    )
    totals = [
        {
            "period": label,
            "revenue": ZERO,
            "recurring": ZERO,
            "new": ZERO,
            "churned": ZERO,
            "cumulative": ZERO,
        }
        for label, _p in shown
    ]
    customers = []
    for pk, amounts in per.items():
        if pk not in names:
            continue
        running = before.get(pk, ZERO) + amounts[0]
        rows = []
        for i, (label, _p) in enumerate(shown, start=1):
            now, prev = amounts[i], amounts[i - 1]
            running += now
            row = {
                "period": label,
                "revenue": now,
                "recurring": min(now, prev),
                "new": max(now - prev, ZERO),
                "churned": max(prev - now, ZERO),
                "cumulative": running,
            }
            rows.append(row)
            for key in ("revenue", "recurring", "new", "churned", "cumulative"):
                totals[i - 1][key] += row[key]
        customers.append({"customer": pk, "name": names[pk], "periods": rows})
    customers.sort(key=lambda c: (-c["periods"][-1]["cumulative"], c["name"]))
    return {
        "periods": [label for label, _p in shown],
        "totals": totals,
        "customers": customers[:MAX_CUSTOMERS],
        "truncated": len(customers) > MAX_CUSTOMERS,
    }
