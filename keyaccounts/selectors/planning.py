"""Targets against the real figures: attainment, funnel coverage (risk margin) and the
accuracy of commitments. Sums run in SQL, a constant number of queries for any list.

Coverage: for an orders target and a period (default: the target's year), the remaining
target is the period's target minus the orders booked in it so far (never below zero); the
weighted pipeline is the open opportunities (of the unit's subtree, or owned by the person),
in the target's currency, expected to close between today (or the period start, if later)
and the period end, each weighted by its stage probability. Coverage is weighted pipeline ÷
remaining target; it falls short below the required ratio of the target's unit.

Commitment accuracy: 100 − |actual − committed| ÷ committed × 100, floored at 0 (100 when
both are zero); over time, 100 × (1 − Σ|actual − committed| ÷ Σ committed) over periods
that have ended.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User
from core import policy
from opportunities.choices import OPEN_STAGES
from opportunities.models import Opportunity
from opportunities.selectors import weighted_amount

from ..choices import Metric, PeriodKind
from ..models import Commitment, SalesTarget, TargetMonth
from . import metrics, periods
from .periods import Period

ZERO = metrics.ZERO
HUNDRED = Decimal("100")


def pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def months_in(period: Period, year: int) -> list[int]:
    """The months of `year` that `period` touches."""
    return [
        m
        for m in range(1, 13)
        if periods.month(year, m).start <= period.end and periods.month(year, m).end >= period.start
    ]


def _target_amounts(targets: list[SalesTarget], months: list[int]) -> dict[int, Decimal]:
    rows = (
        TargetMonth.objects.filter(target__in=[t.pk for t in targets], month__in=months)
        .values("target")
        .annotate(s=Sum("amount"))
    )
    return {r["target"]: r["s"] for r in rows}


def _sums_for(queryset: QuerySet, targets: list[SalesTarget], amount) -> dict[int, Decimal]:
    """One figure per target from one query per kind: people grouped by owner and currency,
    units by a conditional sum over each unit's subtree."""
    found: dict[int, Decimal] = {}
    people = [t for t in targets if t.user_id]
    units = [t for t in targets if not t.user_id]
    if people:
        rows = (
            queryset.filter(owner__in=[t.user_id for t in people])
            .values("owner", "currency")
            .annotate(s=Sum(amount))
        )
        by_owner = {(r["owner"], r["currency"]): r["s"] for r in rows}
        for t in people:
            found[t.pk] = by_owner.get((t.user_id, t.currency)) or ZERO
    if units:
        sums = queryset.aggregate(
            **{
                f"t{t.pk}": Sum(
                    amount,
                    filter=Q(org_unit__path__startswith=t.org_unit.path, currency=t.currency),
                )
                for t in units
            }
        )
        for t in units:
            found[t.pk] = sums[f"t{t.pk}"] or ZERO
    return found


def attainment(targets: list[SalesTarget], period: Period, *, user: User) -> dict[int, dict]:
    """For each target: its amount and actual in `period` (within the target's year), and the
    attainment %. Five queries whatever the number of targets."""
    result: dict[int, dict] = {}
    by_metric: dict[str, list[SalesTarget]] = defaultdict(list)
    for t in targets:
        by_metric[t.metric].append(t)
    for metric, group in by_metric.items():
        for year in {t.year for t in group}:
            in_year = [t for t in group if t.year == year]
            window = Period(
                max(period.start, dt.date(year, 1, 1)), min(period.end, dt.date(year, 12, 31))
            )
            planned = _target_amounts(in_year, months_in(period, year))
            actual = _sums_for(
                metrics.records(metric, window, currency=None, user=user), in_year, "amount"
            )
            for t in in_year:
                amount, done = planned.get(t.pk, ZERO), actual.get(t.pk, ZERO)
                result[t.pk] = {
                    "target": amount,
                    "actual": done,
                    "attainment_pct": pct(done, amount),
                }
    return result


def target_months(target: SalesTarget, *, user: User) -> dict:
    """A target month by month and quarter by quarter, with the actual of each (one grouped
    query for the actuals)."""
    year = periods.year(target.year)
    actual = metrics.by_month(
        target.metric,
        year,
        currency=target.currency,
        user=user,
        unit=None if target.user_id else target.org_unit,
        person=target.user,
    )
    months, running_target, running_actual = [], ZERO, ZERO
    planned = {m.month: m.amount for m in target.months.all()}
    for number in range(1, 13):
        amount = planned.get(number, ZERO)
        done = actual.get((target.year, number), ZERO)
        running_target += amount
        running_actual += done
        months.append(
            {
                "month": number,
                "target": amount,
                "actual": done,
                "attainment_pct": pct(done, amount),
                "cumulative_target": running_target,
                "cumulative_actual": running_actual,
            }
        )
    quarters = []
    for q in range(1, 5):
        rows = [months[m - 1] for m in periods.months_of_quarter(q)]
        amount = sum((r["target"] for r in rows), ZERO)
        done = sum((r["actual"] for r in rows), ZERO)
        quarters.append(
            {"quarter": q, "target": amount, "actual": done, "attainment_pct": pct(done, amount)}
        )
    return {
        "months": months,
        "quarters": quarters,
        "year": {
            "target": running_target,
            "actual": running_actual,
            "attainment_pct": pct(running_actual, running_target),
        },
    }


def pipeline(*, user: User | None) -> QuerySet[Opportunity]:
    queryset = Opportunity.objects.filter(state__in=OPEN_STAGES)
    return queryset if user is None else policy.restrict_figures(queryset, user)


def coverage(targets: list[SalesTarget], period: Period | None = None, *, user: User) -> list[dict]:
    """Funnel coverage of each orders target in `period` (default: its year)."""
    from ..services.accounts import settings_for

    today = timezone.localdate()
    rows = []
    orders = [t for t in targets if t.metric == Metric.ORDERS]
    by_year: dict[int, list[SalesTarget]] = defaultdict(list)
    for t in orders:
        by_year[t.year].append(t)
    ratios: dict[int, Decimal] = {}
    for year, group in by_year.items():
        window = period or periods.year(year)
        window = Period(
            max(window.start, dt.date(year, 1, 1)), min(window.end, dt.date(year, 12, 31))
        )
        done = attainment(group, window, user=user)
        ahead = Period(max(window.start, today), window.end)
        open_deals = pipeline(user=user).filter(
            expected_close_date__gte=ahead.start, expected_close_date__lte=ahead.end
        )
        if ahead.start > ahead.end:
            open_deals = open_deals.none()
        weighted = _sums_for(open_deals, group, weighted_amount())
        unweighted = _sums_for(open_deals, group, "amount")
        for t in group:
            if t.org_unit_id not in ratios:
                ratios[t.org_unit_id] = settings_for(t.org_unit).coverage_ratio
            required = ratios[t.org_unit_id]
            figures = done[t.pk]
            remaining = max(figures["target"] - figures["actual"], ZERO)
            w = (weighted.get(t.pk) or ZERO).quantize(Decimal("0.01"))
            ratio = (w / remaining).quantize(Decimal("0.01")) if remaining else None
            needed = (required * remaining).quantize(Decimal("0.01"))
            rows.append(
                {
                    "target": t,
                    "period_start": window.start,
                    "period_end": window.end,
                    "period_target": figures["target"],
                    "actual": figures["actual"],
                    "remaining": remaining,
                    "pipeline": unweighted.get(t.pk) or ZERO,
                    "weighted_pipeline": w,
                    "coverage": ratio,
                    "required": required,
                    "gap": max(needed - w, ZERO),
                    "short": bool(remaining) and w < needed,
                }
            )
    return rows


# --- Commitments -------------------------------------------------------------------------


def _accuracy(actual: Decimal, committed: Decimal) -> Decimal | None:
    if not committed:
        return HUNDRED if not actual else None
    miss = abs(actual - committed) * HUNDRED / committed
    return max(HUNDRED - miss, Decimal("0")).quantize(Decimal("0.1"))


def commitment_rows(commitments: list[Commitment], *, user: User) -> list[dict]:
    """Each commitment with its actual (one grouped query per measure) and accuracy."""
    today = timezone.localdate()
    if not commitments:
        return []
    span = Period(
        min(periods.of(c.year, c.period_kind, c.period).start for c in commitments),
        max(periods.of(c.year, c.period_kind, c.period).end for c in commitments),
    )
    monthly: dict[tuple, Decimal] = {}
    for metric in {c.metric for c in commitments}:
        rows = (
            metrics.records(metric, span, currency=None, user=user)
            .filter(owner__in={c.user_id for c in commitments})
            .annotate(bucket=TruncMonth(metrics.month_field(metric)))
            .values("owner", "currency", "bucket")
            .annotate(s=Sum("amount"))
        )
        for r in rows:
            key = (metric, r["owner"], r["currency"], r["bucket"].year, r["bucket"].month)
            monthly[key] = monthly.get(key, ZERO) + r["s"]
    result = []
    for c in commitments:
        months = (
            [c.period] if c.period_kind == PeriodKind.MONTH else periods.months_of_quarter(c.period)
        )
        actual = sum(
            (monthly.get((c.metric, c.user_id, c.currency, c.year, m), ZERO) for m in months), ZERO
        )
        window = periods.of(c.year, c.period_kind, c.period)
        result.append(
            {
                "commitment": c,
                "actual": actual,
                "difference": actual - c.amount,
                "accuracy_pct": _accuracy(actual, c.amount),
                "closed": window.end < today,
                "period_start": window.start,
                "period_end": window.end,
            }
        )
    return result


def accuracy_over_time(rows: list[dict]) -> list[dict]:
    """Per person and currency, over the periods that have ended: Σ committed, Σ actual and
    the forecast accuracy 100 × (1 − Σ|actual − committed| ÷ Σ committed)."""
    groups: dict[tuple, dict] = {}
    for row in rows:
        if not row["closed"]:
            continue
        c = row["commitment"]
        group = groups.setdefault(
            (c.user_id, c.currency),
            {
                "user": c.user,
                "currency": c.currency,
                "periods": 0,
                "committed": ZERO,
                "actual": ZERO,
                "miss": ZERO,
            },
        )
        group["periods"] += 1
        group["committed"] += c.amount
        group["actual"] += row["actual"]
        group["miss"] += abs(row["actual"] - c.amount)
    result = []
    for group in groups.values():
        committed = group.pop("miss")
        group["accuracy_pct"] = (
            max(HUNDRED - committed * HUNDRED / group["committed"], Decimal("0")).quantize(
                Decimal("0.1")
            )
            if group["committed"]
            else None
        )
        result.append(group)
    return sorted(result, key=lambda g: (str(g["user"]), g["currency"]))
