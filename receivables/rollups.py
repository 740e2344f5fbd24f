"""The ageing rollup (`AgeingRollup`): receivables ageing per org unit and currency, counted by
Celery beat so the company's or a region's ageing by org unit reads a few hundred rows.

`refresh()` runs the live report's own aggregate (`selectors.reports.bucket_sums`) once over
every receivable milestone, grouped by the contract's org unit; `selectors.reports.ageing`
reads it for viewers who see whole org subtrees, when it counted today's buckets recently
enough, and aggregates live otherwise (reps, another day, a stale or missing refresh).
"""

from __future__ import annotations

from django.utils import timezone

from core.derived import replace_all

from .choices import RECEIVABLE_STATES
from .models import AgeingRollup, PaymentMilestone
from .selectors.reports import bucket_sums


def refresh() -> int:
    """Rebuild the rollup as of today; returns the rows written."""
    today, now = timezone.localdate(), timezone.now()
    grouped = (
        PaymentMilestone.objects.filter(state__in=RECEIVABLE_STATES)
        .values("contract__org_unit", "currency")
        .annotate(**bucket_sums(today))
        .order_by()
    )
    rows = [
        AgeingRollup(
            org_unit_id=row.pop("contract__org_unit"), as_of=today, refreshed_at=now, **row
        )
        for row in grouped
    ]
    replace_all(AgeingRollup, rows)
    return len(rows)
