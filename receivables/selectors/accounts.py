"""Collections seen from a contract or a customer: what the close review checks, the figures
the evaluation uses, and the key account's battle map (作战地图)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, User
from contracts.models import Contract
from contracts.selectors import contract_list
from core import policy

from ..choices import OPEN_MILESTONE_STATES, SETTLED_STATES, InvoiceState, ReceiptState
from ..models import PaymentMilestone, Receipt, ReceiptAllocation
from .lists import contract_collection, invoice_list, milestone_list, receipt_list
from .money import OUTSTANDING, ZERO, pct


def close_blockers(contract: Contract) -> list[str]:
    """What keeps the contract from closing, as far as collections know: every milestone not
    paid nor written off, and money held as unapplied credit on its receipts."""
    messages = [
        _("Payment milestone “%(m)s” is not settled: %(left)s %(currency)s outstanding.")
        % {"m": m.name, "left": m.outstanding, "currency": m.currency}
        for m in PaymentMilestone.objects.filter(contract=contract)
        .exclude(state__in=SETTLED_STATES)
        .order_by("sequence", "pk")
    ]
    for receipt in Receipt.objects.filter(contract=contract, state=ReceiptState.POSTED).order_by(
        "pk"
    ):
        if receipt.unapplied_amount > 0:
            messages.append(
                _("Receipt %(number)s holds %(left)s %(currency)s of unapplied credit.")
                % {
                    "number": receipt.number,
                    "left": receipt.unapplied_amount,
                    "currency": receipt.currency,
                }
            )
    return messages


def contract_facts(contract: Contract) -> dict:
    """Figures for the contract's close review and evaluation: the plan's total, what was
    collected and its share (None without a payment plan), days from signing to the last
    receipt once everything is settled (else None), overdue and written-off amounts."""
    totals = contract_collection(contract=contract)
    last_received = ReceiptAllocation.objects.filter(
        milestone__contract=contract, reversed_at__isnull=True
    ).aggregate(last=Max("receipt__received_on"))["last"]
    settled = totals["count"] > 0 and totals["outstanding"] == 0
    days = None
    if settled and last_received is not None and contract.signed_on is not None:
        days = max((last_received - contract.signed_on).days, 0)
    overdue = PaymentMilestone.objects.filter(
        contract=contract,
        state__in=OPEN_MILESTONE_STATES,
        due_date__lt=timezone.localdate(),
    ).aggregate(s=Coalesce(Sum(OUTSTANDING), ZERO))["s"]
    return {
        "days_to_collect": days,
        "planned_amount": totals["planned"],
        "collected_amount": totals["paid"],
        "collected_pct": totals["collected_pct"],
        "invoiced_pct": pct(totals["invoiced"], totals["planned"]),
        "overdue_amount": overdue,
        "written_off_amount": totals["written_off"],
        "last_receipt_on": last_received,
    }


def account_customers(*, customer: Customer, user: User) -> list[Customer]:
    """The key account and the group's subsidiaries the user may see."""
    subsidiaries = policy.restrict(Customer.objects.filter(parent=customer), user).order_by("name")
    return [customer, *subsidiaries]


def battle_map(*, customer: Customer, user: User, today: dt.date | None = None) -> dict:
    """The account's battle map: its contracts with their terms and payment plans, the next
    payment dates, unpaid invoices, recent receipts and progress per currency. A fixed
    number of queries, whatever the account's size."""
    today = today or timezone.localdate()
    customers = account_customers(customer=customer, user=user)
    contracts = list(
        policy.restrict_figures(contract_list(user=user), user)
        .prefetch_related(None)  # the map shows terms and money, not teams or deliveries
        .filter(customer__in=customers)
        .order_by("-signed_on", "-pk")
    )
    milestones = list(
        milestone_list(user=user, figures=True)
        .filter(contract__in=contracts)
        .order_by("contract", "sequence", "pk")
    )
    per_contract: dict[int, list[PaymentMilestone]] = defaultdict(list)
    for m in milestones:
        per_contract[m.contract_id].append(m)
    rows = []
    for contract in contracts:
        plan = per_contract.get(contract.pk, [])
        planned = sum((m.amount for m in plan), Decimal("0"))
        paid = sum((m.paid_amount for m in plan), Decimal("0"))
        rows.append(
            {
                "contract": contract,
                "milestones": plan,
                "planned": planned,
                "paid": paid,
                "invoiced": sum((m.invoiced_amount for m in plan), Decimal("0")),
                "outstanding": sum((m.outstanding for m in plan), Decimal("0")),
                "overdue": sum((m.outstanding for m in plan if m.is_overdue), Decimal("0")),
                "collected_pct": pct(paid, planned),
            }
        )
    scoped = milestone_list(user=user, figures=True).filter(contract__in=contracts)
    progress = list(
        scoped.values("currency")
        .annotate(
            planned=Coalesce(Sum("amount"), ZERO),
            invoiced=Coalesce(Sum("invoiced_amount"), ZERO),
            paid=Coalesce(Sum("paid_amount"), ZERO),
            written_off=Coalesce(Sum("written_off_amount"), ZERO),
            outstanding=Coalesce(Sum(OUTSTANDING, filter=Q(state__in=OPEN_MILESTONE_STATES)), ZERO),
            overdue=Coalesce(
                Sum(
                    OUTSTANDING,
                    filter=Q(state__in=OPEN_MILESTONE_STATES, due_date__lt=today),
                ),
                ZERO,
            ),
            count=Count("id"),
        )
        .order_by("currency")
    )
    for row in progress:
        row["collected_pct"] = pct(row["paid"], row["planned"])
    credit = list(
        receipt_list(user=user)
        .filter(customer__in=customers, state=ReceiptState.POSTED)
        .values("currency")
        .annotate(
            amount=Coalesce(Sum("amount"), ZERO), allocated=Coalesce(Sum("allocated_amount"), ZERO)
        )
        .order_by("currency")
    )
    return {
        "customer": customer,
        "customers": customers,
        "today": today,
        "contracts": rows,
        "progress": progress,
        "upcoming": [
            m
            for m in sorted(
                (m for m in milestones if m.state in OPEN_MILESTONE_STATES and m.due_date),
                key=lambda m: (m.due_date, m.pk),
            )
        ][:20],
        "unscheduled": [
            m for m in milestones if m.state in OPEN_MILESTONE_STATES and not m.due_date
        ],
        "unpaid_invoices": list(
            invoice_list(user=user)
            .filter(customer__in=customers, state=InvoiceState.ISSUED)
            .exclude(paid_amount=F("amount"))
            .order_by("issued_on", "pk")[:20]
        ),
        "receipts": list(
            receipt_list(user=user)
            .filter(customer__in=customers)
            .prefetch_related("allocations__milestone__contract")
            .order_by("-received_on", "-pk")[:10]
        ),
        "credit": [
            {"currency": c["currency"], "amount": c["amount"] - c["allocated"]}
            for c in credit
            if c["amount"] != c["allocated"]
        ],
    }
