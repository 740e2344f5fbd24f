"""Invoices (开票) issued against payment milestones."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Customer
from contracts.models import Contract
from core.models import NumberedModel, TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import InvoiceKind, InvoiceState
from .plan import PaymentMilestone

ZERO = Decimal("0")


class Invoice(ConcurrentTransitionMixin, NumberedModel, TimeStampedModel):
    """An invoice for (part of) one payment milestone. Never deleted: a wrong invoice is
    cancelled (红冲, red-letter), which gives its amount back to the milestone to invoice
    again. A milestone's invoices never exceed its amount (service check under the
    milestone's row lock, and the milestone's `invoiced_amount` constraint).

    `paid_amount` is derived: the money paid on the milestone settles its invoices oldest
    first (先开先收), recomputed under the milestone's lock whenever either changes."""

    access = AccessSpec(via="contract", finance="change")
    number_prefix = "INV"

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="invoices"
    )
    milestone = models.ForeignKey(
        PaymentMilestone,
        verbose_name=_("payment milestone"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    invoice_number = models.CharField(
        _("invoice number"),
        max_length=40,
        blank=True,
        help_text=_("The number printed on the tax invoice (发票号码)."),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.VAT_SPECIAL
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    tax_rate_pct = models.DecimalField(
        _("tax rate %"), max_digits=5, decimal_places=2, default=Decimal("13.00")
    )
    issued_on = models.DateField(_("issued on"))
    paid_amount = MoneyField(_("paid"), default=ZERO)
    state = FSMField(
        _("state"),
        max_length=10,
        choices=InvoiceState.choices,
        default=InvoiceState.ISSUED,
        protected=True,
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["contract", "-id"]),
            models.Index(fields=["milestone", "state"]),
            models.Index(fields=["customer", "-id"]),
            models.Index(fields=["issued_on", "-id"]),
            models.Index(fields=["state", "-id"]),
            models.Index(fields=["kind", "-id"]),
            models.Index(fields=["currency", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="invoice_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(state=InvoiceState.ISSUED) | Q(paid_amount=0),
                name="invoice_cancelled_unpaid",
            ),
            models.UniqueConstraint(
                fields=["invoice_number"],
                condition=~Q(invoice_number=""),
                name="invoice_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.invoice_number}".strip()

    def get_absolute_url(self) -> str:
        return reverse("receivables:invoice-detail", args=[self.pk])

    @property
    def unpaid_amount(self) -> Decimal:
        if self.state != InvoiceState.ISSUED:
            return ZERO
        return self.amount - self.paid_amount

    @transition(
        field=state,
        source=InvoiceState.ISSUED,
        target=InvoiceState.CANCELLED,
        custom={
            "label": _("Invoice cancelled"),
            "internal": True,
            "reason_required": True,
            "confirm": True,
        },
    )
    def cancel(self, *, by=None, reason="", comment=""):
        """A wrong invoice is cancelled (红冲): it holds no payment; the service gives its
        amount back to the milestone."""
        self.paid_amount = ZERO
        self.cancelled_at = timezone.now()
        self.cancelled_by = by
        self.cancel_reason = reason.strip()
