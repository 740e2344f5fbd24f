"""Receivables reports: ageing, days sales outstanding, collection rate, expected cash-in.

Every figure is an SQL aggregate over the policy-scoped milestones, grouped by currency
(amounts in different currencies are never added, ADR 2).

Definitions:
- receivables: what is outstanding on milestones whose trigger has happened (due, invoiced,
  partly paid);
- ageing: receivables by days past the due date — not due, 1–30, 31–60, 61–90, over 90;
- DSO over a period of N days: receivables now ÷ amounts that fell due in the last N days × N;
- collection rate over a period: paid on the milestones due in the period ÷ their amount;
- expected cash-in: what is outstanding on open milestones, by month of their due date;
  overdue amounts and milestones whose trigger has not happened are shown apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import User
from core import policy
from core.models import RollupRefresh

from ..choices import OPEN_MILESTONE_STATES, RECEIVABLE_STATES, AgeingBucket, AgeingGroup
from ..models import AgeingRollup, PaymentMilestone
from .lists import milestone_list
from .money import OUTSTANDING, TENTH, ZERO, pct

GROUP_FIELDS = {
    AgeingGroup.ORG_UNIT: ("contract__org_unit", ("contract__org_unit__name",)),
    AgeingGroup.CUSTOMER: ("contract__customer", ("contract__customer__name",)),
    AgeingGroup.OWNER: (
        "contract__owner",
        ("contract__owner__first_name", "contract__owner__last_name", "contract__owner__username"),
    ),
}


ZERO_AMOUNT = Decimal("0.00")


def bucket_filters(today: dt.date) -> dict[str, Q]:
    """The ageing buckets as filters on the due date."""

    def days(n: int) -> dt.date:
        return today - dt.timedelta(days=n)

    return {
        AgeingBucket.NOT_DUE: Q(due_date__isnull=True) | Q(due_date__gte=today),
        AgeingBucket.D1_30: Q(due_date__lte=days(1), due_date__gte=days(30)),
        AgeingBucket.D31_60: Q(due_date__lte=days(31), due_date__gte=days(60)),
        AgeingBucket.D61_90: Q(due_date__lte=days(61), due_date__gte=days(90)),
        AgeingBucket.D90_PLUS: Q(due_date__lt=days(90)),
    }


def receivables(*, user: User):
    return milestone_list(user=user, figures=True).filter(state__in=RECEIVABLE_STATES)


def _label(row: dict, fields: tuple[str, ...]) -> str:
    if len(fields) == 3:
        full = f"{row[fields[0]]} {row[fields[1]]}".strip()
        return full or row[fields[2]] or ""
    return row[fields[0]] or ""


def bucket_sums(today: dt.date) -> dict:
    """The ageing figures of a group of receivables as SQL aggregates: the outstanding amount
    per bucket, the total and the count. The live report and the rollup both use these."""
    sums = {
        bucket.value: Coalesce(Sum(OUTSTANDING, filter=q), ZERO)
        for bucket, q in bucket_filters(today).items()
    }
    return {**sums, "total": Coalesce(Sum(OUTSTANDING), ZERO), "count": Count("id")}


def _figures(row: dict) -> dict:
    return {
        "currency": row["currency"],
        "count": row["count"],
        "total": row["total"],
        "overdue": row["total"] - row[AgeingBucket.NOT_DUE],
        **{b.value: row[b] for b in AgeingBucket},
        "cells": [row[b] for b in AgeingBucket],
    }


def _rolled_up_by_org_unit(user: User, today: dt.date) -> tuple[list, list, dt.datetime] | None:
    """The ageing by org unit from `AgeingRollup` when it can answer: the viewer sees whole
    org subtrees of milestones, and the rollup counted today's buckets within the last
    `AGEING_ROLLUP_MAX_AGE` seconds (else None: aggregate live)."""
    whole, root = policy.subtree_scope(PaymentMilestone, user, "see_amounts")
    if not whole:
        return None
    last = RollupRefresh.objects.filter(rollup="ageing")  # full or incremental (ADR 33)
    stamp = last.values_list("as_of", "refreshed_at").first()
    max_age = dt.timedelta(seconds=getattr(settings, "AGEING_ROLLUP_MAX_AGE", 15 * 60))
    if stamp is None or stamp[0] != today or stamp[1] < timezone.now() - max_age:
        return None
    rolled = AgeingRollup.objects.all()
    if root is not None:
        rolled = rolled.filter(org_unit__path__startswith=root.path)
    rows = list(
        rolled.annotate(unit=F("org_unit"), unit_name=F("org_unit__name"))
        .values("unit", "unit_name", "currency", "count", "total", *AgeingBucket.values)
        .order_by("currency", "-total", "org_unit")
    )
    totals: dict[str, dict] = {}
    for row in rows:
        total = totals.setdefault(
            row["currency"],
            {"currency": row["currency"], "count": 0, "total": ZERO_AMOUNT}
            | {b: ZERO_AMOUNT for b in AgeingBucket.values},
        )
        for name in ("count", "total", *AgeingBucket.values):
            total[name] += row[name]
    return rows, [totals[c] for c in sorted(totals)], stamp[1]


def ageing(
    *, user: User, group: str = AgeingGroup.CUSTOMER, today: dt.date | None = None, queryset=None
) -> dict:
    """Receivables in ageing buckets per group (org unit, customer or AR) and currency, with
    a total row per currency. One query for the groups, one for the totals; by org unit for
    managers and finance, a few hundred rows of the rollup (`refreshed_at` says when)."""
    today = today or timezone.localdate()
    group = AgeingGroup(group)
    rolled = None
    if group == AgeingGroup.ORG_UNIT and queryset is None:
        rolled = _rolled_up_by_org_unit(user, today)
    if rolled is not None:
        rows, totals, refreshed_at = rolled
        key, label_fields = "unit", ("unit_name",)
    else:
        key, label_fields = GROUP_FIELDS[group]
        base = queryset if queryset is not None else receivables(user=user)
        sums = bucket_sums(today)
        rows = (
            base.values(key, *label_fields, "currency")
            .annotate(**sums)
            .order_by("currency", "-total", key)
        )
        totals = base.values("currency").annotate(**sums).order_by("currency")
        refreshed_at = None
    return {
        "as_of": today,
        "refreshed_at": refreshed_at,
        "group": group.value,
        "buckets": [{"key": b.value, "label": str(b.label)} for b in AgeingBucket],
        "rows": [
            {"key": row[key], "label": _label(row, label_fields), **_figures(row)} for row in rows
        ],
        "totals": [_figures(row) for row in totals],
    }


def kpis(*, user: User, today: dt.date | None = None, period_days: int = 90) -> list[dict]:
    """Per currency: receivables, overdue, DSO and collection rate over the last
    `period_days` days."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=period_days)
    scoped = milestone_list(user=user, figures=True)
    found: dict[str, dict] = defaultdict(
        lambda: {
            "receivables": Decimal("0.00"),
            "overdue": Decimal("0.00"),
            "fell_due": Decimal("0.00"),
            "due_in_period": Decimal("0.00"),
            "collected_in_period": Decimal("0.00"),
        }
    )
    for row in (
        scoped.filter(state__in=RECEIVABLE_STATES)
        .values("currency")
        .annotate(
            receivables=Coalesce(Sum(OUTSTANDING), ZERO),
            overdue=Coalesce(Sum(OUTSTANDING, filter=Q(due_date__lt=today)), ZERO),
        )
        .order_by()
    ):
        found[row["currency"]].update(receivables=row["receivables"], overdue=row["overdue"])
    for row in (
        scoped.filter(triggered_on__gt=since, triggered_on__lte=today)
        .values("currency")
        .annotate(fell_due=Coalesce(Sum("amount"), ZERO))
        .order_by()
    ):
        found[row["currency"]]["fell_due"] = row["fell_due"]
    for row in (
        scoped.filter(due_date__gt=since, due_date__lte=today)
        .values("currency")
        .annotate(
            due_in_period=Coalesce(Sum("amount"), ZERO),
            collected_in_period=Coalesce(Sum("paid_amount"), ZERO),
        )
        .order_by()
    ):
        found[row["currency"]].update(
            due_in_period=row["due_in_period"], collected_in_period=row["collected_in_period"]
        )
    result = []
    for currency in sorted(found):
        row = found[currency]
        dso = (
            (row["receivables"] / row["fell_due"] * period_days).quantize(
                TENTH, rounding=ROUND_HALF_UP
            )
            if row["fell_due"]
            else None
        )
        result.append(
            {
                "currency": currency,
                "period_days": period_days,
                **row,
                "dso_days": dso,
                "collection_rate_pct": pct(row["collected_in_period"], row["due_in_period"]),
            }
        )
    return result


def cash_forecast(*, user: User, today: dt.date | None = None, months: int = 12) -> dict:
    """Expected cash-in from open milestones by month of their due date, per currency;
    overdue, beyond the horizon and not yet scheduled (trigger not happened) apart."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    year, month = divmod(start.month - 1 + months, 12)
    horizon = start.replace(year=start.year + year, month=month + 1)
    open_ones = milestone_list(user=user, figures=True).filter(state__in=OPEN_MILESTONE_STATES)

    def per_currency(qs) -> list[dict]:
        return list(
            qs.values("currency")
            .annotate(amount=Coalesce(Sum(OUTSTANDING), ZERO), count=Count("id"))
            .order_by("currency")
        )

    monthly = (
        open_ones.filter(due_date__gte=today, due_date__lt=horizon)
        .annotate(month=TruncMonth("due_date"))
        .values("month", "currency")
        .annotate(amount=Coalesce(Sum(OUTSTANDING), ZERO), count=Count("id"))
        .order_by("month", "currency")
    )
    return {
        "as_of": today,
        "months": [
            {
                "month": row["month"].strftime("%Y-%m"),
                "currency": row["currency"],
                "amount": row["amount"],
                "count": row["count"],
            }
            for row in monthly
        ],
        "overdue": per_currency(open_ones.filter(due_date__lt=today)),
        "later": per_currency(open_ones.filter(due_date__gte=horizon)),
        "unscheduled": per_currency(open_ones.filter(due_date__isnull=True)),
    }
