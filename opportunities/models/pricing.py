"""CPQ-lite: the product catalogue, who may discount how much, and versioned quotes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import OrgUnit
from core.choices import Role
from core.models import NumberedModel, TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import QuoteState
from .opportunity import Opportunity

PERCENT_RANGE = [MinValueValidator(0), MaxValueValidator(100)]


def _percent(name: str, field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}), name=name
    )


class Product(TimeStampedModel):
    """A product or service we sell, with its list price and our cost in one currency."""

    code = models.CharField(_("product code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="set")
    list_price = MoneyField(_("list price"), validators=[MinValueValidator(0)])
    cost = MoneyField(_("unit cost"), validators=[MinValueValidator(0)])
    currency = CurrencyField(_("currency"))
    tax_rate_pct = models.DecimalField(
        _("tax rate %"), max_digits=5, decimal_places=2, default=13, validators=PERCENT_RANGE
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["product_line", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(list_price__gte=0), name="product_list_price_gte_0"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="product_cost_gte_0"),
            _percent("product_tax_rate_percent", "tax_rate_pct"),
        ]
        indexes = [models.Index(fields=["is_active", "product_line"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PricingRule(TimeStampedModel):
    """How far a role may discount on its own in an org unit's subtree, and who approves more.

    The nearest active rule up the tree wins; a rule for the user's role beats a rule for every
    role on the same unit. A discount beyond it needs special-price approval (特价审批) by the
    rule's approver, or else by a sales manager over the opportunity's unit.
    """

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="pricing_rules",
    )
    role = models.CharField(
        _("role"),
        max_length=30,
        choices=Role.choices,
        blank=True,
        help_text=_("Leave empty to apply to every role."),
    )
    max_discount_pct = models.DecimalField(
        _("maximum discount %"), max_digits=5, decimal_places=2, validators=PERCENT_RANGE
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pricing approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty to have the sales managers over the unit approve."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pricing rule")
        verbose_name_plural = _("pricing rules")
        ordering = ["org_unit__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "role"],
                condition=Q(is_active=True),
                name="one_active_pricing_rule_per_unit_and_role",
            ),
            _percent("pricing_rule_discount_percent", "max_discount_pct"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.get_role_display() or _('every role')}"


class Quote(ConcurrentTransitionMixin, NumberedModel, TimeStampedModel):
    """A priced offer on an opportunity: one version of it, with lines and totals.

    Totals are computed from the lines by the quote services (Decimal, cents, half up). A
    discount beyond the submitter's authority waits for special-price approval; once approved
    the quote is "the" quote of the opportunity (at most one approved at a time), and the
    opportunity's amount and margin follow it.
    """

    access = AccessSpec(via="opportunity", area="quotes", partner="opportunity__partner")
    number_prefix = "QUO"

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="quotes"
    )
    revision = models.PositiveSmallIntegerField(_("quote version"), default=1, editable=False)
    currency = CurrencyField(_("currency"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    state = FSMField(
        _("state"), choices=QuoteState.choices, default=QuoteState.DRAFT, protected=True
    )

    list_total = MoneyField(_("list total"), default=0, editable=False)
    net_total = MoneyField(_("net total (excl. tax)"), default=0, editable=False)
    tax_total = MoneyField(_("tax"), default=0, editable=False)
    total = MoneyField(_("total (incl. tax)"), default=0, editable=False)
    cost_total = MoneyField(_("cost"), default=0, editable=False)
    margin_amount = MoneyField(_("gross margin"), default=0, editable=False)
    margin_pct = models.DecimalField(
        _("gross margin %"), max_digits=7, decimal_places=2, null=True, editable=False
    )
    discount_pct = models.DecimalField(
        _("overall discount %"), max_digits=5, decimal_places=2, default=0, editable=False
    )
    max_line_discount_pct = models.DecimalField(
        _("largest line discount %"), max_digits=5, decimal_places=2, default=0, editable=False
    )

    special_price = models.BooleanField(
        _("special price"),
        default=False,
        editable=False,
        help_text=_("A discount beyond the submitter's authority needed approval."),
    )
    authority_discount_pct = models.DecimalField(
        _("discount authority %"), max_digits=5, decimal_places=2, null=True, editable=False
    )
    justification = models.TextField(_("why this price"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "revision"], name="quote_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(state=QuoteState.APPROVED),
                name="one_approved_quote_per_opportunity",
            ),
            models.CheckConstraint(
                condition=Q(list_total__gte=0)
                & Q(net_total__gte=0)
                & Q(tax_total__gte=0)
                & Q(total__gte=0)
                & Q(cost_total__gte=0),
                name="quote_totals_gte_0",
            ),
            _percent("quote_discount_percent", "discount_pct"),
        ]
        indexes = [
            models.Index(fields=["opportunity", "-revision"]),
            models.Index(fields=["state", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.revision}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:quote", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.state == QuoteState.DRAFT

    @transition(
        field=state,
        source=QuoteState.DRAFT,
        target=QuoteState.PENDING_APPROVAL,
        custom={"label": _("Request special-price approval"), "internal": True},
    )
    def request_approval(self, *, by=None, reason="", comment=""):
        """The discount is beyond the submitter's authority: a pricing approver decides."""

    @transition(
        field=state,
        source=[QuoteState.DRAFT, QuoteState.PENDING_APPROVAL],
        target=QuoteState.APPROVED,
        custom={"label": _("Approve"), "internal": True},
    )
    def approve(self, *, by=None, reason="", comment=""):
        """Within authority on submission, or approved by a pricing approver."""

    @transition(
        field=state,
        source=QuoteState.PENDING_APPROVAL,
        target=QuoteState.REJECTED,
        custom={"label": _("Reject"), "internal": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        """The special price is refused; revise it in a new version."""

    @transition(
        field=state,
        source=QuoteState.PENDING_APPROVAL,
        target=QuoteState.DRAFT,
        custom={"label": _("Send back for rework"), "internal": True},
    )
    def send_back(self, *, by=None, reason="", comment=""):
        """An approver asks for rework: a draft again, to edit and submit again."""

    @transition(
        field=state,
        source=QuoteState.APPROVED,
        target=QuoteState.SUPERSEDED,
        custom={"label": _("Superseded"), "internal": True},
    )
    def supersede(self, *, by=None, reason="", comment=""):
        """A newer version was approved."""

    @transition(
        field=state,
        source=[QuoteState.DRAFT, QuoteState.PENDING_APPROVAL],
        target=QuoteState.WITHDRAWN,
        custom={"label": _("Withdraw"), "confirm": True},
    )
    def withdraw(self, *, by=None, reason="", comment=""):
        """Not offered after all: its special-price request, if one waits, is withdrawn too."""
        from core.approvals.choices import ApprovalKind
        from core.approvals.engine import requests_withdraw_for

        requests_withdraw_for(self, by=by, kind=ApprovalKind.SPECIAL_PRICE)


class QuoteLine(models.Model):
    """One product on a quote: quantity, the list price and cost as they stood, the discount,
    and the amounts that follow from them."""

    access = AccessSpec(via="quote")

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_list_price = MoneyField(_("unit list price"))
    discount_pct = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=0)
    unit_price = MoneyField(_("unit price"))
    unit_cost = MoneyField(_("unit cost"))
    tax_rate_pct = models.DecimalField(_("tax rate %"), max_digits=5, decimal_places=2)
    list_amount = MoneyField(_("list amount"))
    net_amount = MoneyField(_("net amount"))
    tax_amount = MoneyField(_("tax"))
    cost_amount = MoneyField(_("cost"))

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_line_quantity_gt_0"),
            _percent("quote_line_discount_percent", "discount_pct"),
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="quote_line_net_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"
