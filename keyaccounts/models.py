"""Key-account management (大客户经营): which customers are key accounts and how each is planned,
and the sales organisation's targets, commitments and funnel coverage.

This app sits at the top of the value stream: it reads customers, opportunities, contracts and
receipts, and no earlier app knows it exists (ADR 1). Every figure it shows is computed from
those records (see `metrics.py` for what "orders", "revenue" and "collections" mean).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from accounts.models import Customer, IronTriangle, OrgUnit, User
from contracts.models import Contract
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from opportunities.models import Opportunity

from .choices import (
    ActionStatus,
    MatchMode,
    Metric,
    PeriodKind,
    Quadrant,
    RelationshipStage,
    TierSource,
)

ZERO = Decimal("0")
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


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

    access = AccessSpec(via="customer")

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


class AccountPlan(TimeStampedModel):
    """The plan of one key account for one period: targets per product (with a floor target,
    保底目标), the responsible team (an iron triangle) and the actions that get there."""

    access = AccessSpec(owner="owner", unit="org_unit", team="team")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    owner = models.ForeignKey(
        User, verbose_name=_("owner (AR)"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.OneToOneField(
        IronTriangle,
        verbose_name=_("responsible team"),
        on_delete=models.PROTECT,
        related_name="account_plan",
    )
    currency = CurrencyField(_("currency"))
    strategy = models.TextField(_("strategy"), blank=True)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="plan_period_ordered"
            ),
            models.UniqueConstraint(
                fields=["customer", "starts_on"], name="one_plan_per_customer_and_start"
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "-starts_on"]),
            models.Index(fields=["owner", "-starts_on"]),
            models.Index(fields=["customer", "-starts_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("keyaccounts:plan-detail", args=[self.pk])


class PlanTarget(TimeStampedModel):
    """An account plan's order target for one product line, and its floor (保底目标)."""

    access = AccessSpec(via="plan")

    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    product_line = models.CharField(_("product line"), max_length=100)
    target_amount = MoneyField(_("target"))
    floor_amount = MoneyField(_("floor target"), default=ZERO)

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "product_line"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "product_line"], name="one_target_per_product"),
            models.CheckConstraint(
                condition=Q(floor_amount__gte=0) & Q(floor_amount__lte=F("target_amount")),
                name="plan_floor_within_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.product_line}"


class PlanAction(TimeStampedModel):
    """A step of an account plan: what, who, by when, and the floor result it must secure."""

    access = AccessSpec(owner="owner", unit="plan__org_unit", team="plan__team")

    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    title = models.CharField(_("action"), max_length=200)
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    floor_target = models.CharField(
        _("floor target"), max_length=200, blank=True, help_text=_("The least this must achieve.")
    )
    floor_amount = MoneyField(_("floor amount"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"]),
            models.Index(fields=["plan", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()


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


class RenewalLink(models.Model):
    """The renewal opportunity opened before a contract's service period ends. One per
    contract, enforced by the database, so the daily job never opens two."""

    access = AccessSpec(via="contract")

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="renewal"
    )
    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("renewal opportunity"),
        on_delete=models.PROTECT,
        related_name="renews",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id} → {self.opportunity_id}"


class FunnelRollup(models.Model):
    """The manager funnel pre-aggregated per org unit × currency × product line × month ×
    stage, refreshed by Celery beat (`keyaccounts.tasks.refresh_funnel_rollup`) so the
    company-wide funnel reads a few thousand rows instead of every opportunity.

    kind "cohort": opportunities created in `month`, by current `state` and the furthest
    stage they `reached` on the path to won (index, -1 none), with the summed age in their
    stage at `refreshed_at`, the oldest `state_changed_at` and how many were over 30 days;
    "stay": audited transitions out of open stage `state` of opportunities created in `month`
    (count, summed stay); "closed": opportunities closed in `month` by final `state` (count,
    amount, summed cycle time); "gate": gate reviews opened in `month` on opportunities of the
    key, by "kind:state" (count; `stale` holds the escalated ones). Derived data: rebuilt
    whole on every refresh, never edited.
    """

    kind = models.CharField(max_length=8)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    product_line = models.CharField(max_length=100, blank=True)
    month = models.DateField()
    state = models.CharField(max_length=20)
    reached = models.SmallIntegerField(default=-1)
    count = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    duration = models.DurationField(null=True)
    oldest = models.DateTimeField(null=True)
    stale = models.IntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "currency", "month"], name="funnel_rollup_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.org_unit_id} {self.month} {self.state}"
