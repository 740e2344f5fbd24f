"""The funnel rollup: the manager funnel pre-aggregated by Celery beat (see `FunnelRollup`).

`refresh()` rebuilds the table from the opportunities and their audited transitions (three
GROUP BY queries, a few seconds at a million records); `funnel_parts()` answers the funnel's
stage, conversion, ageing and win figures from it for a viewer whose access is a whole org
subtree (sales managers, administrators) and a period of whole months, and returns None
otherwise (reps, custom date ranges, no refresh yet), when the live aggregate is used. The
figures equal the live aggregate as of `refreshed_at`; ages are carried forward to now, and
"over 30 days" is counted at the refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

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

from accounts.models import User
from core import policy
from core.derived import replace_all
from core.models import AuditEvent, GateReview
from opportunities.choices import CLOSED_STAGES, OPEN_STAGES, Stage
from opportunities.models import Opportunity

from .models import FunnelRollup

LINEAR = [*OPEN_STAGES, Stage.WON]
STALE = dt.timedelta(days=30)
BATCH = 2000


def _duration(value) -> dt.timedelta | None:
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))  # SQLite sums durations as microseconds


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


def covers(user: User, f) -> bool:
    """Whether the rollup can answer this viewer's funnel: their access is a whole subtree
    (or everything) and the period is whole months."""
    whole, _root = policy.subtree_scope(Opportunity, user)
    if not whole:
        return False
    start, end = f.period.start, f.period.end
    return start.day == 1 and (end + dt.timedelta(days=1)).day == 1


def _rows(user: User, f, kind: str):
    rows = FunnelRollup.objects.filter(
        kind=kind,
        currency=f.currency,
        month__gte=f.period.start,
        month__lte=f.period.end,
    )
    _whole, root = policy.subtree_scope(Opportunity, user)
    if root is not None:
        rows = rows.filter(org_unit__path__startswith=root.path)
    if f.unit is not None:
        rows = rows.filter(org_unit__path__startswith=f.unit.path)
    if f.product_line:
        rows = rows.filter(product_line=f.product_line)
    return rows


def funnel_parts(user: User, f) -> dict | None:
    """The funnel's stages, reached counts, ageing and wins from the rollup, or None when the
    rollup cannot answer (see `covers`) or was never refreshed."""
    if not covers(user, f):
        return None
    # Every row of one refresh has the same stamp: read any one (by the primary key's index).
    stamp = FunnelRollup.objects.order_by("pk").values_list("refreshed_at", flat=True)
    refreshed_at = stamp.first()
    if refreshed_at is None:
        return None
    now = timezone.now()
    carried = now - refreshed_at

    stages: dict[str, dict] = defaultdict(lambda: {"count": 0, "amount": 0})
    reached = {stage: 0 for stage in LINEAR}
    current: dict[str, dict] = {}
    for r in (
        _rows(user, f, "cohort")
        .values("state", "reached")
        .annotate(
            n=Sum("count"),
            amount_sum=Sum("amount"),
            age_sum=Sum("duration"),
            oldest_at=Min("oldest"),
            stale_n=Sum("stale"),
        )
        .order_by()
    ):
        stage = stages[r["state"]]
        stage["count"] += r["n"]
        stage["amount"] += r["amount_sum"]
        for i, name in enumerate(LINEAR):
            if r["reached"] >= i:
                reached[name] += r["n"]
        if r["state"] in OPEN_STAGES:
            now_row = current.setdefault(
                r["state"], {"count": 0, "age": dt.timedelta(0), "oldest": None, "stale": 0}
            )
            now_row["count"] += r["n"]
            now_row["age"] += (_duration(r["age_sum"]) or dt.timedelta(0)) + carried * r["n"]
            now_row["stale"] += r["stale_n"]
            if r["oldest_at"] is not None and (
                now_row["oldest"] is None or r["oldest_at"] < now_row["oldest"]
            ):
                now_row["oldest"] = r["oldest_at"]
    for row in current.values():
        row["avg_age"] = row["age"] / row["count"] if row["count"] else None
        row["max_age"] = now - row["oldest"] if row["oldest"] else None

    stays = {
        r["state"]: {"left": r["n"], "avg_stay": _duration(r["stay_sum"]) / r["n"]}
        for r in _rows(user, f, "stay")
        .values("state")
        .annotate(n=Sum("count"), stay_sum=Sum("duration"))
        .order_by()
        if r["n"]
    }
    outcome = {
        r["state"]: r
        for r in _rows(user, f, "closed")
        .values("state")
        .annotate(n=Sum("count"), amount_sum=Sum("amount"), cycle_sum=Sum("duration"))
        .order_by()
    }
    gates = []
    for r in (
        _rows(user, f, "gate")
        .values("state")
        .annotate(n=Sum("count"), escalated_n=Sum("stale"))
        .order_by("state")
    ):
        kind, state = r["state"].split(":", 1)
        gates.append({"kind": kind, "state": state, "count": r["n"], "escalated": r["escalated_n"]})
    gates.sort(key=lambda g: (g["kind"], g["state"]))
    return {
        "refreshed_at": refreshed_at,
        "gates": gates,
        "stages": stages,
        "reached": reached,
        "current": current,
        "stays": stays,
        "outcome": outcome,
    }
