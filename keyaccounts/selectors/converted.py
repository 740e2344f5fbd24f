"""The funnel's totals in one reporting currency (ADR 30): the funnel itself counts one currency
at a time; this adds up the same cohort across every currency. Sums per currency (or per
currency and expected close date) are taken in SQL, then the few sums are converted."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from core import policy
from core.rates import Conversion, convert_dated, convert_totals
from opportunities.choices import OPEN_STAGES
from opportunities.models import Opportunity
from opportunities.selectors import weighted_amount

from .dashboards import Filters


def _cohort(user, f: Filters):
    """The funnel's cohort (created in the period, in the unit's subtree and product line, as
    the policy lets `user` see figures) in every currency."""
    queryset = policy.restrict_figures(Opportunity.objects.all(), user).filter(
        created_at__gte=f.period.start_at, created_at__lt=f.period.end_before
    )
    if f.unit is not None:
        queryset = queryset.filter(org_unit__path__startswith=f.unit.path)
    if f.product_line:
        queryset = queryset.filter(product_line=f.product_line)
    return queryset


def funnel_converted(user, f: Filters, conversion: Conversion) -> dict:
    """The cohort's amount and its open deals' weighted amount, in `conversion.into`, at
    today's rates or at each deal's expected close date."""
    today = timezone.localdate()
    cohort = _cohort(user, f)
    open_deals = cohort.filter(state__in=OPEN_STAGES)
    if conversion.at_record_dates:
        rows = cohort.values_list("currency", "expected_close_date").annotate(s=Sum("amount"))
        weighted = open_deals.values_list("currency", "expected_close_date").annotate(
            s=Sum(weighted_amount())
        )
        return {
            "amount": convert_dated(rows.order_by(), into=conversion.into, today=today).as_dict(),
            "weighted": convert_dated(
                weighted.order_by(), into=conversion.into, today=today
            ).as_dict(),
        }
    rows = cohort.values_list("currency").annotate(s=Sum("amount")).order_by()
    weighted = open_deals.values_list("currency").annotate(s=Sum(weighted_amount())).order_by()
    return {
        "amount": convert_totals(rows, into=conversion.into, day=today).as_dict(),
        "weighted": convert_totals(weighted, into=conversion.into, day=today).as_dict(),
    }
