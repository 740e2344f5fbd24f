"""Receipts (回款) and their allocation to milestones and invoices."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Customer, OrgUnit, User
from contracts.models import Contract
from core.models import NumberedModel, TimeStampedModel
from core.money import CurrencyField, MoneyField, amounts_shown, format_money
from core.policy import AccessSpec

from ..choices import PaymentMethod, ReceiptState
from .plan import PaymentMilestone

ZERO = Decimal("0")


class Receipt(ConcurrentTransitionMixin, NumberedModel, TimeStampedModel):
    """Money received from a customer (回款). Never deleted: a mistake is reversed.

    A receipt belongs to a contract, or only to a customer when finance does not know yet
    which contract the money is for. What is not allocated is unapplied credit, applied later.
    """

    access = AccessSpec(
        owner="owner", unit="org_unit", team="contract__team", finance="change", area="receipts"
    )
    number_prefix = "RCP"

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="receipts"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    owner = models.ForeignKey(
        User,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="receipts"
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    received_on = models.DateField(_("received on"))
    method = models.CharField(
        _("method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    occurrence = models.PositiveSmallIntegerField(
        _("occurrence"),
        default=1,
        editable=False,
        help_text=_(
            "1 for the first receipt of a payment (customer, bank reference, amount, date); "
            "2, 3 … for identical payments recorded again on purpose."
        ),
    )
    allocated_amount = MoneyField(_("allocated"), default=ZERO)
    state = FSMField(
        _("state"),
        max_length=10,
        choices=ReceiptState.choices,
        default=ReceiptState.POSTED,
        protected=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversal_reason = models.TextField(_("reason for reversal"), blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "-id"]),
            models.Index(fields=["org_unit", "-received_on"]),
            models.Index(fields=["received_on", "-id"]),
            models.Index(fields=["contract", "-id"]),
            models.Index(fields=["state", "-id"]),
            models.Index(fields=["method", "-id"]),
            models.Index(fields=["currency", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("amount")),
                name="receipt_allocated_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(state=ReceiptState.POSTED) | Q(allocated_amount=0),
                name="receipt_reversed_unallocated",
            ),
            # A payment is recorded once, however many times it arrives at once (ADR 12): its
            # natural key is unique among posted receipts; an identical payment recorded again
            # on purpose (`allow_duplicate`) is its next occurrence.
            models.UniqueConstraint(
                fields=["customer", "bank_reference", "amount", "received_on", "occurrence"],
                condition=Q(state=ReceiptState.POSTED) & ~Q(bank_reference=""),
                name="receipt_payment_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        if not amounts_shown(self):
            return self.number
        return f"{self.number} {format_money(self.amount, self.currency)}"

    def get_absolute_url(self) -> str:
        return reverse("receivables:receipt-detail", args=[self.pk])

    @property
    def unapplied_amount(self) -> Decimal:
        """Money received but not allocated to any milestone yet: held as credit, never lost.
        A reversed receipt holds none (its money was never really received)."""
        if self.state != ReceiptState.POSTED:
            return ZERO
        return self.amount - self.allocated_amount

    @transition(
        field=state,
        source=ReceiptState.POSTED,
        target=ReceiptState.REVERSED,
        custom={
            "label": _("Receipt reversed"),
            "internal": True,
            "reason_required": True,
            "confirm": True,
        },
    )
    def reverse(self, *, by=None, reason="", comment=""):
        """Recorded by mistake (wrong amount, bounced bill): the service has reversed every
        allocation; the receipt stays on record holding no money."""
        self.allocated_amount = ZERO
        self.reversed_at = timezone.now()
        self.reversed_by = by
        self.reversal_reason = reason.strip()


class ReceiptAllocation(models.Model):
    """Part of a receipt applied to one milestone. Never deleted: a wrong allocation is
    reversed and the money goes back to the receipt's unapplied credit."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="allocations")
    milestone = models.ForeignKey(
        PaymentMilestone, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("receipt allocation")
        verbose_name_plural = _("receipt allocations")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["milestone", "reversed_at"]),
            models.Index(fields=["receipt", "reversed_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id} → {self.milestone_id}: {self.amount}"

    @property
    def is_active(self) -> bool:
        return self.reversed_at is None
