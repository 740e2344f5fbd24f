"""Reads of rebates: schemes, statements and ledger lines the user may see, a partner's
statements (for the partner portal), and the sales volume a scheme counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum

from contracts.choices import ContractState
from contracts.models import Contract
from core import policy
from partners.models import Partner
from receivables.choices import ReceiptState
from receivables.models import Receipt

from .choices import RebateBasis
from .choices import StatementState as S
from .models import RebateAccrual, RebateScheme, RebateStatement

ZERO = Decimal("0")
#: A contract counts as booked from its signing on, unless it was never signed or ended void.
# Signed and not terminated: a terminated contract's booking is taken back (hooks.py).
BOOKED_STATES = [
    s for s in ContractState.values if s not in (ContractState.DRAFT, ContractState.TERMINATED)
]


def scheme_list(user) -> QuerySet[RebateScheme]:
    return policy.restrict(
        RebateScheme.objects.select_related("agreement__partner").prefetch_related("tiers"), user
    )


def statement_list(user) -> QuerySet[RebateStatement]:
    return policy.restrict(
        RebateStatement.objects.select_related("partner", "scheme", "settled_by"), user
    )


def accrual_list(user) -> QuerySet[RebateAccrual]:
    return policy.restrict(
        RebateAccrual.objects.select_related("period", "statement__partner"), user
    )


def partner_rebate_statements(partner: Partner) -> QuerySet[RebateStatement]:
    """A partner's rebate statements, newest period first, without drafts (what the partner
    portal shows its partner: issued and settled ones). The caller has checked the reader
    may see the partner."""
    return (
        RebateStatement.objects.filter(partner=partner)
        .exclude(state=S.DRAFT)
        .select_related("scheme")
        .order_by("-period_start", "-id")
    )


def booked_contracts() -> QuerySet[Contract]:
    """Contracts of partner opportunities that were signed (any state from signing on)."""
    return Contract.objects.filter(
        opportunity__partner__isnull=False,
        signed_on__isnull=False,
        state__in=BOOKED_STATES,
    )


def partner_receipts() -> QuerySet[Receipt]:
    return Receipt.objects.filter(
        contract__opportunity__partner__isnull=False, state=ReceiptState.POSTED
    )


def sales_volume(
    *, partner_id: int, basis: str, currency: str, start: dt.date, end: dt.date
) -> Decimal:
    """What a partner sold between two days (inclusive) in one currency, as a scheme counts:
    contracts signed, or cash received against them. One aggregate in SQL."""
    if basis == RebateBasis.CASH:
        rows = partner_receipts().filter(
            contract__opportunity__partner_id=partner_id,
            currency=currency,
            received_on__range=(start, end),
        )
    else:
        rows = booked_contracts().filter(
            opportunity__partner_id=partner_id,
            currency=currency,
            signed_on__range=(start, end),
        )
    return rows.aggregate(total=Sum("amount"))["total"] or ZERO
