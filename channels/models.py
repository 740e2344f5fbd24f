"""Rebates (返利, issue 21.5): a scheme on a partner's yearly agreement, its tiers, the
statements per partner and period, and the accrual ledger that fills them.

Invariants money depends on (docs/adr/0022-rebates.md):
- a statement's `rebate` is the scheme applied to the period's `volume`, and equals the sum of
  the ledger lines of that period (`RebateAccrual.period`);
- a statement's `amount` is the sum of the lines paid on it (`RebateAccrual.statement`): the
  period's own lines while it is a draft, and adjustments of earlier, frozen periods;
- a source event (a contract signed, a receipt, a reversal) accrues once: `source` is unique.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.modelbase import TimeStampedModel
from core.money import CurrencyField, MoneyField, format_money
from core.policy import AccessSpec
from partners.models import Partner, PartnerAgreement

from .choices import (
    AccrualKind,
    RebateBasis,
    RebateMeasure,
    RebatePeriod,
    SettlementMethod,
)
from .choices import StatementState as S

ZERO = Decimal("0")


class RebateScheme(TimeStampedModel):
    """The rebate scheme (返利政策) of one partner agreement: what the tiers measure (volume or
    growth), over which period (quarter or year), on which sales (booked or cash). Its money
    is in the agreement's currency; its tiers are `RebateTier` rows."""

    access = AccessSpec(via="agreement")

    agreement = models.OneToOneField(
        PartnerAgreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="rebate",
    )
    name = models.CharField(_("name"), max_length=200)
    measure = models.CharField(
        _("measure"), max_length=10, choices=RebateMeasure.choices, default=RebateMeasure.VOLUME
    )
    period = models.CharField(
        _("period"), max_length=10, choices=RebatePeriod.choices, default=RebatePeriod.QUARTER
    )
    basis = models.CharField(
        _("basis"), max_length=10, choices=RebateBasis.choices, default=RebateBasis.BOOKED
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("rebate scheme")
        verbose_name_plural = _("rebate schemes")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("channels:scheme", args=[self.pk])

    @property
    def partner(self) -> Partner:
        return self.agreement.partner

    @property
    def currency(self) -> str:
        return self.agreement.currency


class RebateTier(models.Model):
    """One tier [from, to) of a scheme: a rate (percent of the period's volume, retroactive to
    its first sale) or a fixed amount. An empty `upper` is open-ended. Tiers of one scheme
    neither overlap nor leave gaps (the service names the conflict; on PostgreSQL an
    exclusion constraint holds "no overlap" too, migration 0001)."""

    scheme = models.ForeignKey(
        RebateScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="tiers"
    )
    lower = models.DecimalField(_("from"), max_digits=18, decimal_places=2)
    upper = models.DecimalField(_("to"), max_digits=18, decimal_places=2, null=True, blank=True)
    rate_pct = models.DecimalField(
        _("rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    fixed_amount = MoneyField(_("fixed amount"), null=True, blank=True)

    class Meta:
        verbose_name = _("rebate tier")
        verbose_name_plural = _("rebate tiers")
        ordering = ["scheme", "lower"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "lower"], name="rebate_tier_one_start"),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gt=models.F("lower")),
                name="rebate_tier_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(rate_pct__isnull=False, fixed_amount__isnull=True)
                    & Q(rate_pct__gte=0, rate_pct__lte=100)
                )
                | (Q(rate_pct__isnull=True, fixed_amount__isnull=False) & Q(fixed_amount__gte=0)),
                name="rebate_tier_rate_xor_fixed",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.lower}, {self.upper if self.upper is not None else '∞'})"


class RebateStatement(ConcurrentTransitionMixin, TimeStampedModel):
    """A partner's rebate statement (返利对账单) for one period: `draft` while the period
    accrues, `issued` once the period closed (the beat job), `settled` by a credit note or a
    payment. Issued and settled statements are frozen: later events of their period are paid
    as adjustments on the partner's next draft statement."""

    access = AccessSpec(via="partner", finance="change")

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(
        RebateScheme,
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        related_name="statements",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    currency = CurrencyField(_("currency"))
    volume = MoneyField(_("volume"), default=ZERO)
    base_volume = MoneyField(_("volume a year before"), null=True, blank=True)
    rebate = MoneyField(_("rebate of the period"), default=ZERO)
    amount = MoneyField(_("amount of the statement"), default=ZERO)
    state = FSMField(_("state"), choices=S.choices, default=S.DRAFT, protected=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settlement_method = models.CharField(
        _("settled by way of"), max_length=20, choices=SettlementMethod.choices, blank=True
    )
    settlement_reference = models.CharField(_("settlement reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("rebate statement")
        verbose_name_plural = _("rebate statements")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period_start"], name="rebate_statement_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="rebate_statement_period",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.SETTLED)
                | (~Q(settlement_method="") & ~Q(settlement_reference="")),
                name="rebate_statement_settled_with_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "period_end"], name="rebate_statement_due_idx"),
            models.Index(fields=["partner", "state"], name="rebate_statement_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("channels:statement", args=[self.pk])

    def amount_text(self) -> str:
        return format_money(self.amount, self.currency)

    @transition(
        field=state,
        source=S.DRAFT,
        target=S.ISSUED,
        custom={"label": _("Issue"), "internal": True},
    )
    def issue(self, *, by=None, reason="", comment=""):
        """The period closed: the statement goes to the partner, its lines frozen."""

    @transition(
        field=state,
        source=S.ISSUED,
        target=S.SETTLED,
        custom={"label": _("Settle"), "internal": True},
    )
    def settle(self, *, by=None, reason="", comment=""):
        """Paid out by a credit note or a payment (the service sets how and the reference)."""


class RebateAccrual(models.Model):
    """One line of the accrual ledger: a source event's change of its period's volume and of
    the period's rebate (the scheme re-applied to the new volume minus what was accrued).
    `period` is the statement whose volume it changed, `statement` the one it is paid on (the
    same, or the partner's next draft when the period was frozen). Never changed, never
    deleted; `source` ("contract:12", "receipt:7", "receipt-reversed:7") is unique."""

    access = AccessSpec(via="statement")

    source = models.CharField(_("source"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AccrualKind.choices)
    period = models.ForeignKey(
        RebateStatement,
        verbose_name=_("period"),
        on_delete=models.PROTECT,
        related_name="period_lines",
    )
    statement = models.ForeignKey(
        RebateStatement,
        verbose_name=_("statement"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    occurred_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    currency = CurrencyField(_("currency"))
    volume = MoneyField(_("volume"))
    amount = MoneyField(_("rebate"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rebate accrual")
        verbose_name_plural = _("rebate accruals")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["statement", "id"], name="rebate_accrual_statement_idx"),
            models.Index(fields=["period", "id"], name="rebate_accrual_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {format_money(self.amount, self.currency)}"

    @property
    def is_adjustment(self) -> bool:
        return self.period_id != self.statement_id
