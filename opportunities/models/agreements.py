"""Agreement prices (协议价): the price agreed with one customer, or one channel partner, for one
product over a period, approved through the approval engine (ADR 17). A quote line below the
applicable agreement price needs the special-price approval (`opportunities.pricing`)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Customer, OrgUnit
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField, format_money
from core.policy import AccessSpec
from partners.models import Partner

from ..choices import AgreementPriceState as S
from .pricing import Product


class AgreementPrice(ConcurrentTransitionMixin, TimeStampedModel):
    """One agreed price: for a customer XOR a partner, a product, valid from a day to a day
    (open-ended when `valid_to` is empty). Filed under the customer's (or partner's) unit.

    No two approved prices of the same customer (or partner) and product overlap in time: the
    service checks under a lock, and on PostgreSQL an exclusion constraint (migration 0006)
    holds it in the database too."""

    access = AccessSpec(owner="created_by", unit="org_unit", area="quotes", partner="partner")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreement_prices",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreement_prices",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    price = MoneyField(_("agreement price"), validators=[MinValueValidator(0)])
    currency = CurrencyField(_("currency"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    state = FSMField(_("state"), choices=S.choices, default=S.DRAFT, protected=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement price")
        verbose_name_plural = _("agreement prices")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=False) & Q(partner__isnull=True))
                | (Q(customer__isnull=True) & Q(partner__isnull=False)),
                name="agreement_price_customer_xor_partner",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="agreement_price_gte_0"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="agreement_price_period",
            ),
        ]
        indexes = [
            # "The price for this customer (partner) and product today": one index range scan.
            models.Index(
                fields=["customer", "product", "state", "-valid_from"],
                name="agreement_price_customer_idx",
            ),
            models.Index(
                fields=["partner", "product", "state", "-valid_from"],
                name="agreement_price_partner_idx",
            ),
        ]

    def __str__(self) -> str:
        party = self.customer if self.customer_id else self.partner
        return f"{party} · {self.product.code} · {format_money(self.price, self.currency)}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:agreement-price", args=[self.pk])

    def period_text(self) -> str:
        return f"{self.valid_from} – {self.valid_to or '…'}"

    @transition(
        field=state,
        source=S.DRAFT,
        target=S.PENDING,
        custom={"label": _("Submit for approval"), "internal": True},
    )
    def submit(self, *, by=None, reason="", comment=""):
        """Asked for approval through the agreement-price chain."""

    @transition(
        field=state,
        source=S.PENDING,
        target=S.APPROVED,
        custom={"label": _("Approve"), "internal": True},
    )
    def approve(self, *, by=None, reason="", comment=""):
        """The chain approved: the price binds quotes from now on."""

    @transition(
        field=state,
        source=S.PENDING,
        target=S.REJECTED,
        custom={"label": _("Reject"), "internal": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        """The chain rejected."""

    @transition(
        field=state,
        source=S.PENDING,
        target=S.DRAFT,
        custom={"label": _("Send back for rework"), "internal": True},
    )
    def send_back(self, *, by=None, reason="", comment=""):
        """Sent back or withdrawn: a draft again."""


class DiscountTarget(TimeStampedModel):
    """The company's discount target (折扣目标) for a product line in a year: the deepest
    average discount off list its quotes should reach. The price post-mortem reads each
    product's achieved discount against it. Everyone reads the targets; administrators set
    them (`discount_target_set`, audited)."""

    product_line = models.CharField(_("product line"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    max_discount_pct = models.DecimalField(
        _("target discount (at most, %)"), max_digits=5, decimal_places=2
    )

    class Meta:
        verbose_name = _("discount target")
        verbose_name_plural = _("discount targets")
        ordering = ["-year", "product_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_line", "year"], name="discount_target_one_per_line_year"
            ),
            models.CheckConstraint(
                condition=Q(max_discount_pct__gte=0) & Q(max_discount_pct__lte=100),
                name="discount_target_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2999), name="discount_target_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_line} {self.year}: {self.max_discount_pct}%"
