from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class MilestoneKind(models.TextChoices):
    DOWN_PAYMENT = "down_payment", _("Down payment")
    ARRIVAL = "arrival", _("Arrival payment")
    ACCEPTANCE = "acceptance", _("Acceptance payment")
    WARRANTY = "warranty", _("Warranty retention")
    CUSTOM = "custom", _("Custom")


class MilestoneTrigger(models.TextChoices):
    ON_SIGNING = "on_signing", _("On signing")
    ON_ARRIVAL = "on_arrival", _("On arrival")
    ON_ACCEPTANCE = "on_acceptance", _("On acceptance")
    ON_WARRANTY_END = "on_warranty_end", _("At the end of warranty")
    ON_DATE = "on_date", _("On a fixed date")


#: Which delivery milestone (contracts' `delivery_milestone.reached`) makes which payment
#: milestones due. Shipment, installation and warranty start trigger no payment here.
DELIVERY_TRIGGERS = {
    "arrival": MilestoneTrigger.ON_ARRIVAL,
    "acceptance": MilestoneTrigger.ON_ACCEPTANCE,
    "warranty_end": MilestoneTrigger.ON_WARRANTY_END,
}


class MilestoneState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DUE = "due", _("Due")
    INVOICED = "invoiced", _("Invoiced")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    WRITTEN_OFF = "written_off", _("Written off")


OPEN_MILESTONE_STATES = [
    MilestoneState.PLANNED,
    MilestoneState.DUE,
    MilestoneState.INVOICED,
    MilestoneState.PARTLY_PAID,
]

#: Open milestones whose trigger has happened (or that money already touched): the
#: receivables ageing, DSO and reminders look at these.
RECEIVABLE_STATES = [
    MilestoneState.DUE,
    MilestoneState.INVOICED,
    MilestoneState.PARTLY_PAID,
]

SETTLED_STATES = [MilestoneState.PAID, MilestoneState.WRITTEN_OFF]


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")
    CHEQUE = "cheque", _("Cheque")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class ReceiptState(models.TextChoices):
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class InvoiceKind(models.TextChoices):
    VAT_SPECIAL = "vat_special", _("Special VAT invoice")
    VAT_NORMAL = "vat_normal", _("Ordinary VAT invoice")
    OTHER = "other", _("Other invoice")


class InvoiceState(models.TextChoices):
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled (red-letter)")


class WriteOffState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReminderKind(models.TextChoices):
    """A step of the reminder ladder. "Before" steps are named by their day count
    (`before_7`); their labels come from `reminder_label`."""

    DUE = "due", _("Due today")
    OVERDUE_1 = "overdue_1", _("Overdue: account responsible")
    OVERDUE_7 = "overdue_7", _("Overdue 7 days: sales manager")
    OVERDUE_30 = "overdue_30", _("Overdue 30 days: finance and representative office")


def reminder_label(kind: str) -> str:
    """A ladder step in words: "7 days before due", "Overdue 7 days: sales manager" ..."""
    if kind.startswith("before_") and kind.removeprefix("before_").isdigit():
        n = int(kind.removeprefix("before_"))
        return ngettext("%(n)s day before due", "%(n)s days before due", n) % {"n": n}
    return str(ReminderKind(kind).label) if kind in ReminderKind.values else kind


class AgeingBucket(models.TextChoices):
    NOT_DUE = "not_due", _("Not due")
    D1_30 = "d1_30", _("1–30 days")
    D31_60 = "d31_60", _("31–60 days")
    D61_90 = "d61_90", _("61–90 days")
    D90_PLUS = "d90_plus", _("Over 90 days")


class AgeingGroup(models.TextChoices):
    ORG_UNIT = "org_unit", _("Org unit")
    CUSTOMER = "customer", _("Customer")
    OWNER = "owner", _("Account responsible (AR)")
