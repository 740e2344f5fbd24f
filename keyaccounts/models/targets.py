"""Sales targets (定/收/回), their months and adjustments, and commitments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from opportunities.models import Opportunity

from ..choices import Metric, PeriodKind
from .common import ZERO


class SalesTarget(TimeStampedModel):
    """An annual target for orders (定), revenue (收) or collections (回) of an org unit, or of
    one person in it, decomposed into months (and so quarters). `amount` is always the sum of
    the months; a change of the months is an adjustment kept with its reason."""

    access = AccessSpec(owner="user", unit="org_unit", finance="view")

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    metric = models.CharField(_("measure"), max_length=12, choices=Metric.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for the org unit's own target."),
    )
    currency = CurrencyField(_("currency"))
    amount = MoneyField(_("annual target"), default=ZERO)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["-year", "metric", "org_unit__path", "user_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "metric", "org_unit", "currency"],
                condition=Q(user__isnull=True),
                name="one_unit_target_per_year_and_metric",
            ),
            models.UniqueConstraint(
                fields=["year", "metric", "user", "currency"],
                condition=Q(user__isnull=False),
                name="one_person_target_per_year_and_metric",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="target_not_negative"),
        ]
        indexes = [
            models.Index(fields=["year", "metric", "org_unit"]),
            models.Index(fields=["user", "year"]),
        ]

    def __str__(self) -> str:
        who = self.user or self.org_unit
        return f"{self.year} {self.get_metric_display()} · {who}"

    def get_absolute_url(self) -> str:
        return reverse("keyaccounts:target-detail", args=[self.pk])


class TargetMonth(models.Model):
    """One month of a target's decomposition."""

    target = models.ForeignKey(SalesTarget, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("target month")
        verbose_name_plural = _("target months")
        ordering = ["target", "month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="one_row_per_target_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="target_month_range"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="target_month_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}/{self.month}: {self.amount}"


class TargetAdjustment(models.Model):
    """A change of a target's months after it was set (目标动态调节), with its reason."""

    access = AccessSpec(via="target")

    target = models.ForeignKey(SalesTarget, on_delete=models.CASCADE, related_name="adjustments")
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)
    amount_before = MoneyField(_("annual target before"))
    amount_after = MoneyField(_("annual target after"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("target adjustment")
        verbose_name_plural = _("target adjustments")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target", "-at"])]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.amount_before} → {self.amount_after}"


class Commitment(TimeStampedModel):
    """A rep's commitment (承诺) for a month or quarter: the amount they promise to book,
    optionally naming the opportunities behind it. Compared with the actual afterwards."""

    access = AccessSpec(owner="user", unit="org_unit")

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(
        _("measure"), max_length=12, choices=Metric.choices, default=Metric.ORDERS
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period = models.PositiveSmallIntegerField(
        _("month or quarter"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    amount = MoneyField(_("committed amount"))
    currency = CurrencyField(_("currency"))
    opportunities = models.ManyToManyField(
        Opportunity, verbose_name=_("opportunities"), blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-year", "-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "metric", "year", "period_kind", "period", "currency"],
                name="one_commitment_per_person_and_period",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="commitment_not_negative"),
            models.CheckConstraint(
                condition=Q(period__gte=1)
                & (Q(period_kind=PeriodKind.MONTH, period__lte=12) | Q(period__lte=4)),
                name="commitment_period_range",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "year", "period_kind", "period"]),
            models.Index(fields=["org_unit", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.year}/{self.period_kind[0].upper()}{self.period}"
