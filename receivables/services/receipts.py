"""Writes on receipts (回款): record, allocate (oldest first or by hand), apply unapplied
credit later, reverse an allocation or a whole receipt. Money is never deleted and never
lost: what is not allocated stays on the receipt as unapplied credit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, User
from contracts.models import Contract
from core import hooks, policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import message, money
from core.money import format_money, quantize
from core.notifications import notify

from ..choices import RECEIVABLE_STATES, ReceiptState
from ..models import Invoice, PaymentMilestone, Receipt, ReceiptAllocation
from .common import ZERO, lock_milestones, minus, plus, restate, settle_invoices

#: A by-hand allocation: (milestone or invoice, amount). An invoice stands for its milestone.
Allocation = tuple[PaymentMilestone | Invoice, Decimal]


def _require_receipts_role(by: User, record) -> None:
    if not policy.may(by, "receivables.handle_money", record) or not policy.can(by, record):
        raise Forbidden(_("Only finance records receipts."))


def receipt_record(
    *,
    by: User,
    amount: Decimal,
    received_on: dt.date,
    method: str,
    contract: Contract | None = None,
    customer: Customer | None = None,
    currency: str | None = None,
    bank_reference: str = "",
    note: str = "",
    allocations: list[Allocation] | None = None,
    auto_allocate: bool = True,
    refuse_overpayment: bool = False,
    allow_duplicate: bool = False,
) -> Receipt:
    """Record money received on a contract (or from a customer, contract not known yet) and
    allocate it: to the given milestones or invoices, or oldest due first. What is not
    allocated is kept on the receipt as unapplied credit, or refused if asked to."""
    customer, currency = _receipt_payer(
        by=by, contract=contract, customer=customer, currency=currency
    )
    amount = _receipt_amount(amount, received_on)
    bank_reference = (bank_reference or "").strip()
    with transaction.atomic():
        owner = contract.owner if contract is not None else customer.owner
        receipt = _insert_once(
            Receipt(
                customer=customer,
                contract=contract,
                owner=owner,
                org_unit=contract.org_unit if contract is not None else customer.org_unit,
                amount=amount,
                currency=currency,
                received_on=received_on,
                method=method,
                bank_reference=bank_reference,
                note=note,
                recorded_by=by,
            ),
            allow_duplicate=allow_duplicate,
        )
        allocated = _allocate_receipt(receipt, allocations, auto_allocate, by)
        receipt.refresh_from_db()
        if refuse_overpayment and receipt.unapplied_amount > 0:
            raise ValidationFailed(
                _("%(left)s of this receipt would not be allocated: more than is open.")
                % {"left": receipt.unapplied_amount},
                fields={"amount": [_("More than is open.")]},
            )
        _receipt_recorded(
            receipt,
            contract=contract,
            customer=customer,
            owner=owner,
            amount=amount,
            currency=currency,
            allocated=allocated,
            by=by,
        )
    return receipt


def _receipt_payer(
    *, by: User, contract: Contract | None, customer: Customer | None, currency: str | None
) -> tuple[Customer, str]:
    """Who paid and in which currency: the contract's customer and currency when a contract is
    given (a customer given too must be its customer). Only finance records receipts."""
    if contract is None and customer is None:
        raise ValidationFailed(
            _("Choose the contract or the customer."), fields={"contract": [_("Required.")]}
        )
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        raise ValidationFailed(
            _("The contract belongs to another customer."),
            fields={"customer": [_("Not the contract's customer.")]},
        )
    _require_receipts_role(by, contract or customer)
    customer = contract.customer if contract is not None else customer
    currency = currency or (contract.currency if contract is not None else None)
    if not currency:
        raise ValidationFailed(_("Give the currency."), fields={"currency": [_("Required.")]})
    if contract is not None and currency != contract.currency:
        raise ValidationFailed(
            _("The contract is in %(currency)s.") % {"currency": contract.currency},
            fields={"currency": [_("Not the contract's currency.")]},
        )
    return customer, currency


def _receipt_amount(amount: Decimal, received_on: dt.date) -> Decimal:
    """The amount to the cent, above zero, received today or before."""
    amount = quantize(amount)
    if amount <= 0:
        raise ValidationFailed(
            _("The amount must be above zero."), fields={"amount": [_("Must be above zero.")]}
        )
    if received_on > timezone.localdate():
        raise ValidationFailed(
            _("A receipt cannot be dated in the future."),
            fields={"received_on": [_("In the future.")]},
        )
    return amount


def _receipt_recorded(
    receipt: Receipt,
    *,
    contract: Contract | None,
    customer: Customer,
    owner: User,
    amount: Decimal,
    currency: str,
    allocated: Decimal,
    by: User,
) -> None:
    """Audit the receipt (and on its contract), tell the later stages and the owner."""
    audit_record(
        target=receipt,
        action="created",
        actor=by,
        changes={
            "amount": str(amount),
            "allocated": str(allocated),
            "unapplied": str(receipt.unapplied_amount),
        },
    )
    if contract is not None:
        audit_record(
            target=contract,
            action="receipt.recorded",
            actor=by,
            changes={"receipt": receipt.number, "amount": str(amount)},
        )
    hooks.emit("receipt.recorded", receipt=receipt, by=by)
    notify(
        recipients=[owner],
        kind="receipt.recorded",
        target=contract or receipt,
        exclude=by,
        message=message("receipt.recorded", amount=money(amount, currency), customer=str(customer)),
    )


def _insert_once(receipt: Receipt, *, allow_duplicate: bool) -> Receipt:
    """Insert `receipt` unless a posted receipt already records the same payment (customer,
    bank reference, amount, date): then 409 `duplicate_receipt` naming it. The database
    decides (`receipt_payment_recorded_once`), so of identical payments arriving at once one is
    recorded and the others get the 409. `allow_duplicate` records an identical payment again
    on purpose, as the payment's next occurrence."""
    if not receipt.bank_reference:
        receipt.save()
        return receipt
    twins = Receipt.objects.filter(
        customer=receipt.customer,
        bank_reference=receipt.bank_reference,
        amount=receipt.amount,
        received_on=receipt.received_on,
        state=ReceiptState.POSTED,
    ).order_by("occurrence")
    for _attempt in range(10):
        latest = twins.last()
        if latest is not None and not allow_duplicate:
            raise _duplicate(twins.first())
        receipt.occurrence = latest.occurrence + 1 if latest is not None else 1
        try:
            with transaction.atomic():
                receipt.save()
                return receipt
        except IntegrityError:  # an identical payment was recorded meanwhile
            receipt.pk = None
            if not twins.filter(occurrence=receipt.occurrence).exists():
                raise
    raise Conflict(
        _("Too many identical payments are being recorded at once; try again."),
        code="duplicate_receipt_busy",
    )


def _duplicate(twin: Receipt) -> Conflict:
    return Conflict(
        _("%(number)s already records this payment (same reference, date and amount).")
        % {"number": twin.number},
        code="duplicate_receipt",
        fields={"bank_reference": [_("Already recorded.")]},
    )


def receipt_allocate(
    *, receipt: Receipt, by: User, allocations: list[Allocation] | None = None
) -> Receipt:
    """Apply a receipt's unapplied credit: by hand, or oldest due first."""
    _require_receipts_role(by, receipt)
    if not policy.can(by, receipt, "change"):
        raise Forbidden(_("You may not change this receipt."))
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.state != ReceiptState.POSTED:
            raise Conflict(_("This receipt was reversed."), code="receipt_reversed")
        if locked.unapplied_amount <= 0:
            raise Conflict(_("This receipt holds no unapplied credit."), code="no_credit")
        _refuse_lost_race(seen=receipt, current=locked, allocations=allocations)
        allocated = _allocate_receipt(locked, allocations, True, by)
        if allocated == 0:
            raise Conflict(
                _("Nothing is open to apply this credit to."),
                code="nothing_open",
                fields={"allocations": [_("No open milestone.")]},
            )
        locked.refresh_from_db()
        audit_record(
            target=locked,
            action="receipt.allocated",
            actor=by,
            changes={"allocated": str(allocated), "unapplied": str(locked.unapplied_amount)},
        )
    return locked


def _refuse_lost_race(
    *, seen: Receipt, current: Receipt, allocations: list[Allocation] | None
) -> None:
    """409 when the allocation fitted the credit the user saw but another allocation took it
    meanwhile (lost the race); asking for more than was ever there stays a 400."""
    if allocations is None:
        return
    seen_left = seen.amount - seen.allocated_amount
    left = current.amount - current.allocated_amount
    wanted = sum((quantize(part) for _target, part in allocations), ZERO)
    if left < wanted <= seen_left:
        raise Conflict(
            _(
                "This receipt changed while you were allocating: only %(left)s is left to "
                "allocate now. Reload it and try again."
            )
            % {"left": left},
            code="receipt_changed",
            fields={"allocations": [_("Only %(left)s left now.") % {"left": left}]},
        )


def _scope(receipt: Receipt):
    """Milestones this receipt may pay: its contract's, or its customer's in its currency."""
    q = (
        Q(contract=receipt.contract)
        if receipt.contract_id
        else Q(contract__customer=receipt.customer)
    )
    return PaymentMilestone.objects.filter(q, currency=receipt.currency)


def _allocate_receipt(
    receipt: Receipt, requested: list[Allocation] | None, auto: bool, by: User
) -> Decimal:
    """Allocate the receipt's unapplied money (receipt row already written or locked)."""
    available = receipt.amount - receipt.allocated_amount
    if requested is None:
        if not auto:
            return ZERO
        candidates = list(
            _scope(receipt)
            .filter(state__in=RECEIVABLE_STATES)
            .order_by(F("due_date").asc(nulls_last=True), "sequence", "pk")
            .values_list("pk", flat=True)
        )
        locked = lock_milestones(candidates)
        plan, left = [], available
        for pk in candidates:
            milestone = locked.get(pk)
            part = min(left, milestone.outstanding) if milestone is not None else ZERO
            if part > 0 and milestone.state in RECEIVABLE_STATES:
                plan.append((milestone, part))
                left -= part
    else:
        plan = _by_hand(receipt, requested, available)
    for milestone, part in plan:
        _apply(receipt, milestone, part, by)
    total = sum((part for _m, part in plan), ZERO)
    if total:
        Receipt.objects.filter(pk=receipt.pk).update(
            allocated_amount=plus("allocated_amount", total), updated_at=timezone.now()
        )
    return total


def _by_hand(
    receipt: Receipt, requested: Iterable[Allocation], available: Decimal
) -> list[tuple[PaymentMilestone, Decimal]]:
    wanted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    labels: dict[int, str] = {}
    for target, part in requested:
        milestone_id = target.milestone_id if isinstance(target, Invoice) else target.pk
        part = quantize(part)
        if part <= 0:
            raise ValidationFailed(
                _("Allocate amounts above zero."),
                fields={"allocations": [_("%(target)s: must be above zero.") % {"target": target}]},
            )
        wanted[milestone_id] += part
        labels[milestone_id] = str(target)
    locked = lock_milestones(wanted)
    in_scope = set(_scope(receipt).filter(pk__in=list(wanted)).values_list("pk", flat=True))
    plan = []
    for milestone_id, part in wanted.items():
        milestone = locked.get(milestone_id)
        if milestone is None or milestone_id not in in_scope:
            raise ValidationFailed(
                _("%(m)s is not a milestone this receipt can pay.") % {"m": labels[milestone_id]},
                fields={"allocations": [labels[milestone_id]]},
            )
        if part > milestone.outstanding:
            raise ValidationFailed(
                _("%(m)s has %(left)s outstanding.")
                % {"m": milestone, "left": milestone.outstanding},
                fields={"allocations": [str(milestone)]},
            )
        plan.append((milestone, part))
    total = sum((part for _m, part in plan), ZERO)
    if total > available:
        raise ValidationFailed(
            _("Allocations (%(total)s) exceed the money available on the receipt (%(available)s).")
            % {
                "total": format_money(total, receipt.currency),
                "available": format_money(available, receipt.currency),
            },
            fields={"allocations": [_("More than received.")]},
        )
    return plan


def _apply(receipt: Receipt, milestone: PaymentMilestone, amount: Decimal, by: User) -> None:
    ReceiptAllocation.objects.create(
        receipt=receipt, milestone=milestone, amount=amount, created_by=by
    )
    PaymentMilestone.objects.filter(pk=milestone.pk).update(paid_amount=plus("paid_amount", amount))
    restate(
        milestone,
        "apply_payment",
        by=by,
        comment=message(
            "note.paid_from", amount=money(amount, milestone.currency), receipt=receipt.number
        ),
    )
    settle_invoices(milestone)


def _unapply(allocation: ReceiptAllocation, milestone: PaymentMilestone, by: User, why: str):
    ReceiptAllocation.objects.filter(pk=allocation.pk).update(
        reversed_at=timezone.now(), reversed_by=by
    )
    PaymentMilestone.objects.filter(pk=milestone.pk).update(
        paid_amount=minus("paid_amount", allocation.amount)
    )
    restate(milestone, "reverse_payment", by=by, comment=why)
    settle_invoices(milestone)


def allocation_reverse(*, allocation: ReceiptAllocation, by: User, reason: str) -> Receipt:
    """Take back one allocation (it went to the wrong milestone): the milestone's paid amount
    and state roll back and the money returns to the receipt's unapplied credit."""
    receipt = allocation.receipt
    _require_receipts_role(by, receipt)
    if not policy.can(by, receipt, "change"):
        raise Forbidden(_("You may not change this receipt."))
    if not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        milestone = lock_milestones([allocation.milestone_id])[allocation.milestone_id]
        current = ReceiptAllocation.objects.select_for_update().get(pk=allocation.pk)
        if current.reversed_at is not None or locked.state != ReceiptState.POSTED:
            raise Conflict(_("This allocation is already reversed."), code="already_reversed")
        why = _("%(amount)s from %(receipt)s taken back: %(reason)s") % {
            "amount": current.amount,
            "receipt": locked.number,
            "reason": reason.strip(),
        }
        _unapply(current, milestone, by, why)
        Receipt.objects.filter(pk=locked.pk).update(
            allocated_amount=minus("allocated_amount", current.amount),
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        audit_record(
            target=locked,
            action="allocation.reversed",
            actor=by,
            comment=reason.strip(),
            changes={"milestone": str(milestone), "amount": str(current.amount)},
        )
    locked.refresh_from_db()
    return locked


def receipt_reverse(*, receipt: Receipt, by: User, reason: str) -> Receipt:
    """Reverse a receipt recorded by mistake (wrong amount, bounced bill): every allocation is
    reversed, the milestones' paid amounts and states roll back, the receipt stays on record
    as reversed. Never a delete."""
    _require_receipts_role(by, receipt)
    if not policy.can(by, receipt, "change"):
        raise Forbidden(_("You may not change this receipt."))
    if not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.state != ReceiptState.POSTED:
            raise Conflict(_("This receipt is already reversed."), code="already_reversed")
        active = list(
            ReceiptAllocation.objects.select_for_update()
            .filter(receipt=locked, reversed_at__isnull=True)
            .order_by("pk")
        )
        milestones = lock_milestones(a.milestone_id for a in active)
        why = _("%(receipt)s reversed: %(reason)s") % {
            "receipt": locked.number,
            "reason": reason.strip(),
        }
        for allocation in active:
            _unapply(allocation, milestones[allocation.milestone_id], by, why)
        transition_run(
            locked,
            "reverse",
            by=by,
            reason=reason.strip(),
            internal=True,
            check_policy=False,
            update_fields=["allocated_amount", "reversed_at", "reversed_by", "reversal_reason"],
            changes={"allocations_reversed": len(active)},
        )
        if locked.contract_id:
            audit_record(
                target=locked.contract,
                action="receipt.reversed",
                actor=by,
                comment=reason.strip(),
                changes={"receipt": locked.number, "amount": str(locked.amount)},
            )
        locked.refresh_from_db()
        hooks.emit("receipt.reversed", receipt=locked, by=by)
        notify(
            recipients=[locked.owner],
            kind="receipt.reversed",
            target=locked,
            exclude=by,
            message=message(
                "receipt.reversed",
                number=locked.number,
                amount=money(locked.amount, locked.currency),
            ),
            body=reason.strip(),
        )
    return locked
