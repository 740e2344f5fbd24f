"""The dashboards: the manager's funnel, a rep's pipeline and due tasks, an SR's pre-sales
contribution, finance's collections, and revenue retention per customer (renewals).

Every dashboard takes the same filters: an org unit (its subtree), a period, a product line
and a currency (amounts of different currencies are never added up). Every figure is a SQL
aggregate over records narrowed by the access policy, so a dashboard never shows what its
viewer could not open.

The funnel's cohort is the opportunities *created* in the period: their count and amount per
current stage; "reached" a stage means being in it or beyond it on the path to "won" now, or
having an audited transition into it or beyond it (a lost deal reached the stages it passed);
conversion is reached(next) ÷ reached(stage). Ageing: days the cohort's
open opportunities have been in their stage (`state_changed_at`), and the average days spent
in each stage before leaving it (audited transitions). Win rate and cycle time look at the
opportunities *closed* in the period; gate outcomes at the reviews *opened* in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import OrgUnit, User
from core import policy
from core.choices import Decision, GateKind, GateState, TriangleRole, label
from core.gates import reviews_waiting_for
from core.models import AuditEvent, GateAssessment, GateReview
from opportunities.choices import CLOSED_STAGES, OPEN_STAGES, Stage
from opportunities.models import Opportunity
from opportunities.selectors import stage_probabilities, weighted_amount
from receivables.choices import OPEN_MILESTONE_STATES, RECEIVABLE_STATES, AgeingBucket
from receivables.models import PaymentMilestone
from receivables.selectors.money import OUTSTANDING

from ..choices import ActionStatus, Metric
from ..models import PlanAction
from . import metrics, rollups
from .periods import Period
from .planning import pct

ZERO = metrics.ZERO
LINEAR = [*OPEN_STAGES, Stage.WON]
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Filters:
    """What every dashboard is narrowed by."""

    period: Period
    unit: OrgUnit | None = None
    product_line: str = ""
    currency: str = "CNY"


def _days(value) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, dt.timedelta):  # some backends return microseconds
        value = dt.timedelta(microseconds=float(value))
    return Decimal(value.total_seconds() / 86400).quantize(Decimal("0.1"))


def opportunities(user: User, f: Filters) -> QuerySet[Opportunity]:
    queryset = policy.restrict_figures(Opportunity.objects.filter(currency=f.currency), user)
    if f.unit is not None:
        queryset = queryset.filter(org_unit__path__startswith=f.unit.path)
    if f.product_line:
        queryset = queryset.filter(product_line=f.product_line)
    return queryset


def _opportunity_type() -> ContentType:
    return ContentType.objects.get_for_model(Opportunity)


def _stage_rows(queryset: QuerySet, stages: list[str], weighted: bool = False) -> list[dict]:
    # Aliases differ from field names: "amount" as an alias would shadow the field that
    # the weighted sum multiplies.
    extra = {"weighted_sum": Sum(weighted_amount())} if weighted else {}
    found = {
        r["state"]: r
        for r in queryset.values("state").annotate(
            count=Count("pk"), amount_sum=Sum("amount"), **extra
        )
    }
    labels = dict(Stage.choices)
    rows = []
    for stage in stages:
        row = found.get(stage, {})
        entry = {
            "stage": stage,
            "label": str(labels[stage]),
            "count": row.get("count", 0),
            "amount": row.get("amount_sum") or ZERO,
        }
        if weighted:
            entry["weighted"] = (row.get("weighted_sum") or ZERO).quantize(Decimal("0.01"))
        rows.append(entry)
    return rows


def funnel(user: User, f: Filters, *, live: bool = False) -> dict:
    """The manager's funnel. Read from the rollup (`selectors/rollups.py`, refreshed by Celery
    beat) when it covers the viewer and period, else aggregated live; `as_of` says when the
    figures were taken (None: now, live)."""
    base = opportunities(user, f)
    parts = None if live else rollups.funnel_parts(user, f)
    data = _funnel_rolled_up(parts) if parts else _funnel_live(user, f, base)
    labels = dict(Stage.choices)
    ct = _opportunity_type()

    if parts:
        gates = parts["gates"]
    else:  # gate outcomes of the reviews opened in the period on these opportunities
        reviews = policy.restrict(GateReview.objects.all(), user).filter(
            subject_type=ct,
            subject_id__in=base.values("pk"),
            created_at__gte=f.period.start_at,
            created_at__lt=f.period.end_before,
        )
        gates = list(
            reviews.values("kind", "state")
            .annotate(count=Count("pk"), escalated=Count("pk", filter=Q(escalated=True)))
            .order_by("kind", "state")
        )
    in_force = stage_probabilities(f.unit)
    return {
        **data,
        "gates": [
            {
                **g,
                "kind_label": label(GateKind, g["kind"]),
                "state_label": label(GateState, g["state"]),
            }
            for g in gates
        ],
        "probabilities": [
            {"stage": s, "label": str(labels[s]), "probability": in_force[s]} for s in OPEN_STAGES
        ],
        "as_of": parts["refreshed_at"] if parts else None,
    }


def _conversion(reached: dict) -> list[dict]:
    labels = dict(Stage.choices)
    conversion = []
    for i, stage in enumerate(LINEAR[:-1]):
        nxt = LINEAR[i + 1]
        conversion.append(
            {
                "stage": stage,
                "label": str(labels[stage]),
                "next_stage": nxt,
                "next_label": str(labels[nxt]),
                "reached": reached[stage],
                "advanced": reached[nxt],
                "conversion_pct": pct(reached[nxt], reached[stage]),
            }
        )
    return conversion


def _wins(outcome: dict) -> dict:
    return {
        "closed": outcome["closed"],
        "won": outcome["won"],
        "lost": outcome["lost"],
        "abandoned": outcome["abandoned"],
        "won_amount": outcome["won_amount"],
        "closed_amount": outcome["closed_amount"],
        "win_rate_pct": pct(outcome["won"], outcome["closed"]),
        "win_rate_amount_pct": pct(outcome["won_amount"], outcome["closed_amount"]),
        "avg_cycle_days": _days(outcome["avg_cycle"]),
    }


def _stage_ageing(current: dict, stays: dict, labels: dict) -> list[dict]:
    """Per open stage: what sits there now and for how long, and how long those that left
    stayed (the same rows whether the figures come from the rollup or live)."""
    return [
        {
            "stage": stage,
            "label": str(labels[stage]),
            "open": current.get(stage, {}).get("count", 0),
            "avg_days_in_stage": _days(current.get(stage, {}).get("avg_age")),
            "max_days_in_stage": _days(current.get(stage, {}).get("max_age")),
            "over_30_days": current.get(stage, {}).get("stale", 0),
            "left": stays.get(stage, {}).get("left", 0),
            "avg_days_before_leaving": _days(stays.get(stage, {}).get("avg_stay")),
        }
        for stage in OPEN_STAGES
    ]


def _funnel_rolled_up(parts: dict) -> dict:
    labels = dict(Stage.choices)
    stages = [
        {
            "stage": stage,
            "label": str(labels[stage]),
            "count": parts["stages"].get(stage, {}).get("count", 0),
            "amount": parts["stages"].get(stage, {}).get("amount") or ZERO,
        }
        for stage in [*OPEN_STAGES, *CLOSED_STAGES]
    ]
    current, stays = parts["current"], parts["stays"]
    ageing = _stage_ageing(current, stays, labels)
    rows = parts["outcome"]

    def total(key: str, *states) -> Decimal | int:
        return sum((rows[s][key] for s in (states or rows) if s in rows), start=0)

    won = rows.get(Stage.WON)
    outcome = {
        "closed": total("n"),
        "won": total("n", Stage.WON),
        "lost": total("n", Stage.LOST),
        "abandoned": total("n", Stage.ABANDONED),
        "closed_amount": total("amount_sum") or ZERO,
        "won_amount": total("amount_sum", Stage.WON) or ZERO,
        "avg_cycle": (
            rollups._duration(won["cycle_sum"]) / won["n"] if won and won["cycle_sum"] else None
        ),
    }
    return {
        "stages": stages,
        "conversion": _conversion(parts["reached"]),
        "ageing": ageing,
        "wins": _wins(outcome),
    }


def _funnel_live(user: User, f: Filters, base) -> dict:
    cohort = base.filter(created_at__gte=f.period.start_at, created_at__lt=f.period.end_before)
    ct = _opportunity_type()
    transitions = AuditEvent.objects.filter(target_type=ct, action="transition")

    # Count and amount per current stage.
    stages = _stage_rows(cohort, [*OPEN_STAGES, *CLOSED_STAGES])

    # Reached each stage of the linear path, and stage-to-stage conversion.
    reached = cohort.aggregate(
        **{
            stage: Count(
                "pk",
                filter=Q(state__in=LINEAR[i:])
                | Q(pk__in=transitions.filter(to_state__in=LINEAR[i:]).values("target_id")),
            )
            for i, stage in enumerate(LINEAR)
        }
    )
    labels = dict(Stage.choices)
    conversion = _conversion(reached)

    # Ageing: how long the open ones sit in their stage, and the average stay per stage.
    now = timezone.now()
    age = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("state_changed_at"),
        output_field=DurationField(),
    )
    current = {
        r["state"]: r
        for r in cohort.filter(state__in=OPEN_STAGES)
        .annotate(age=age)
        .values("state")
        .annotate(
            count=Count("pk"),
            avg_age=Avg("age"),
            max_age=Max("age"),
            stale=Count("pk", filter=Q(state_changed_at__lt=now - 30 * DAY)),
        )
    }
    entered = Subquery(
        transitions.filter(
            target_id=OuterRef("target_id"), to_state=OuterRef("from_state"), at__lte=OuterRef("at")
        )
        .order_by("-at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )
    created = Subquery(
        Opportunity.objects.filter(pk=OuterRef("target_id")).values("created_at")[:1],
        output_field=DateTimeField(),
    )
    stays = {
        r["from_state"]: r
        for r in transitions.filter(target_id__in=cohort.values("pk"), from_state__in=OPEN_STAGES)
        .annotate(since=Coalesce(entered, created))
        .annotate(stay=ExpressionWrapper(F("at") - F("since"), output_field=DurationField()))
        .values("from_state")
        .annotate(left=Count("pk"), avg_stay=Avg("stay"))
    }
    ageing = _stage_ageing(current, stays, labels)

    # Win rate and cycle time of those closed in the period.
    closed = base.filter(
        state__in=CLOSED_STAGES,
        closed_at__gte=f.period.start_at,
        closed_at__lt=f.period.end_before,
    )
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    won_q = Q(state=Stage.WON)
    outcome = closed.annotate(cycle=cycle).aggregate(
        closed=Count("pk"),
        won=Count("pk", filter=won_q),
        lost=Count("pk", filter=Q(state=Stage.LOST)),
        abandoned=Count("pk", filter=Q(state=Stage.ABANDONED)),
        closed_amount=Coalesce(Sum("amount"), metrics.zero()),
        won_amount=Coalesce(Sum("amount", filter=won_q), metrics.zero()),
        avg_cycle=Avg("cycle", filter=won_q),
    )
    return {"stages": stages, "conversion": conversion, "ageing": ageing, "wins": _wins(outcome)}


def rep(user: User, f: Filters, person: User | None) -> dict:
    """A rep's own pipeline (by stage, weighted) and expected closes per month, and what is
    due: plan actions, gate assessments, deals past their close date, overdue collections."""
    today = timezone.localdate()
    deals = opportunities(user, f)
    if person is not None:
        deals = deals.filter(owner=person)
    open_deals = deals.filter(state__in=OPEN_STAGES)
    closing = list(
        open_deals.filter(
            expected_close_date__gte=f.period.start, expected_close_date__lte=f.period.end
        )
        .annotate(bucket=TruncMonth("expected_close_date"))
        .values("bucket")
        .annotate(count=Count("pk"), amount_sum=Sum("amount"), weighted_sum=Sum(weighted_amount()))
        .order_by("bucket")
    )
    for row in closing:
        row["month"] = row.pop("bucket").strftime("%Y-%m")
        row["amount"] = row.pop("amount_sum")
        row["weighted"] = row.pop("weighted_sum").quantize(Decimal("0.01"))
    actions = policy.restrict(
        PlanAction.objects.filter(status=ActionStatus.OPEN, due_on__lte=today + 14 * DAY), user
    ).select_related("plan", "plan__customer")
    if person is not None:
        actions = actions.filter(owner=person)
    overdue_milestones = policy.restrict_figures(
        PaymentMilestone.objects.filter(state__in=OPEN_MILESTONE_STATES, due_date__lt=today),
        user,
    ).select_related("contract", "contract__customer")
    if person is not None:
        overdue_milestones = overdue_milestones.filter(contract__owner=person)
    if f.unit is not None:
        actions = actions.filter(plan__org_unit__path__startswith=f.unit.path)
        overdue_milestones = overdue_milestones.filter(
            contract__org_unit__path__startswith=f.unit.path
        )
    return {
        "stages": _stage_rows(open_deals, list(OPEN_STAGES), weighted=True),
        "closing": closing,
        "actions": list(actions.order_by("due_on", "pk")[:50]),
        "late_deals": list(
            open_deals.filter(expected_close_date__lt=today)
            .select_related("customer")
            .order_by("expected_close_date", "pk")[:50]
        ),
        "reviews": (
            list(reviews_waiting_for(person)[:20]) if person is not None and person == user else []
        ),
        "overdue_milestones": list(overdue_milestones.order_by("due_date", "pk")[:50]),
    }


def presales(user: User, f: Filters, person: User | None) -> dict:
    """An SR's pre-sales contribution: opportunities where they hold the SR seat (by stage,
    won in the period) and the gate assessments they wrote in the period."""
    deals = opportunities(user, f)
    if person is not None:
        deals = deals.filter(team__members__user=person, team__members__role=TriangleRole.SR)
    closed = deals.filter(
        state__in=CLOSED_STAGES, closed_at__gte=f.period.start_at, closed_at__lt=f.period.end_before
    ).aggregate(
        closed=Count("pk"),
        won=Count("pk", filter=Q(state=Stage.WON)),
        won_amount=Coalesce(Sum("amount", filter=Q(state=Stage.WON)), metrics.zero()),
    )
    assessments = GateAssessment.objects.filter(
        review__in=policy.restrict(GateReview.objects.all(), user),
        review__subject_type=_opportunity_type(),
        review__subject_id__in=opportunities(user, f).values("pk"),
        created_at__gte=f.period.start_at,
        created_at__lt=f.period.end_before,
    )
    if person is not None:
        assessments = assessments.filter(author=person)
    return {
        "stages": _stage_rows(deals, [*OPEN_STAGES, *CLOSED_STAGES]),
        "closed": closed["closed"],
        "won": closed["won"],
        "won_amount": closed["won_amount"],
        "win_rate_pct": pct(closed["won"], closed["closed"]),
        "assessments": [
            {
                **a,
                "kind_label": label(GateKind, a["review__kind"]),
                "verdict_label": label(Decision, a["verdict"]),
            }
            for a in assessments.values("review__kind", "verdict")
            .annotate(count=Count("pk"), avg_confidence=Avg("confidence"))
            .order_by("review__kind", "verdict")
        ],
    }


AGEING_BUCKETS = [
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
]


def collections(user: User, f: Filters) -> dict:
    """Finance's view: receipts per month against the collection target, what falls due in
    the period, and the overdue receivables by age."""
    today = timezone.localdate()
    line = f.product_line or None
    received = metrics.by_month(
        Metric.COLLECTIONS, f.period, currency=f.currency, user=user, unit=f.unit, product_line=line
    )
    from ..models import SalesTarget, TargetMonth

    targets = policy.restrict_figures(
        SalesTarget.objects.filter(metric=Metric.COLLECTIONS, currency=f.currency, user=None),
        user,
    )
    if f.unit is not None:
        targets = targets.filter(org_unit=f.unit)
    planned = {
        (r["target__year"], r["month"]): r["s"]
        for r in TargetMonth.objects.filter(
            target__in=targets.values("pk"),
            target__year__gte=f.period.start.year,
            target__year__lte=f.period.end.year,
        )
        .values("target__year", "month")
        .annotate(s=Sum("amount"))
    }
    months = []
    cursor = f.period.start.replace(day=1)
    while cursor <= f.period.end:
        key = (cursor.year, cursor.month)
        months.append(
            {
                "month": cursor.strftime("%Y-%m"),
                "collected": received.get(key, ZERO),
                "target": planned.get(key, ZERO),
                "attainment_pct": pct(received.get(key, ZERO), planned.get(key)),
            }
        )
        cursor = (cursor + 32 * DAY).replace(day=1)
    milestones = policy.restrict_figures(
        PaymentMilestone.objects.filter(currency=f.currency, state__in=OPEN_MILESTONE_STATES), user
    )
    if f.unit is not None:
        milestones = milestones.filter(contract__org_unit__path__startswith=f.unit.path)
    if line:
        milestones = milestones.filter(contract__opportunity__product_line=line)
    outstanding = OUTSTANDING
    buckets = {}
    for name, low, high in AGEING_BUCKETS:
        if low is None:
            q = Q(due_date__gte=today) | Q(due_date__isnull=True)
        else:
            q = Q(due_date__lte=today - low * DAY)
            if high is not None:
                q &= Q(due_date__gte=today - high * DAY)
        buckets[name] = Sum(outstanding, filter=q)
        buckets[f"{name}_count"] = Count("pk", filter=q)
    # Receivables as the ageing report counts them: fell due, unpaid (not those still waiting
    # for their trigger, which have no due date to age from).
    aged = milestones.filter(state__in=RECEIVABLE_STATES).aggregate(**buckets)
    due = milestones.filter(due_date__gte=f.period.start, due_date__lte=f.period.end).aggregate(
        count=Count("pk"), outstanding=Coalesce(Sum(outstanding), metrics.zero())
    )
    top = list(
        milestones.filter(due_date__lt=today)
        .values("contract__customer", "contract__customer__name")
        .annotate(overdue=Sum(outstanding), count=Count("pk"))
        .order_by("-overdue", "contract__customer")[:10]
    )
    return {
        "months": months,
        "collected_total": sum((m["collected"] for m in months), ZERO),
        "target_total": sum((m["target"] for m in months), ZERO),
        "ageing": [
            {
                "bucket": name,
                "label": str(label),
                "count": aged[f"{name}_count"],
                "outstanding": aged[name] or ZERO,
            }
            for (name, _low, _high), label in zip(AGEING_BUCKETS, AgeingBucket.labels, strict=True)
        ],
        "due_in_period": due,
        "top_overdue": [
            {
                "customer": r["contract__customer"],
                "name": r["contract__customer__name"],
                "overdue": r["overdue"],
                "count": r["count"],
            }
            for r in top
        ],
    }
