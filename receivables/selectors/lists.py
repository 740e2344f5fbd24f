"""Reads behind the lists: every one goes through the access policy and loads what its rows
show in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Customer, IronTriangleMember, User
from core import policy

from ..choices import OPEN_MILESTONE_STATES, RECEIVABLE_STATES, MilestoneState
from ..models import (
    Invoice,
    MilestoneReminder,
    PaymentMilestone,
    Receipt,
    ReceiptAllocation,
    WriteOffRequest,
)
from .money import OUTSTANDING, ZERO, pct


def milestone_list(*, user: User, figures: bool = False) -> QuerySet[PaymentMilestone]:
    """The milestones `user` may view; `figures=True`: those a sum of money may read
    (`policy.restrict_figures`)."""
    scope = policy.restrict_figures if figures else policy.restrict
    return scope(
        PaymentMilestone.objects.select_related(
            "contract", "contract__customer", "contract__owner"
        ),
        user,
    )


def my_milestones(*, user: User) -> QuerySet[PaymentMilestone]:
    """The open milestones a rep chases: on contracts they own or sit on the team of."""
    seat = IronTriangleMember.objects.filter(team=OuterRef("contract__team"), user=user)
    return (
        milestone_list(user=user)
        .filter(state__in=OPEN_MILESTONE_STATES)
        .filter(Q(contract__owner=user) | Exists(seat))
    )


def receipt_list(*, user: User) -> QuerySet[Receipt]:
    return policy.restrict(
        Receipt.objects.select_related("customer", "contract", "recorded_by"), user
    )


def allocation_list(*, receipt: Receipt) -> QuerySet[ReceiptAllocation]:
    return receipt.allocations.select_related(
        "milestone", "milestone__contract", "created_by", "reversed_by"
    ).order_by("pk")


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    return policy.restrict(
        Invoice.objects.select_related("contract", "customer", "milestone", "issued_by"), user
    )


def write_off_list(*, user: User) -> QuerySet[WriteOffRequest]:
    return policy.restrict(
        WriteOffRequest.objects.select_related(
            "milestone",
            "milestone__contract",
            "milestone__contract__customer",
            "requested_by",
            "decided_by",
        ),
        user,
    )


def reminder_list(*, user: User) -> QuerySet[MilestoneReminder]:
    return policy.restrict(
        MilestoneReminder.objects.select_related("milestone", "milestone__contract"), user
    )


def collection_summary(
    *,
    user: User,
    owner: User | None = None,
    customer: Customer | None = None,
    today: dt.date | None = None,
) -> dict:
    """Open, due this week and overdue: count and outstanding amount, per currency; for the
    milestones `owner` chases, or one customer's, when given. Open splits into `receivable`
    (the trigger happened: the ageing report's receivables) and `planned` (waiting for it).
    One grouped query."""
    today = today or timezone.localdate()
    open_milestones = milestone_list(user=user, figures=True).filter(
        state__in=OPEN_MILESTONE_STATES
    )
    if customer is not None:
        open_milestones = open_milestones.filter(contract__customer=customer)
    if owner is not None:
        open_milestones = my_milestones(user=owner).filter(pk__in=open_milestones.values("pk"))

    groups = {
        "overdue": Q(due_date__lt=today),
        "due_this_week": Q(due_date__gte=today, due_date__lte=today + dt.timedelta(days=7)),
        "open": Q(),
        # as the ageing report counts receivables: the trigger happened, not yet paid
        "receivable": Q(state__in=RECEIVABLE_STATES),
        "planned": Q(state=MilestoneState.PLANNED),
    }
    sums = {}
    for name, q in groups.items():
        sums[f"{name}_count"] = Count("id", filter=q)
        sums[f"{name}_sum"] = Coalesce(Sum(OUTSTANDING, filter=q), ZERO)
    rows = list(open_milestones.values("currency").annotate(**sums).order_by("currency"))
    return {
        name: [
            {
                "currency": r["currency"],
                "count": r[f"{name}_count"],
                "outstanding": r[f"{name}_sum"],
            }
            for r in rows
            if r[f"{name}_count"]
        ]
        for name in groups
    }


def contract_collection(*, contract) -> dict:
    """A contract's plan totals: planned, invoiced, paid, written off, outstanding (one query)."""
    sums = PaymentMilestone.objects.filter(contract=contract).aggregate(
        planned=Coalesce(Sum("amount"), ZERO),
        invoiced=Coalesce(Sum("invoiced_amount"), ZERO),
        paid=Coalesce(Sum("paid_amount"), ZERO),
        written_off=Coalesce(Sum("written_off_amount"), ZERO),
        count=Count("id"),
    )
    sums["outstanding"] = sums["planned"] - sums["paid"] - sums["written_off"]
    sums["collected_pct"] = pct(sums["paid"], sums["planned"])
    return sums
