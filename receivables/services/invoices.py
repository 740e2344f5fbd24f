"""Writes on invoices (开票): issue against a milestone, cancel (红冲) a wrong one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.fsm import transition_run
from core.messages import message, money
from core.money import quantize
from core.notifications import notify

from ..choices import InvoiceKind, InvoiceState, MilestoneState
from ..models import Invoice, PaymentMilestone
from .common import lock_milestones, minus, plus, require_finance, restate, settle_invoices


def invoice_issue(
    *,
    milestone: PaymentMilestone,
    by: User,
    amount: Decimal,
    issued_on: dt.date,
    invoice_number: str = "",
    kind: str = InvoiceKind.VAT_SPECIAL,
    note: str = "",
) -> Invoice:
    """Issue an invoice for (part of) a due milestone. It may not exceed what is left to
    invoice on the milestone, checked under the milestone's row lock."""
    require_finance(by, milestone, _("Only finance issues invoices."))
    amount, invoice_number = _invoice_input(amount, issued_on, invoice_number)
    with transaction.atomic():
        locked = lock_milestones([milestone.pk])[milestone.pk]
        _check_invoiceable(locked, amount)
        invoice = _invoice_create(
            locked,
            by=by,
            amount=amount,
            issued_on=issued_on,
            invoice_number=invoice_number,
            kind=kind,
            note=note,
        )
        PaymentMilestone.objects.filter(pk=locked.pk).update(
            invoiced_amount=plus("invoiced_amount", amount)
        )
        restate(
            locked,
            "record_invoice",
            by=by,
            comment=message(
                "note.invoiced", amount=money(amount, locked.currency), invoice=invoice.number
            ),
        )
        settle_invoices(locked)
        invoice.refresh_from_db()
        _invoice_issued(invoice, locked, amount=amount, invoice_number=invoice_number, by=by)
    return invoice


def _invoice_input(amount: Decimal, issued_on: dt.date, invoice_number: str) -> tuple:
    """The amount to the cent and the invoice number trimmed, checked before any lock: above
    zero, not dated in the future, a number not recorded yet."""
    amount = quantize(amount)
    invoice_number = (invoice_number or "").strip()
    if amount <= 0:
        raise ValidationFailed(
            _("The amount must be above zero."), fields={"amount": [_("Must be above zero.")]}
        )
    if issued_on > timezone.localdate():
        raise ValidationFailed(
            _("An invoice cannot be dated in the future."),
            fields={"issued_on": [_("In the future.")]},
        )
    if invoice_number and Invoice.objects.filter(invoice_number=invoice_number).exists():
        raise ValidationFailed(
            _("Invoice number %(number)s is already recorded.") % {"number": invoice_number},
            fields={"invoice_number": [_("Already recorded.")]},
        )
    return amount, invoice_number


def _check_invoiceable(locked: PaymentMilestone, amount: Decimal) -> None:
    """Under the milestone's lock: it is due (not planned, not written off) and `amount` is
    no more than is left to invoice on it."""
    if locked.state == MilestoneState.PLANNED:
        raise Conflict(
            _("%(m)s is not due yet; invoice it once its trigger has happened.") % {"m": locked},
            code="milestone_not_due",
            fields={"milestone": [_("Not due yet.")]},
        )
    if locked.state == MilestoneState.WRITTEN_OFF:
        raise Conflict(
            _("%(m)s was written off.") % {"m": locked},
            code="milestone_written_off",
            fields={"milestone": [_("Written off.")]},
        )
    left = locked.amount - locked.invoiced_amount
    if amount > left:
        raise ValidationFailed(
            _("Only %(left)s is left to invoice on %(m)s.") % {"left": left, "m": locked},
            fields={"amount": [_("At most %(left)s.") % {"left": left}]},
        )


def _invoice_create(
    locked: PaymentMilestone,
    *,
    by: User,
    amount: Decimal,
    issued_on: dt.date,
    invoice_number: str,
    kind: str,
    note: str,
) -> Invoice:
    try:
        with transaction.atomic():
            return Invoice.objects.create(
                contract=locked.contract,
                milestone=locked,
                customer=locked.contract.customer,
                invoice_number=invoice_number,
                kind=kind,
                amount=amount,
                currency=locked.currency,
                tax_rate_pct=locked.contract.tax_rate_pct,
                issued_on=issued_on,
                issued_by=by,
                note=note,
            )
    except IntegrityError as exc:  # the same invoice number entered at the same time
        raise ValidationFailed(
            _("Invoice number %(number)s is already recorded.") % {"number": invoice_number},
            fields={"invoice_number": [_("Already recorded.")]},
        ) from exc


def _invoice_issued(
    invoice: Invoice, locked: PaymentMilestone, *, amount: Decimal, invoice_number: str, by: User
) -> None:
    """Audit the invoice and tell the contract's owner."""
    audit_record(
        target=invoice,
        action="created",
        actor=by,
        changes={
            "amount": amount,
            "invoice_number": invoice_number,
            "milestone": str(locked),
        },
    )
    notify(
        recipients=[locked.contract.owner],
        kind="invoice.issued",
        target=invoice,
        exclude=by,
        message=message(
            "invoice.issued",
            number=invoice.invoice_number or invoice.number,
            amount=money(amount, invoice.currency),
            milestone=str(locked),
        ),
    )


def invoice_cancel(*, invoice: Invoice, by: User, reason: str) -> Invoice:
    """Cancel a wrong invoice (红冲): its amount is free to invoice again; money paid on the
    milestone moves to its other invoices. The invoice stays on record."""
    require_finance(by, invoice, _("Only finance cancels invoices."))
    if not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        milestone = lock_milestones([invoice.milestone_id])[invoice.milestone_id]
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.state != InvoiceState.ISSUED:
            raise Conflict(_("This invoice is already cancelled."), code="invoice_cancelled")
        transition_run(
            locked,
            "cancel",
            by=by,
            reason=reason.strip(),
            internal=True,
            check_policy=False,
            update_fields=["paid_amount", "cancelled_at", "cancelled_by", "cancel_reason"],
        )
        PaymentMilestone.objects.filter(pk=milestone.pk).update(
            invoiced_amount=minus("invoiced_amount", locked.amount)
        )
        restate(
            milestone,
            "record_invoice",
            by=by,
            comment=message("note.invoice_cancelled", invoice=locked.number, reason=reason.strip()),
        )
        settle_invoices(milestone)
    locked.refresh_from_db()
    return locked
