"""The ageing rollup (`AgeingRollup`): receivables ageing per org unit and currency, counted by
Celery beat so the company's or a region's ageing by org unit reads a few hundred rows.

`refresh()` runs the live report's own aggregate (`selectors.reports.bucket_sums`) once over
every receivable milestone, grouped by the contract's org unit; `selectors.reports.ageing`
reads it for viewers who see whole org subtrees, when it counted today's buckets recently
enough, and aggregates live otherwise (reps, another day, a stale or missing refresh).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import rollups as dirty
from core.derived import replace_all

from .choices import RECEIVABLE_STATES
from .models import AgeingRollup, PaymentMilestone
from .selectors.reports import bucket_sums

ROLLUP = "ageing"


def _rows(milestones, today, now) -> list[AgeingRollup]:
    grouped = (
        milestones.filter(state__in=RECEIVABLE_STATES)
        .values("contract__org_unit", "currency")
        .annotate(**bucket_sums(today))
        .order_by()
    )
    return [
        AgeingRollup(
            org_unit_id=row.pop("contract__org_unit"), as_of=today, refreshed_at=now, **row
        )
        for row in grouped
    ]


def refresh() -> int:
    """Rebuild the rollup as of today; returns the rows written. Clears the dirty keys."""
    today, now = timezone.localdate(), timezone.now()
    with transaction.atomic():
        rows = _rows(PaymentMilestone.objects.all(), today, now)
        replace_all(AgeingRollup, rows)
        dirty.forget(ROLLUP)
        dirty.stamp(ROLLUP, now, today)
    return len(rows)


def refresh_dirty() -> int:
    """Recount only the (org unit, currency) keys whose milestones changed since the last
    refresh (triggers mark them, ADR 33); a full `refresh()` on a new day (every bucket moves
    with the date) or when never refreshed. Returns the keys recounted, or the rows of a full
    refresh."""
    today, now = timezone.localdate(), timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(AgeingRollup._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        previous = dirty.last(ROLLUP)
        if previous is None or previous.as_of != today:
            return refresh()
        keys = sorted({(unit, currency) for unit, currency, _line in dirty.take(ROLLUP)})
        for start in range(0, len(keys), 500):
            match, own = Q(pk__in=[]), Q(pk__in=[])
            for unit, currency in keys[start : start + 500]:
                match |= Q(contract__org_unit_id=unit, currency=currency)
                own |= Q(org_unit_id=unit, currency=currency)
            AgeingRollup.objects.filter(own).delete()
            AgeingRollup.objects.bulk_create(
                _rows(PaymentMilestone.objects.filter(match), today, now)
            )
        dirty.stamp(ROLLUP, now, today)
    return len(keys)
