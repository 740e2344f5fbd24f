"""Paid history for the forecast, counted in SQL (one GROUP BY, never a row per milestone).

A paid milestone's payment date is the latest receipt date among its allocations still in
force; its days late are that date minus its due date.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
)

from ..choices import MilestoneState
from ..models import PaymentMilestone, ReceiptAllocation
from .model import History


def paid_on() -> Subquery:
    """The day a milestone's last allocation still in force was received."""
    return Subquery(
        ReceiptAllocation.objects.filter(milestone=OuterRef("pk"), reversed_at__isnull=True)
        .order_by("-receipt__received_on")
        .values("receipt__received_on")[:1],
        output_field=DateField(),
    )


def paid_milestones(before: dt.date | None = None):
    """Paid milestones with a due date, annotated `paid_on` and `late` (a duration); with
    `before`, only those paid before that day (a backtest's history)."""
    qs = (
        PaymentMilestone.objects.filter(state=MilestoneState.PAID, due_date__isnull=False)
        .annotate(paid_on=paid_on())
        .filter(paid_on__isnull=False)
    )
    if before is not None:
        qs = qs.filter(paid_on__lt=before)
    return qs.annotate(
        late=ExpressionWrapper(F("paid_on") - F("due_date"), output_field=DurationField())
    )


def history(before: dt.date | None = None) -> History:
    """Days-late counts per customer, tier, industry and kind, of milestones paid before
    `before` (default: all)."""
    rows = (
        paid_milestones(before)
        .values(
            "contract__customer_id",
            "contract__customer__tier",
            "contract__customer__industry",
            "kind",
            "late",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    return History.from_rows(
        (
            row["contract__customer_id"],
            row["contract__customer__tier"],
            row["contract__customer__industry"],
            row["kind"],
            _days(row["late"]),
            row["n"],
        )
        for row in rows
    )


def _days(late) -> int:
    return late.days if isinstance(late, dt.timedelta) else int(late)
