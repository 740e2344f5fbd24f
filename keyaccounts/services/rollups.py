"""The funnel rollup, written: `refresh()` rebuilds the table the manager funnel reads (see
`FunnelRollup` and `selectors/rollups.py`) from the opportunities and their audited transitions
(three GROUP BY queries, a few seconds at a million records); run by Celery beat.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, TruncMonth
from django.utils import timezone

from core.derived import replace_all
from core.models import AuditEvent, GateReview
from opportunities.choices import CLOSED_STAGES, OPEN_STAGES
from opportunities.models import Opportunity

from ..models import FunnelRollup
from ..selectors.rollups import LINEAR, _duration

STALE = dt.timedelta(days=30)
BATCH = 2000


def _stage_index(field: str):
    return Case(
        *[When(**{field: stage}, then=Value(i)) for i, stage in enumerate(LINEAR)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _transitions():
    ct = ContentType.objects.get_for_model(Opportunity)
    return AuditEvent.objects.filter(target_type=ct, action="transition")


def refresh() -> int:
    """Rebuild the rollup; returns the rows written."""
    now = timezone.now()
    transitions = _transitions()
    furthest = (
        transitions.filter(target_id=OuterRef("pk"))
        .annotate(idx=_stage_index("to_state"))
        .values("target_id")
        .annotate(m=Max("idx"))
        .values("m")
    )
    age = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("state_changed_at"),
        output_field=DurationField(),
    )
    keys = ("org_unit_id", "currency", "product_line", "month", "state")
    rows: list[FunnelRollup] = []

    def add(kind: str, values: dict, **fields) -> None:
        rows.append(
            FunnelRollup(
                kind=kind,
                refreshed_at=now,
                **{k: values[k] for k in keys},
                **fields,
            )
        )

    opened = Q(state__in=OPEN_STAGES)
    cohort = (
        Opportunity.objects.annotate(
            month=TruncMonth("created_at"),
            reached=Greatest(_stage_index("state"), Coalesce(Subquery(furthest), Value(-1))),
        )
        .values(*keys, "reached")
        .annotate(
            n=Count("pk"),
            amount_sum=Sum("amount"),
            age_sum=Sum(age, filter=opened),
            oldest_at=Min("state_changed_at", filter=opened),
            stale_n=Count("pk", filter=opened & Q(state_changed_at__lt=now - STALE)),
        )
        .order_by()
    )
    for r in cohort:
        add(
            "cohort",
            r,
            reached=r["reached"],
            count=r["n"],
            amount=r["amount_sum"] or 0,
            duration=_duration(r["age_sum"]),
            oldest=r["oldest_at"],
            stale=r["stale_n"],
        )

    opportunity = Opportunity.objects.filter(pk=OuterRef("target_id"))
    entered = Subquery(
        transitions.filter(
            target_id=OuterRef("target_id"), to_state=OuterRef("from_state"), at__lte=OuterRef("at")
        )
        .order_by("-at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )
    created = Subquery(opportunity.values("created_at")[:1], output_field=DateTimeField())
    stays = (
        transitions.filter(from_state__in=OPEN_STAGES)
        .annotate(
            org_unit_id=Subquery(opportunity.values("org_unit_id")[:1]),
            currency=Subquery(opportunity.values("currency")[:1]),
            product_line=Subquery(opportunity.values("product_line")[:1]),
            month=TruncMonth(created),
            state=F("from_state"),
            since=Coalesce(entered, created),
        )
        .filter(org_unit_id__isnull=False)
        .annotate(stay=ExpressionWrapper(F("at") - F("since"), output_field=DurationField()))
        .values(*keys)
        .annotate(n=Count("pk"), stay_sum=Sum("stay"))
        .order_by()
    )
    for r in stays:
        add("stay", r, count=r["n"], duration=_duration(r["stay_sum"]))

    opportunity_of_review = Opportunity.objects.filter(pk=OuterRef("subject_id"))
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    closed = (
        Opportunity.objects.filter(state__in=CLOSED_STAGES, closed_at__isnull=False)
        .annotate(month=TruncMonth("closed_at"))
        .values(*keys)
        .annotate(n=Count("pk"), amount_sum=Sum("amount"), cycle_sum=Sum(cycle))
        .order_by()
    )
    for r in closed:
        add(
            "closed",
            r,
            count=r["n"],
            amount=r["amount_sum"] or 0,
            duration=_duration(r["cycle_sum"]),
        )

    reviews = (
        GateReview.objects.filter(subject_type=ContentType.objects.get_for_model(Opportunity))
        .annotate(
            opp_unit=Subquery(opportunity_of_review.values("org_unit_id")[:1]),
            opp_currency=Subquery(opportunity_of_review.values("currency")[:1]),
            opp_line=Subquery(opportunity_of_review.values("product_line")[:1]),
            month=TruncMonth("created_at"),
            gate=Concat("kind", Value(":"), "state", output_field=CharField()),
        )
        .filter(opp_unit__isnull=False)
        .values("opp_unit", "opp_currency", "opp_line", "month", "gate")
        .annotate(n=Count("pk"), escalated_n=Count("pk", filter=Q(escalated=True)))
        .order_by()
    )
    for r in reviews:
        key = {
            "org_unit_id": r["opp_unit"],
            "currency": r["opp_currency"],
            "product_line": r["opp_line"],
            "month": r["month"],
            "state": r["gate"],
        }
        add("gate", key, count=r["n"], stale=r["escalated_n"])

    replace_all(FunnelRollup, rows, batch_size=BATCH)
    return len(rows)
