"""Credit sharing (获取分享制, issue 21.6, ADR 23): the company's default split, a deal's own
split approved through the `credit_split` chain, and the credit ledger written once per event."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from contracts.models import Contract
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from opportunities.models import Opportunity

from .choices import CreditKind, CreditSeat, SplitState

PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}


def _pct(name) -> Q:
    return Q(**{f"{name}__gte": 0, f"{name}__lte": 100})


class CreditSplitDefault(TimeStampedModel):
    """The company's default split (one row): the percent of every booking and collection
    credited to the AR, the SR, the FR and the partner's manager. The four sum to exactly 100.
    A deal without a partner gives the partner's share to its AR; an empty seat's share goes to
    the AR too, and with no AR to the deal's owner (ADR 23)."""

    company = models.BooleanField(default=True, unique=True, editable=False)
    ar_pct = models.DecimalField(_("AR share (%)"), default=Decimal("50"), **PERCENT)
    sr_pct = models.DecimalField(_("SR share (%)"), default=Decimal("25"), **PERCENT)
    fr_pct = models.DecimalField(_("FR share (%)"), default=Decimal("15"), **PERCENT)
    partner_pct = models.DecimalField(
        _("partner manager share (%)"), default=Decimal("10"), **PERCENT
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("default credit split")
        verbose_name_plural = _("default credit splits")
        constraints = [
            models.CheckConstraint(condition=Q(company=True), name="credit_default_one_row"),
            models.CheckConstraint(
                condition=_pct("ar_pct") & _pct("sr_pct") & _pct("fr_pct") & _pct("partner_pct"),
                name="credit_default_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(ar_pct=Decimal("100") - F("sr_pct") - F("fr_pct") - F("partner_pct")),
                name="credit_default_sums_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"AR {self.ar_pct} / SR {self.sr_pct} / FR {self.fr_pct} / P {self.partner_pct}"


class CreditSplit(TimeStampedModel):
    """A deal's own split, asked for and approved through the `credit_split` chain. Until it
    is approved the split in force stays (the deal's earlier approved split, else the default).
    `shares` is a list of {"user": id, "seat": CreditSeat, "pct": "40.00"} summing to 100."""

    access = AccessSpec(via="opportunity")

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        related_name="credit_splits",
    )
    shares = models.JSONField(_("shares"), default=list)
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=12, choices=SplitState.choices, default=SplitState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit split")
        verbose_name_plural = _("credit splits")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(state=SplitState.PENDING),
                name="one_pending_credit_split_per_deal",
            ),
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(state=SplitState.APPROVED),
                name="one_credit_split_in_force_per_deal",
            ),
        ]
        indexes = [models.Index(fields=["opportunity", "state"])]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.get_state_display()}"


class CreditEvent(models.Model):
    """One generation of the credit of one event: a contract's booking or one receipt
    allocation's collection. Generation 1 is written exactly once (the unique key); a later
    generation is written when what the event should credit changed (the split, the amount,
    the allocation reversed): it reverses the previous generation's lines and credits anew.
    `basis` is the fingerprint of what it credits, so an unchanged event is never re-credited."""

    kind = models.CharField(_("kind"), max_length=12, choices=CreditKind.choices)
    source_id = models.BigIntegerField(_("source"))
    generation = models.PositiveIntegerField(_("generation"), default=1)
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(_("basis"), max_length=64)
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    created_at = models.DateTimeField(_("credited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id", "generation"], name="credit_event_once"
            ),
        ]
        indexes = [models.Index(fields=["contract", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id}#{self.generation}"


class CreditLine(models.Model):
    """One person's credit from one event generation: `amount` is their share (negative on a
    reversal line). Summing a person's lines gives their credit; nothing is ever updated."""

    access = AccessSpec(owner="person", unit="org_unit", finance="view", private=True)

    event = models.ForeignKey(CreditEvent, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(_("kind"), max_length=12, choices=CreditKind.choices)
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    seat = models.CharField(_("seat"), max_length=10, choices=CreditSeat.choices)
    pct = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    amount = MoneyField(_("credited"))
    currency = CurrencyField(_("currency"))
    credited_on = models.DateField(_("credited on"))
    reversal = models.BooleanField(_("reversal"), default=False)

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        ordering = ["-credited_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person", "seat", "reversal"], name="credit_line_once"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "kind", "credited_on"]),
            models.Index(fields=["org_unit", "kind", "credited_on"]),
            models.Index(fields=["contract", "-id"]),
            models.Index(fields=["credited_on", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.kind} {self.amount} {self.currency}"
