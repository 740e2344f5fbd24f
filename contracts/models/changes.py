"""Contract change (合同变更): a customer's change request, the review it passes, and the
versioned amendment an approved change leaves behind."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import User
from core import policy
from core.fsm import guard
from core.models import GateReview, NumberedModel, TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import ACTIVE_STATES, ChangeRequestState
from .contract import Contract
from .delivery import DeliveryMilestone


def is_contract_fr(change: ChangeRequest, user) -> bool:
    """Whether to take up a customer's change is the FR's call (or an administrator's)."""
    return policy.may(user, "contracts.decide_change", change)


@guard(_("The contract is not in execution."), field="contract")
def contract_active(change: ChangeRequest) -> bool:
    return change.contract.state in ACTIVE_STATES


@guard(_("Say what changes: the amount, the scope or the schedule."), field="proposal")
def has_proposal(change: ChangeRequest) -> bool:
    return bool(
        change.new_amount is not None
        or change.scope.strip()
        or change.new_ends_on
        or change.replans.all()
    )


class ChangeRequest(ConcurrentTransitionMixin, NumberedModel, TimeStampedModel):
    """A customer's request to change a contract and what we propose to do about it.

    The FR takes it up or declines it. Taken up, it passes a contract-change gate review (the
    AR on the negotiation, the SR on technical feasibility, the FR on schedule and cost), which
    the representative office always decides. Approved, it becomes an amendment.
    """

    access = AccessSpec(via="contract")
    number_prefix = "CHG"

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("the customer's request"))
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    customer_reference = models.CharField(_("customer's reference"), max_length=100, blank=True)
    raised_by = models.ForeignKey(
        User, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    new_amount = MoneyField(
        _("new contract amount"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty when the amount does not change."),
    )
    cost_impact = MoneyField(
        _("cost impact"),
        allow_negative=True,
        null=True,
        blank=True,
        help_text=_("The FR's estimate of how the delivery cost changes (negative: it falls)."),
    )
    scope = models.TextField(
        _("scope change"), blank=True, help_text=_("What is added, removed or done differently.")
    )
    new_ends_on = models.DateField(_("new service period end"), null=True, blank=True)
    state = FSMField(
        _("state"),
        choices=ChangeRequestState.choices,
        default=ChangeRequestState.RAISED,
        protected=True,
    )
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state_reason = models.TextField(_("reason"), blank=True, editable=False)
    review = models.ForeignKey(
        GateReview,
        verbose_name=_("change review"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["contract", "-id"]),
            models.Index(fields=["state", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_amount__isnull=True) | models.Q(new_amount__gte=0),
                name="change_new_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:change-detail", args=[self.pk])

    # The gate engine reads the subject's iron triangle and org unit: the contract's.
    @property
    def team(self):
        return self.contract.team

    @property
    def org_unit(self):
        return self.contract.org_unit

    @property
    def amount_delta(self) -> Decimal | None:
        if self.new_amount is None:
            return None
        return self.new_amount - self.contract.amount

    @property
    def is_open(self) -> bool:
        return self.state in (ChangeRequestState.RAISED, ChangeRequestState.IN_REVIEW)

    @transition(
        field=state,
        source=ChangeRequestState.RAISED,
        target=ChangeRequestState.IN_REVIEW,
        conditions=[contract_active, has_proposal],
        permission=is_contract_fr,
        custom={"label": _("Take up: open the change review")},
    )
    def take_up(self, *, by=None, reason="", comment=""):
        """The FR accepts to handle the change; its review opens (by the service)."""
        self.state_reason = ""

    @transition(
        field=state,
        source=ChangeRequestState.RAISED,
        target=ChangeRequestState.DECLINED,
        permission=is_contract_fr,
        custom={"label": _("Decline"), "reason_required": True, "confirm": True},
    )
    def decline(self, *, by=None, reason="", comment=""):
        """The FR declines the customer's request; it is closed with the reason."""
        self.state_reason = reason

    @transition(
        field=state,
        source=[ChangeRequestState.RAISED, ChangeRequestState.IN_REVIEW],
        target=ChangeRequestState.WITHDRAWN,
        custom={"label": _("Withdraw"), "reason_required": True, "confirm": True},
    )
    def withdraw(self, *, by=None, reason="", comment=""):
        """The customer withdrew the request (or the contract ended)."""
        self.state_reason = reason

    @transition(
        field=state,
        source=ChangeRequestState.IN_REVIEW,
        target=ChangeRequestState.APPROVED,
        custom={"label": _("Approved"), "internal": True},
    )
    def approve(self, *, by=None, reason="", comment=""):
        """The representative office approved: the amendment is made (by the service)."""

    @transition(
        field=state,
        source=ChangeRequestState.IN_REVIEW,
        target=ChangeRequestState.REJECTED,
        custom={"label": _("Rejected"), "internal": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        """The representative office refused the change."""
        self.state_reason = reason

    @transition(
        field=state,
        source=ChangeRequestState.IN_REVIEW,
        target=ChangeRequestState.RAISED,
        custom={"label": _("Back for rework"), "internal": True},
    )
    def rework(self, *, by=None, reason="", comment=""):
        """The review said hold: rework the proposal, then take it up for a new round."""
        self.state_reason = reason


class ChangeReplan(models.Model):
    """A delivery milestone's new planned date, as a change request proposes it."""

    access = AccessSpec(via="change_request")

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="replans"
    )
    milestone = models.ForeignKey(
        DeliveryMilestone,
        verbose_name=_("delivery milestone"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    planned_date = models.DateField(_("new planned date"))

    class Meta:
        verbose_name = _("re-planned milestone")
        verbose_name_plural = _("re-planned milestones")
        ordering = ["planned_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "milestone"], name="one_replan_per_milestone_and_change"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone} → {self.planned_date}"


class ContractAmendment(models.Model):
    """Version N of a contract's terms, made by an approved change; never edited afterwards.

    Version 1's `amount_before` is the amount as signed: together the amendments are the full
    history of the contract's amount, scope and schedule, while the signed text stays unchanged
    on the contract.
    """

    access = AccessSpec(via="contract")

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    change_request = models.OneToOneField(
        ChangeRequest,
        verbose_name=_("change request"),
        on_delete=models.PROTECT,
        related_name="amendment",
    )
    review = models.ForeignKey(
        GateReview,
        verbose_name=_("change review"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveSmallIntegerField(_("version"))
    currency = CurrencyField(_("currency"))
    amount_before = MoneyField(_("amount before"))
    amount_after = MoneyField(_("amount after"))
    cost_before = MoneyField(_("planned cost before"), null=True, blank=True)
    cost_after = MoneyField(_("planned cost after"), null=True, blank=True)
    ends_on_before = models.DateField(_("service period end before"), null=True, blank=True)
    ends_on_after = models.DateField(_("service period end after"), null=True, blank=True)
    scope = models.TextField(_("scope change"), blank=True)
    summary = models.TextField(_("summary"))
    replans = models.JSONField(
        _("re-planned milestones"),
        default=list,
        blank=True,
        help_text=_("Each re-planned delivery milestone with its date before and after."),
    )
    approved_by = models.ForeignKey(
        User, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "version"], name="one_amendment_per_contract_version"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_before__gte=0) & models.Q(amount_after__gte=0),
                name="amendment_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Amendments are never edited; a new change makes a new version.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.contract.get_absolute_url()}#amendment-{self.version}"

    @property
    def amount_delta(self) -> Decimal:
        return self.amount_after - self.amount_before
