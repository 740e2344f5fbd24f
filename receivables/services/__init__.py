"""Writes on collections. Each service is one transaction with its audit events; money moves
with F() on rows locked in one order (receipt → milestones → invoices)."""

from .amendments import payment_plan_replan, spread
from .fields import milestone_fields_update
from .invoices import invoice_cancel, invoice_issue
from .plan import (
    apply_known_triggers,
    date_milestones_fall_due,
    milestones_fall_due,
    payment_plan_set,
)
from .receipts import (
    allocation_reverse,
    receipt_allocate,
    receipt_record,
    receipt_reverse,
)
from .writeoffs import (
    approval_of,
    write_off_approve,
    write_off_approvers,
    write_off_may_decide,
    write_off_reject,
    write_off_request,
    write_off_withdraw,
)

__all__ = [
    "allocation_reverse",
    "approval_of",
    "apply_known_triggers",
    "date_milestones_fall_due",
    "invoice_cancel",
    "invoice_issue",
    "milestone_fields_update",
    "milestones_fall_due",
    "payment_plan_replan",
    "payment_plan_set",
    "receipt_allocate",
    "receipt_record",
    "receipt_reverse",
    "spread",
    "write_off_approve",
    "write_off_approvers",
    "write_off_may_decide",
    "write_off_reject",
    "write_off_request",
    "write_off_withdraw",
]
