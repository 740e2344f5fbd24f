"""Do the totals reconcile? Per milestone, receipt, invoice, contract and customer, computed
in SQL from the rows that carry the money. Finance trusts the figures because this is empty
(the tests and the reconciliation endpoint check it)."""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Least, Round

from accounts.models import Customer, User
from contracts.models import Contract
from core import policy

from ..choices import InvoiceState, ReceiptState
from ..models import Invoice, PaymentMilestone, Receipt, ReceiptAllocation
from .money import MONEY, ZERO


def _cents(expression):
    """Round a SUM to cents in SQL: SQLite adds decimals as floating point, so an exact
    comparison of a sum with a stored amount needs it (PostgreSQL's numeric is exact)."""
    return Round(expression, 2, output_field=MONEY)


def _active_allocations(**lookups):
    return ReceiptAllocation.objects.filter(reversed_at__isnull=True, **lookups)


def milestone_totals():
    """Each milestone with the sums of what carries its money."""
    return PaymentMilestone.objects.annotate(
        allocated=_cents(
            Coalesce(
                Subquery(
                    _active_allocations(milestone=OuterRef("pk"))
                    .values("milestone")
                    .annotate(s=Sum("amount"))
                    .values("s"),
                    output_field=MONEY,
                ),
                ZERO,
            )
        ),
        invoiced=_cents(
            Coalesce(
                Subquery(
                    Invoice.objects.filter(milestone=OuterRef("pk"), state=InvoiceState.ISSUED)
                    .values("milestone")
                    .annotate(s=Sum("amount"))
                    .values("s"),
                    output_field=MONEY,
                ),
                ZERO,
            )
        ),
        invoices_paid=_cents(
            Coalesce(
                Subquery(
                    Invoice.objects.filter(milestone=OuterRef("pk"))
                    .values("milestone")
                    .annotate(s=Sum("paid_amount"))
                    .values("s"),
                    output_field=MONEY,
                ),
                ZERO,
            )
        ),
    )


def reconciliation(*, user: User | None = None, customer: Customer | None = None) -> dict:
    """Every record whose stored totals disagree with the rows behind them; all empty when
    the books reconcile. Scoped to what `user` may see (None: everything, for tests and
    operations), and to one customer's records when given."""

    def scoped(qs):
        if customer is not None:
            path = {
                PaymentMilestone: "contract__customer",
                Receipt: "customer",
                Contract: "customer",
                Customer: "pk",
            }[qs.model]
            qs = qs.filter(**{path: customer.pk})
        return qs if user is None else policy.restrict_figures(qs, user)

    milestones = scoped(milestone_totals()).filter(
        ~Q(paid_amount=F("allocated"))
        | ~Q(invoiced_amount=F("invoiced"))
        | ~Q(invoices_paid=Least(F("paid_amount"), F("invoiced_amount")))
    )
    receipts = (
        scoped(Receipt.objects.all())
        .annotate(
            allocated=_cents(
                Coalesce(
                    Subquery(
                        _active_allocations(receipt=OuterRef("pk"))
                        .values("receipt")
                        .annotate(s=Sum("amount"))
                        .values("s"),
                        output_field=MONEY,
                    ),
                    ZERO,
                )
            )
        )
        .filter(
            ~Q(allocated_amount=F("allocated")) | Q(state=ReceiptState.REVERSED, allocated__gt=0)
        )
    )
    plan_total = (
        PaymentMilestone.objects.filter(contract=OuterRef("pk"))
        .values("contract")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    contracts = (
        scoped(Contract.objects.filter(payment_milestones__isnull=False).distinct())
        .annotate(planned=_cents(Subquery(plan_total, output_field=MONEY)))
        .exclude(amount=F("planned"))
    )
    paid_by_customer = (
        PaymentMilestone.objects.filter(contract__customer=OuterRef("pk"))
        .values("contract__customer")
        .annotate(s=Sum("paid_amount"))
        .values("s")
    )
    allocated_by_customer = (
        Receipt.objects.filter(customer=OuterRef("pk"), state=ReceiptState.POSTED)
        .values("customer")
        .annotate(s=Sum("allocated_amount"))
        .values("s")
    )
    customers = (
        scoped(Customer.objects.all())
        .annotate(
            paid=_cents(Coalesce(Subquery(paid_by_customer, output_field=MONEY), ZERO)),
            allocated=_cents(Coalesce(Subquery(allocated_by_customer, output_field=MONEY), ZERO)),
        )
        .exclude(paid=F("allocated"))
    )
    return {
        "milestones": [
            {
                "id": m.pk,
                "paid_amount": m.paid_amount,
                "allocated": m.allocated,
                "invoiced_amount": m.invoiced_amount,
                "invoiced": m.invoiced,
                "invoices_paid": m.invoices_paid,
            }
            for m in milestones[:100]
        ],
        "receipts": [
            {"id": r.pk, "allocated_amount": r.allocated_amount, "allocated": r.allocated}
            for r in receipts[:100]
        ],
        "contracts": [
            {"id": c.pk, "amount": c.amount, "planned": c.planned} for c in contracts[:100]
        ],
        "customers": [
            {"id": c.pk, "paid": c.paid, "allocated": c.allocated} for c in customers[:100]
        ],
    }
