"""The three measures of sales planning (定 / 收 / 回), computed in SQL from the real records.

- **Orders (定)**: the amounts of contracts *signed* in the period: `Contract.signed_on` inside
  it, the contract not a draft and not terminated.
- **Revenue (收)**: the amounts of contracts that *reached customer acceptance* in the period:
  the first audited transition of the contract into "delivered" falls inside it, and the
  contract is not terminated (closed and evaluated contracts keep their revenue).
- **Collections (回)**: receipts *received* in the period (`Receipt.received_on`), posted (a
  reversed receipt does not count).

A unit's figure counts records of its org subtree (the contract's or receipt's org unit); a
person's counts records they own (the contract's owner, the receipt's account manager). A
contract's product line is its source opportunity's; a direct contract has none. Amounts are
summed per currency only (ADR 2): every function takes the currency to sum.

`user` narrows every figure to what that user may see (core.policy.restrict); None means the
system's own view (scheduled jobs).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DateTimeField, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from accounts.models import OrgUnit
from contracts.choices import ContractState
from contracts.models import Contract
from core import policy
from core.models import AuditEvent
from receivables.choices import ReceiptState
from receivables.models import Receipt

from ..choices import Metric
from .periods import Period

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=18, decimal_places=2)


def zero() -> Value:
    return Value(ZERO, output_field=MONEY)


def delivered_at() -> Subquery:
    """When the contract first reached customer acceptance ("delivered"), from its audit trail."""
    return Subquery(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Contract),
            target_id=OuterRef("pk"),
            action="transition",
            to_state=ContractState.DELIVERED,
        )
        .order_by("at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )


def subtree(unit: OrgUnit) -> QuerySet:
    return OrgUnit.objects.filter(path__startswith=unit.path).values("pk")


def _scoped(queryset: QuerySet, user) -> QuerySet:
    return queryset if user is None else policy.restrict_figures(queryset, user)


def records(
    metric: str,
    period: Period,
    *,
    currency: str | None,
    user=None,
    unit: OrgUnit | None = None,
    person=None,
    product_line: str | None = None,
    customer=None,
) -> QuerySet:
    """The contracts or receipts that make up `metric` in `period` (each has `amount`; revenue
    rows also `delivered_at`)."""
    if metric == Metric.COLLECTIONS:
        qs = Receipt.objects.filter(
            state=ReceiptState.POSTED,
            received_on__gte=period.start,
            received_on__lte=period.end,
        )
        if unit is not None:
            qs = qs.filter(org_unit__in=subtree(unit))
        if person is not None:
            qs = qs.filter(owner=person)
        if product_line is not None:
            qs = qs.filter(contract__opportunity__product_line=product_line)
    else:
        qs = Contract.objects.exclude(state=ContractState.TERMINATED)
        if metric == Metric.ORDERS:
            qs = qs.exclude(state=ContractState.DRAFT).filter(
                signed_on__gte=period.start, signed_on__lte=period.end
            )
        else:
            qs = qs.annotate(delivered_at=delivered_at()).filter(
                delivered_at__gte=period.start_at, delivered_at__lt=period.end_before
            )
        if unit is not None:
            qs = qs.filter(org_unit__in=subtree(unit))
        if person is not None:
            qs = qs.filter(owner=person)
        if product_line is not None:
            qs = qs.filter(opportunity__product_line=product_line)
    if currency is not None:
        qs = qs.filter(currency=currency)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return _scoped(qs, user)


def total(metric: str, period: Period, **filters) -> Decimal:
    """The sum of `metric` in `period` (one query)."""
    return records(metric, period, **filters).aggregate(s=Coalesce(Sum("amount"), zero()))["s"]


def month_field(metric: str) -> str:
    return {
        Metric.ORDERS: "signed_on",
        Metric.REVENUE: "delivered_at",
        Metric.COLLECTIONS: "received_on",
    }[metric]


def by_month(metric: str, period: Period, **filters) -> dict[tuple[int, int], Decimal]:
    """{(year, month): sum} of `metric` in `period`, grouped in SQL."""
    rows = (
        records(metric, period, **filters)
        .annotate(bucket=TruncMonth(month_field(metric)))
        .values("bucket")
        .annotate(s=Sum("amount"))
        .order_by("bucket")
    )
    return {(r["bucket"].year, r["bucket"].month): r["s"] for r in rows}


def by_customer_and_month(
    metric: str, period: Period, **filters
) -> list[dict]:  # [{customer, bucket, s}]
    """Sums per customer and month, grouped in SQL (renewal analysis)."""
    return list(
        records(metric, period, **filters)
        .annotate(bucket=TruncMonth(month_field(metric)))
        .values("customer", "bucket")
        .annotate(s=Sum("amount"))
        .order_by("customer", "bucket")
    )
