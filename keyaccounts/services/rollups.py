"""The funnel rollup, written: `refresh()` rebuilds the table the manager funnel reads (see
`FunnelRollup` and `selectors/rollups.py`) from the opportunities and their audited transitions
(four GROUP BY queries, 20-30 s at full size); `refresh_dirty()`, run by Celery beat, recounts
only the keys (org unit × currency × product line) that database triggers marked dirty since
(issue 24.2, ADR 33), and the keys whose deals crossed the 30-day "stale" line meanwhile.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
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

from core import rollups as dirty
from core.derived import replace_all
from core.models import AuditEvent, GateReview
from opportunities.choices import CLOSED_STAGES, OPEN_STAGES
from opportunities.models import Opportunity

from ..models import FunnelRollup
from ..selectors.rollups import LINEAR, _duration

STALE = dt.timedelta(days=30)
BATCH = 2000
ROLLUP = "funnel"
KEYS_PER_PASS = 500


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
    """Rebuild the rollup whole; returns the rows written. Clears the dirty keys: the rebuild
    answers them all (a key marked by a change that commits later stays for the next pass)."""
    now = timezone.now()
    with transaction.atomic():
        rows = _rows(Opportunity.objects.all(), now)
        replace_all(FunnelRollup, rows, batch_size=BATCH)  # locks the table on PostgreSQL
        dirty.forget(ROLLUP)
        dirty.stamp(ROLLUP, now, timezone.localdate(now))
    return len(rows)


def refresh_dirty() -> int:
    """Recount only the keys marked dirty since the last refresh, and those of open deals that
    went past the 30-day line since (their "stale" count changed with time alone); returns the
    keys recounted (a full `refresh()` instead, and its rows, when the rollup was never
    refreshed). Two
    refreshes never overlap: the rollup table is locked (PostgreSQL) first."""
    now = timezone.now()
    with transaction.atomic():
        _lock()
        previous = dirty.last(ROLLUP)
        if previous is None:
            return refresh()
        keys = set(dirty.take(ROLLUP))
        crossed = Opportunity.objects.filter(
            state__in=OPEN_STAGES,
            state_changed_at__gte=previous.refreshed_at - STALE,
            state_changed_at__lt=now - STALE,
            org_unit__isnull=False,
        )
        keys |= set(crossed.values_list("org_unit_id", "currency", "product_line").distinct())
        keys_list = sorted(keys)
        for start in range(0, len(keys_list), KEYS_PER_PASS):
            part = keys_list[start : start + KEYS_PER_PASS]
            match = _key_q(part)
            FunnelRollup.objects.filter(match).delete()
            FunnelRollup.objects.bulk_create(
                _rows(Opportunity.objects.filter(match), now), batch_size=BATCH
            )
        dirty.stamp(ROLLUP, now, timezone.localdate(now))
    return len(keys_list)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(FunnelRollup._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def _key_q(keys) -> Q:
    match = Q(pk__in=[])
    for unit, currency, line in keys:
        match |= Q(org_unit_id=unit, currency=currency, product_line=line)
    return match


def _rows(opportunities, now) -> list[FunnelRollup]:
    """The rollup's rows for `opportunities` (all, or those of some keys) as of `now`."""
    transitions = _transitions()
    if opportunities.query.where:
        transitions = transitions.filter(target_id__in=opportunities.values("pk"))
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
        opportunities.annotate(
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
        opportunities.filter(state__in=CLOSED_STAGES, closed_at__isnull=False)
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

    reviews = GateReview.objects.filter(subject_type=ContentType.objects.get_for_model(Opportunity))
    if opportunities.query.where:
        reviews = reviews.filter(subject_id__in=opportunities.values("pk"))
    reviews = (
        reviews.annotate(
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

    return rows
