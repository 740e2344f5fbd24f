"""Account plans: the plan, its targets and its actions."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, IronTriangle, OrgUnit, User
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import ActionStatus
from .common import ZERO


class AccountPlan(TimeStampedModel):
    """The plan of one key account for one period: targets per product (with a floor target,
    保底目标), the responsible team (an iron triangle) and the actions that get there."""

    access = AccessSpec(owner="owner", unit="org_unit", team="team", area="key_accounts")

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

    access = AccessSpec(
        owner="owner", unit="plan__org_unit", team="plan__team", area="key_accounts"
    )

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
