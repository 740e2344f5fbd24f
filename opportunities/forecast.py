"""The forecast: win probability per stage, weighted amounts, and the pipeline per period.

Each opportunity stores the probability of its stage (`probability_pct`, set on every stage
change from `StageProbability`, nearest org unit first), so weighted sums are plain SQL
aggregates. Key-account planning builds reps' commitments (承诺) on `weighted_pipeline` and
`forecast_by_period`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter
from django.utils import timezone

from accounts.models import OrgUnit, User
from core import hooks, policy
from core.money import quantize
from core.periods import Period
from core.rates import Conversion, convert_dated, convert_totals

from .choices import DEFAULT_STAGE_PROBABILITY, OPEN_STAGES, ForecastCategory
from .models import Opportunity, StageProbability

# --- Probability per stage -----------------------------------------------------------------------


def stage_probability(org_unit: OrgUnit | None, stage: str) -> Decimal:
    """The win probability of `stage` for deals in `org_unit`: the nearest unit's setting up the
    tree, then the company default row, then the built-in default."""
    ancestors = org_unit.ancestor_ids() if org_unit is not None else []
    rows = {
        row.org_unit_id: row.probability_pct
        for row in StageProbability.objects.filter(stage=stage).filter(org_unit_id__in=ancestors)
        | StageProbability.objects.filter(stage=stage, org_unit__isnull=True)
    }
    for pk in reversed(ancestors):
        if pk in rows:
            return rows[pk]
    if None in rows:
        return rows[None]
    return Decimal(DEFAULT_STAGE_PROBABILITY.get(stage, 0))


def stage_probabilities(org_unit: OrgUnit | None = None) -> dict[str, Decimal]:
    """{stage: percent} in force for deals in `org_unit` (None: the company), by the same rule
    as `stage_probability` and in one query. The single source every page showing stage
    probabilities reads (ADR 6); weighted figures read the stored `probability_pct` instead."""
    ancestors = org_unit.ancestor_ids() if org_unit is not None else []
    rank = {None: -1, **{pk: i for i, pk in enumerate(ancestors)}}
    found: dict[str, tuple[int, Decimal]] = {}
    rows = StageProbability.objects.filter(org_unit_id__in=ancestors) | (
        StageProbability.objects.filter(org_unit__isnull=True)
    )
    for row in rows:
        level = rank[row.org_unit_id]
        if row.stage not in found or found[row.stage][0] < level:
            found[row.stage] = (level, row.probability_pct)
    return {
        stage: found[stage][1] if stage in found else Decimal(DEFAULT_STAGE_PROBABILITY[stage])
        for stage in DEFAULT_STAGE_PROBABILITY
    }


# --- Weighted pipeline ---------------------------------------------------------------------------


def weighted_amount() -> ExpressionWrapper:
    """SQL: amount × the stored stage probability / 100, per opportunity (a fresh expression for
    every query). The one definition of a weighted amount: the opportunity's own figure, the
    forecast and every key-account funnel, pipeline and coverage sum this (ADR 6). A later
    stage may put a learned probability in the stage probability's place (ADR 31: the
    `opportunities.win_probability` expression, falling back to the stage's)."""
    probability = hooks.expression_for("opportunities.win_probability", F("probability_pct"))
    return ExpressionWrapper(
        F("amount") * probability / Value(Decimal(100)),
        output_field=DecimalField(max_digits=22, decimal_places=6),
    )


def _scoped(
    queryset: QuerySet[Opportunity],
    period: Period | None,
    owner: User | None,
    org_unit: OrgUnit | None,
) -> QuerySet[Opportunity]:
    queryset = queryset.filter(state__in=OPEN_STAGES)
    if period is not None:
        queryset = queryset.filter(
            expected_close_date__gte=period.start, expected_close_date__lte=period.end
        )
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    if org_unit is not None:
        queryset = queryset.filter(org_unit__path__startswith=org_unit.path)
    return queryset


def _money_rows(rows) -> list[dict]:
    return [
        {
            **{k: v for k, v in row.items() if k not in ("amount_sum", "weighted_sum")},
            "amount": quantize(row["amount_sum"] or 0),
            "weighted_amount": quantize(row["weighted_sum"] or 0),
        }
        for row in rows
    ]


def weighted_pipeline(
    *,
    user: User,
    period: Period | None = None,
    owner: User | None = None,
    org_unit: OrgUnit | None = None,
) -> list[dict]:
    """Open opportunities `user` may see closing in `period` (of `owner`, or in `org_unit`'s
    subtree): per currency and forecast category, the count, the amount and the weighted
    amount (amount × stage probability). One SQL aggregate; currencies are never mixed."""
    rows = (
        _scoped(policy.restrict_figures(Opportunity.objects.all(), user), period, owner, org_unit)
        .values("currency", "forecast_category")
        .annotate(
            count=Count("id"),
            # Not named "amount": that would shadow the field the weighted sum reads.
            amount_sum=Coalesce(Sum("amount"), Value(Decimal(0))),
            weighted_sum=Coalesce(Sum(weighted_amount()), Value(Decimal(0))),
        )
        .order_by("currency", "forecast_category")
    )
    return _money_rows(rows)


def forecast_by_period(
    *,
    user: User,
    start: dt.date,
    end: dt.date,
    granularity: str = "month",
    owner: User | None = None,
    org_unit: OrgUnit | None = None,
) -> list[dict]:
    """Like `weighted_pipeline`, split by month or quarter of the expected close date:
    rows of {period (first day), currency, forecast_category, count, amount, weighted_amount}."""
    trunc = TruncQuarter if granularity == "quarter" else TruncMonth
    rows = (
        _scoped(
            policy.restrict_figures(Opportunity.objects.all(), user),
            Period(start, end),
            owner,
            org_unit,
        )
        .annotate(period=trunc("expected_close_date"))
        .values("period", "currency", "forecast_category")
        .annotate(
            count=Count("id"),
            # Not named "amount": that would shadow the field the weighted sum reads.
            amount_sum=Coalesce(Sum("amount"), Value(Decimal(0))),
            weighted_sum=Coalesce(Sum(weighted_amount()), Value(Decimal(0))),
        )
        .order_by("period", "currency", "forecast_category")
    )
    return _money_rows(rows)


def weighted_pipeline_converted(
    *,
    user: User,
    conversion: Conversion,
    period: Period | None = None,
    owner: User | None = None,
    today: dt.date | None = None,
) -> dict:
    """`weighted_pipeline`'s total (omitted deals left out, as on the page) of every currency
    converted into one (ADR 30): sums per currency in SQL, or per currency and expected close
    date when converting at each deal's date; then the few sums are converted."""
    today = today or timezone.localdate()
    deals = _scoped(policy.restrict_figures(Opportunity.objects.all(), user), period, owner, None)
    deals = deals.exclude(forecast_category=ForecastCategory.OMITTED).order_by()
    figures = {"amount": Sum("amount"), "weighted": Sum(weighted_amount())}
    if conversion.at_record_dates:
        grouped = deals.values_list("currency", "expected_close_date")
        return {
            name: convert_dated(
                grouped.annotate(s=total), into=conversion.into, today=today
            ).as_dict()
            for name, total in figures.items()
        }
    grouped = deals.values_list("currency")
    return {
        name: convert_totals(grouped.annotate(s=total), into=conversion.into, day=today).as_dict()
        for name, total in figures.items()
    }
