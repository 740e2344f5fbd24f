"""Which customers are key accounts: planning settings, tier criteria, account profiles,
purchase drivers and the history of tier changes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from accounts.models import Customer, OrgUnit
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import MatchMode, Quadrant, RelationshipStage, TierSource
from .common import PERCENT, ZERO


class PlanningSettings(TimeStampedModel):
    """The planning knobs of an org unit and its subtree (the nearest unit up the tree wins):
    the customer matrix's thresholds, the funnel coverage required and the renewal lead time."""

    access = AccessSpec(unit="org_unit", finance="view")

    org_unit = models.OneToOneField(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="planning_settings",
    )
    currency = CurrencyField(_("currency"))
    high_potential_amount = MoneyField(
        _("high potential from"),
        default=Decimal("5000000"),
        help_text=_("A customer whose expected purchase reaches this amount has high potential."),
    )
    strong_relationship_level = models.PositiveSmallIntegerField(
        _("strong relationship from level"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    coverage_ratio = models.DecimalField(
        _("required funnel coverage"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Weighted pipeline needed per unit of remaining target, e.g. 3 for 3×."),
    )
    renewal_lead_days = models.PositiveSmallIntegerField(
        _("renewal lead time (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("A renewal opportunity is opened this many days before a contract ends."),
    )

    class Meta:
        verbose_name = _("planning settings")
        verbose_name_plural = _("planning settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(coverage_ratio__gt=0), name="planning_coverage_ratio_positive"
            ),
            models.CheckConstraint(
                condition=Q(strong_relationship_level__gte=1) & Q(strong_relationship_level__lte=5),
                name="planning_relationship_level_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.org_unit)

    def get_absolute_url(self) -> str:
        return reverse("keyaccounts:settings")


class TierCriteria(TimeStampedModel):
    """Criteria (分层标准) that place the customers of an org unit's subtree in a tier.

    Per tier (strategic, key) a threshold on revenue over the look-back window, on the
    customer's share of the subtree's revenue, on potential (expected purchase from the
    potential analysis) and on strategic value; an empty threshold is not checked. With
    "any", one met threshold qualifies; with "all", every threshold that is set must be met.
    A product line limits revenue, share and potential to that line. A customer's tier is the
    highest any active criteria covering its unit gives.
    """

    access = AccessSpec(unit="org_unit", finance="view")

    name = models.CharField(_("name"), max_length=120)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    product_line = models.CharField(
        _("product line"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty to judge all products together."),
    )
    currency = CurrencyField(_("currency"))
    lookback_days = models.PositiveSmallIntegerField(
        _("revenue look-back (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
    )
    match = models.CharField(
        _("qualifies when"), max_length=5, choices=MatchMode.choices, default=MatchMode.ANY
    )
    strategic_min_revenue = MoneyField(_("strategic: revenue from"), null=True, blank=True)
    strategic_min_share_pct = models.DecimalField(
        _("strategic: revenue share from %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    strategic_min_potential = MoneyField(_("strategic: potential from"), null=True, blank=True)
    strategic_min_value = models.PositiveSmallIntegerField(
        _("strategic: strategic value from"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(5)],
    )
    key_min_revenue = MoneyField(_("key: revenue from"), null=True, blank=True)
    key_min_share_pct = models.DecimalField(
        _("key: revenue share from %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    key_min_potential = MoneyField(_("key: potential from"), null=True, blank=True)
    key_min_value = models.PositiveSmallIntegerField(
        _("key: strategic value from"), null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tier criteria")
        verbose_name_plural = _("tier criteria")
        ordering = ["org_unit__path", "product_line", "id"]
        indexes = [models.Index(fields=["is_active", "org_unit"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("keyaccounts:criteria-edit", args=[self.pk])

    def thresholds(self, tier: str) -> dict[str, Decimal | int]:
        """The thresholds set for `tier` ("strategic" or "key"), by measure."""
        found = {
            "revenue": getattr(self, f"{tier}_min_revenue"),
            "share_pct": getattr(self, f"{tier}_min_share_pct"),
            "potential": getattr(self, f"{tier}_min_potential"),
            "strategic_value": getattr(self, f"{tier}_min_value"),
        }
        return {k: v for k, v in found.items() if v is not None}


class AccountProfile(TimeStampedModel):
    """What we know of a customer as a key account: relationship (lifecycle stage and level),
    strategic value, the potential from its purchase drivers, its place in the customer matrix,
    and its tier: as the criteria give it, or overridden by hand with a reason."""

    access = AccessSpec(via="customer", area="key_accounts")

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="profile"
    )
    relationship_stage = models.CharField(
        _("relationship stage"),
        max_length=15,
        choices=RelationshipStage.choices,
        default=RelationshipStage.EXPLORATION,
    )
    relationship_level = models.PositiveSmallIntegerField(
        _("relationship level"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = no relationship … 5 = strategic partner."),
    )
    strategic_value = models.PositiveSmallIntegerField(
        _("strategic value"),
        default=0,
        validators=[MaxValueValidator(5)],
        help_text=_("0 = none … 5 = decisive for the company's strategy."),
    )
    currency = CurrencyField(_("currency"))
    potential_amount = MoneyField(_("potential"), default=ZERO, editable=False)
    quadrant = models.CharField(
        _("matrix quadrant"),
        max_length=10,
        choices=Quadrant.choices,
        default=Quadrant.PROBLEM,
        editable=False,
    )
    intelligence = models.TextField(
        _("customer intelligence"),
        blank=True,
        help_text=_("Decision makers, their drivers and preferences."),
    )
    tier_override = models.CharField(
        _("tier override"), max_length=10, choices=Tier.choices, blank=True
    )
    tier_override_reason = models.TextField(_("override reason"), blank=True)
    tier_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tier_basis = models.JSONField(_("tier basis"), default=dict, blank=True, editable=False)
    tier_evaluated_at = models.DateTimeField(_("tier evaluated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account profile")
        verbose_name_plural = _("account profiles")
        indexes = [models.Index(fields=["quadrant"]), models.Index(fields=["relationship_stage"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(relationship_level__gte=1) & Q(relationship_level__lte=5),
                name="profile_relationship_level_range",
            ),
            models.CheckConstraint(
                condition=Q(strategic_value__lte=5), name="profile_strategic_value_range"
            ),
            models.CheckConstraint(
                condition=Q(tier_override="") | ~Q(tier_override_reason=""),
                name="profile_tier_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.customer)

    def get_absolute_url(self) -> str:
        return self.customer.get_absolute_url()


class PurchaseDriver(TimeStampedModel):
    """A purchase driver (驱动因素) and its volume (驱动量): e.g. 12 million mobile subscribers
    at ¥0.40 of core-network spend each a year → ¥4.8 million expected purchase of that
    product line. The potential of a customer is the sum of its drivers' expected purchase."""

    access = AccessSpec(via="profile")

    profile = models.ForeignKey(
        AccountProfile,
        verbose_name=_("account profile"),
        on_delete=models.CASCADE,
        related_name="drivers",
    )
    name = models.CharField(_("driver"), max_length=120)
    product_line = models.CharField(_("product line"), max_length=100)
    volume = models.DecimalField(
        _("volume"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit of volume"), max_length=40, blank=True)
    amount_per_unit = models.DecimalField(
        _("purchase per unit"),
        max_digits=18,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )
    currency = CurrencyField(_("currency"))
    expected_amount = MoneyField(_("expected purchase"), default=ZERO, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("purchase driver")
        verbose_name_plural = _("purchase drivers")
        ordering = ["profile", "product_line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(volume__gte=0) & Q(amount_per_unit__gte=0),
                name="driver_volume_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.product_line}"


class TierChange(models.Model):
    """One change of a customer's tier: from what, to what, why, by whom (none: the
    scheduled recomputation) and the figures the criteria judged."""

    access = AccessSpec(via="customer")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    from_tier = models.CharField(_("from"), max_length=10, choices=Tier.choices)
    to_tier = models.CharField(_("to"), max_length=10, choices=Tier.choices)
    source = models.CharField(_("source"), max_length=20, choices=TierSource.choices)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    basis = models.JSONField(_("basis"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"]), models.Index(fields=["-at", "-id"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier} → {self.to_tier}"
