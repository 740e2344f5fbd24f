"""The figures behind the role homes' charts. Each reuses the selector of the report page that
shows the same figure (the pipeline dashboard, targets and coverage, commitments, the ageing
report, the collections dashboard), so the home and the report never disagree.

- manager: open pipeline by stage (the pipeline dashboard for the whole team) and this
  quarter's coverage of the unit's orders target;
- office director: escalated gate reviews waiting for their decision, and the office's
  commitments for this quarter against its orders target;
- finance: receivables by age (the ageing report's total row) and this month's cash-in against
  the payment milestones due this month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from core.gates import reviews_to_decide
from receivables.choices import AgeingGroup
from receivables.selectors import ageing, milestone_list

from ..choices import Metric, PeriodKind
from . import dashboards, metrics, periods, planning
from .records import commitment_list, target_list

ZERO = metrics.ZERO
CURRENCY = "CNY"


def _this_quarter(today: dt.date) -> tuple[int, periods.Period]:
    number = (today.month - 1) // 3 + 1
    return number, periods.quarter(today.year, number)


def _unit_target(user: User, year: int):
    """The orders target of the user's own org unit for the year (not a person's)."""
    return (
        target_list(user=user)
        .filter(
            year=year,
            metric=Metric.ORDERS,
            user=None,
            org_unit=user.org_unit_id,
            currency=CURRENCY,
        )
        .first()
    )


def team_funnel(user: User) -> list[dict]:
    """Open pipeline by stage: count, amount and weighted amount, as the pipeline dashboard
    shows it for the whole team (no person chosen)."""
    f = dashboards.Filters(period=periods.year(timezone.localdate().year), currency=CURRENCY)
    return dashboards.rep(user, f, None)["stages"]


def quarter_coverage(user: User) -> dict | None:
    """This quarter's orders target of the user's unit: won so far, what remains, the weighted
    pipeline expected to close in the rest of the quarter and its coverage ratio (as on the
    targets page, over the quarter instead of the year). None without a target."""
    today = timezone.localdate()
    number, quarter = _this_quarter(today)
    target = _unit_target(user, today.year)
    if target is None:
        return None
    row = planning.coverage([target], quarter, user=user)[0]
    return {**row, "quarter": number, "year": today.year, "currency": target.currency}


def escalations_waiting(user: User) -> dict:
    """Escalated gate reviews waiting for this user's decision: how many and the oldest's age
    in days (one aggregate query)."""
    found = (
        reviews_to_decide(user)
        .filter(escalated=True)
        .order_by()
        .aggregate(count=Count("pk"), oldest=Min("created_at"))
    )
    oldest = found["oldest"]
    age = (timezone.now() - oldest).days if oldest is not None else None
    return {"count": found["count"], "oldest_days": age}


def office_commit(user: User) -> dict | None:
    """The office's commitments for this quarter against its orders target: per person, their
    quarter commitment if they made one, else the sum of their monthly commitments in the
    quarter (the commitments page's rows, added up). None without a target."""
    today = timezone.localdate()
    number, quarter = _this_quarter(today)
    target = _unit_target(user, today.year)
    if target is None:
        return None
    months = periods.months_of_quarter(number)
    rows = (
        commitment_list(user=user)
        .filter(
            year=today.year,
            metric=Metric.ORDERS,
            currency=target.currency,
            org_unit__path__startswith=user.org_unit.path,
        )
        .filter(
            Q(period_kind=PeriodKind.QUARTER, period=number)
            | Q(period_kind=PeriodKind.MONTH, period__in=months)
        )
        .values("user", "period_kind")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    per_person: dict[int, dict[str, Decimal]] = {}
    for r in rows:
        per_person.setdefault(r["user"], {})[r["period_kind"]] = r["s"]
    committed = sum(
        (
            kinds.get(PeriodKind.QUARTER, kinds.get(PeriodKind.MONTH, ZERO))
            for kinds in per_person.values()
        ),
        ZERO,
    )
    figures = planning.attainment([target], quarter, user=user)[target.pk]
    return {
        "quarter": number,
        "year": today.year,
        "currency": target.currency,
        "target": figures["target"],
        "won": figures["actual"],
        "committed": committed,
        "people": len(per_person),
        "commit_pct": planning.pct(committed, figures["target"]),
    }


def receivables_by_age(user: User) -> dict:
    """The ageing report's total row per currency (buckets and total)."""
    report = ageing(user=user, group=AgeingGroup.ORG_UNIT)
    return {"buckets": report["buckets"], "totals": report["totals"], "as_of": report["as_of"]}


def cash_in_this_month(user: User) -> dict:
    """This month's cash-in against plan, in CNY: what the payment milestones due this month
    ask for (written-off parts excluded) and what was received this month (the collections
    dashboard's figure for the month)."""
    today = timezone.localdate()
    month = periods.month(today.year, today.month)
    planned = (
        milestone_list(user=user, figures=True)
        .filter(currency=CURRENCY, due_date__gte=month.start, due_date__lte=month.end)
        .order_by()
        .aggregate(
            amount=Coalesce(Sum("amount"), ZERO),
            written_off=Coalesce(Sum("written_off_amount"), ZERO),
            count=Count("pk"),
        )
    )
    f = dashboards.Filters(period=month, currency=CURRENCY)
    received = dashboards.collections(user, f)["collected_total"]
    plan = planned["amount"] - planned["written_off"]
    return {
        "currency": CURRENCY,
        "month": month.start,
        "planned": plan,
        "milestones": planned["count"],
        "received": received,
        "received_pct": planning.pct(received, plan),
    }
