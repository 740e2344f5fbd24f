"""Cash: a contract's payment plan (its milestones), the invoices issued against them, the
receipts that pay them and the allocations that tie each receipt to what it settles, the
write-offs that settle what will not be paid, and the reminders that chase the rest.

Invariants money depends on are database constraints: nothing paid or written off beyond a
milestone's amount, nothing invoiced beyond it, nothing allocated beyond a receipt's amount or
an invoice's, no negative amounts (docs/adr/0002-money.md).
"""

from .forecasts import CashForecast, ForecastBasis
from .invoices import Invoice
from .plan import PaymentMilestone, PaymentTrigger, settled_state
from .receipts import Receipt, ReceiptAllocation
from .reminders import MilestoneReminder, ReminderScan
from .rollups import AgeingRollup
from .statements import StatementLine
from .writeoffs import APPROVE_PERMISSION, WriteOffRequest

__all__ = [
    "APPROVE_PERMISSION",
    "AgeingRollup",
    "CashForecast",
    "ForecastBasis",
    "Invoice",
    "MilestoneReminder",
    "PaymentMilestone",
    "PaymentTrigger",
    "Receipt",
    "ReceiptAllocation",
    "ReminderScan",
    "StatementLine",
    "WriteOffRequest",
    "settled_state",
]
