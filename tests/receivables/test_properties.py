"""Property-based: random plans, then random receipts (oldest first, by hand, held), credit
applied, allocations and receipts reversed, invoices issued and cancelled, write-offs and
amendments — and after every step the money invariants hold and the books reconcile."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.services import contract_transition
from core import hooks
from core.errors import ApplicationError
from core.money import split_by_percentages
from receivables.choices import ReceiptState
from receivables.models import (
    Invoice,
    PaymentMilestone,
    Receipt,
    ReceiptAllocation,
    WriteOffRequest,
    settled_state,
)
from receivables.selectors import reconciliation
from receivables.services import (
    allocation_reverse,
    invoice_cancel,
    invoice_issue,
    payment_plan_set,
    receipt_allocate,
    receipt_record,
    receipt_reverse,
    spread,
    write_off_approve,
    write_off_request,
)
from receivables.services.amendments import Share
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db

CENTS = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c) / 100)
TRIGGERS = ["on_signing", "on_arrival", "on_acceptance", "on_warranty_end"]

plans = st.lists(
    st.tuples(st.integers(min_value=1, max_value=1000), st.sampled_from(TRIGGERS)),
    min_size=1,
    max_size=5,
)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("receipt"), CENTS, st.sampled_from(["oldest", "hand", "hold"])),
        st.tuples(st.just("credit"), st.integers(0, 9)),
        st.tuples(st.just("reverse_receipt"), st.integers(0, 9)),
        st.tuples(st.just("reverse_allocation"), st.integers(0, 30)),
        st.tuples(st.just("invoice"), st.integers(0, 4), CENTS),
        st.tuples(st.just("cancel_invoice"), st.integers(0, 9)),
        st.tuples(st.just("trigger"), st.sampled_from(["arrival", "acceptance", "warranty_end"])),
        st.tuples(st.just("write_off"), st.integers(0, 4)),
        st.tuples(st.just("amend"), CENTS),
    ),
    min_size=1,
    max_size=12,
)


def check_invariants(contract) -> None:
    assert reconciliation(customer=contract.customer) == {
        "milestones": [],
        "receipts": [],
        "contracts": [],
        "customers": [],
    }
    contract.refresh_from_db()
    plan = PaymentMilestone.objects.filter(contract=contract)
    assert plan.aggregate(s=Sum("amount"))["s"] == contract.amount
    for m in plan:
        assert 0 <= m.paid_amount <= m.amount
        assert 0 <= m.written_off_amount <= m.amount - m.paid_amount
        assert 0 <= m.invoiced_amount <= m.amount
        assert m.state == settled_state(m)
        assert (m.settled_at is not None) == (m.outstanding == 0)
    for request in WriteOffRequest.objects.filter(milestone__contract=contract):
        assert (request.state == "pending") == (request.decided_by_id is None)
    for invoice in Invoice.objects.filter(contract=contract):
        assert 0 <= invoice.paid_amount <= invoice.amount
    for receipt in Receipt.objects.filter(contract=contract):
        active = receipt.allocations.filter(reversed_at__isnull=True)
        assert receipt.allocated_amount == (active.aggregate(s=Sum("amount"))["s"] or 0)
        if receipt.state == ReceiptState.REVERSED:
            assert not active.exists() and receipt.unapplied_amount == 0
    # Money is never lost: what was received (and not reversed) is paid or held as credit.
    received = Receipt.objects.filter(contract=contract, state=ReceiptState.POSTED)
    total_in = received.aggregate(s=Sum("amount"))["s"] or 0
    credit = sum((r.unapplied_amount for r in received), Decimal("0"))
    paid = plan.aggregate(s=Sum("paid_amount"))["s"] or 0
    assert total_in == paid + credit


def run(op, contract, org, today):
    kind = op[0]
    milestones = list(PaymentMilestone.objects.filter(contract=contract).order_by("sequence"))
    receipts = list(Receipt.objects.filter(contract=contract).order_by("pk"))
    if kind == "receipt":
        _k, amount, mode = op
        allocations = None
        if mode == "hand":
            open_ones = [m for m in milestones if m.outstanding > 0]
            allocations = [(m, min(m.outstanding, amount)) for m in open_ones[:1]]
        receipt_record(
            by=org.finance,
            contract=contract,
            amount=amount,
            received_on=today,
            method="bank_transfer",
            allocations=allocations,
            auto_allocate=mode != "hold",
        )
    elif kind == "credit" and receipts:
        receipt_allocate(receipt=receipts[op[1] % len(receipts)], by=org.finance)
    elif kind == "reverse_receipt" and receipts:
        receipt_reverse(receipt=receipts[op[1] % len(receipts)], by=org.finance, reason="wrong")
    elif kind == "reverse_allocation":
        active = list(
            ReceiptAllocation.objects.filter(
                receipt__contract=contract, reversed_at__isnull=True
            ).order_by("pk")
        )
        if active:
            allocation_reverse(
                allocation=active[op[1] % len(active)], by=org.finance, reason="misapplied"
            )
    elif kind == "invoice":
        m = milestones[op[1] % len(milestones)]
        invoice_issue(milestone=m, by=org.finance, amount=op[2], issued_on=today)
    elif kind == "cancel_invoice":
        invoices = list(Invoice.objects.filter(contract=contract, state="issued").order_by("pk"))
        if invoices:
            invoice_cancel(invoice=invoices[op[1] % len(invoices)], by=org.finance, reason="x")
    elif kind == "trigger":
        hooks.emit(
            "delivery_milestone.reached",
            contract=contract,
            milestone=SimpleNamespace(kind=op[1], actual_date=today),
            by=org.fr,
        )
    elif kind == "write_off":
        m = milestones[op[1] % len(milestones)]
        request = write_off_request(milestone=m, by=org.rep, reason="insolvent")
        write_off_approve(request=request, by=org.manager)
    elif kind == "amend":
        before = contract.amount
        contract.amount = op[1]
        contract.save(update_fields=["amount"])
        hooks.emit(
            "contract.changed",
            contract=contract,
            amendment=SimpleNamespace(
                version=1, amount_before=before, amount_after=op[1], summary="change"
            ),
            by=org.manager,
        )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(amount=CENTS, plan=plans, ops=operations, by_amount=st.booleans())
def test_money_invariants_hold_under_any_sequence(org, amount, plan, ops, by_amount):
    from django.db import transaction

    today = dt.date.today()
    contract = ContractFactory(owner=org.rep, amount=amount, signed_on=today)
    weights = [w for w, _t in plan]
    total = sum(weights)
    percentages = [Decimal(w * 100) / total for w in weights]
    percentages = [p.quantize(Decimal("0.001")) for p in percentages[:-1]]
    percentages.append(Decimal(100) - sum(percentages, Decimal(0)))
    rows = [{"kind": "custom", "trigger": t} for _w, t in plan]
    if by_amount:
        split = split_by_percentages(amount, percentages)
        if any(a <= 0 for a in split):
            return
        for row, part in zip(rows, split, strict=True):
            row["amount"] = part
    else:
        for row, pct in zip(rows, percentages, strict=True):
            row["percentage"] = pct
    try:
        payment_plan_set(contract=contract, by=org.rep, milestones=rows)
    except ApplicationError:
        return  # a split with a zero milestone (tiny amounts) is refused: fine
    contract_transition(contract=contract, name="sign", by=org.rep)
    check_invariants(contract)
    for op in ops:
        try:
            with transaction.atomic():
                run(op, contract, org, today)
        except ApplicationError:
            pass  # refused: must have left nothing half-written
        check_invariants(contract)


@given(
    delta=st.integers(min_value=-(10**7), max_value=10**7).map(lambda c: Decimal(c) / 100),
    rows=st.lists(
        st.tuples(
            st.integers(0, 100),  # weight
            st.integers(1, 10**6),  # current cents
            st.integers(0, 100),  # floor as a percentage of current
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_spread_totals_exactly_and_respects_floors(delta, rows):
    shares = [
        Share(
            i, Decimal(w), Decimal(c) / 100, (Decimal(c) * f / 100 / 100).quantize(Decimal("0.01"))
        )
        for i, (w, c, f) in enumerate(rows)
    ]
    try:
        result = spread(delta, shares)
    except ValueError:
        room = sum(s.current - s.floor for s in shares)
        assert -delta > room
        return
    assert sum(result.values()) == sum(s.current for s in shares) + delta
    for s in shares:
        assert result[s.key] >= s.floor
        assert result[s.key] == result[s.key].quantize(Decimal("0.01"))
