"""The ageing report's totals in one reporting currency (ADR 30). The report sums per currency
in SQL (its `totals`); those few sums are converted at the rates of the report's day, or, at
each record's date, the outstanding amounts summed per currency and due date are converted
each at its due date's rate (a milestone without a due date at the report's day)."""

from __future__ import annotations

from django.db.models import Sum

from accounts.models import User
from core.rates import Conversion, convert_dated, convert_totals

from .money import OUTSTANDING
from .reports import receivables


def ageing_converted(*, user: User, data: dict, conversion: Conversion) -> dict:
    """`total` (everything outstanding) and `overdue`, converted into `conversion.into`."""
    day = data["as_of"]
    if not conversion.at_record_dates:
        return {
            name: convert_totals(
                [(row["currency"], row[name]) for row in data["totals"]],
                into=conversion.into,
                day=day,
            ).as_dict()
            for name in ("total", "overdue")
        }
    per_day = receivables(user=user).values_list("currency", "due_date").order_by()
    overdue = per_day.filter(due_date__lt=day)
    return {
        "total": convert_dated(
            per_day.annotate(s=Sum(OUTSTANDING)), into=conversion.into, today=day
        ).as_dict(),
        "overdue": convert_dated(
            overdue.annotate(s=Sum(OUTSTANDING)), into=conversion.into, today=day
        ).as_dict(),
    }
