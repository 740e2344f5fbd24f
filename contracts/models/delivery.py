"""The delivery plan of a contract: what is delivered (deliverables) and the steps it passes
(delivery milestones: shipment, arrival, installation, acceptance, warranty start and end)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import User
from core.fsm import guard
from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import (
    ACTIVE_STATES,
    DELIVERY_KINDS,
    EVIDENCE_KINDS,
    ContractState,
    DeliverableState,
    DeliveryMilestoneKind,
    DeliveryMilestoneState,
)
from .contract import Contract


@guard(_("The contract is not in execution."), field="contract")
def contract_in_execution(record) -> bool:
    return record.contract.state in ACTIVE_STATES


@guard(_("The contract must be in delivery."), field="contract")
def contract_delivering(milestone: DeliveryMilestone) -> bool:
    state = milestone.contract.state
    if milestone.kind in DELIVERY_KINDS:
        return state == ContractState.IN_DELIVERY
    return state in (ContractState.IN_DELIVERY, ContractState.DELIVERED)


@guard(
    _("Attach the evidence first (the arrival or acceptance certificate)."),
    field="evidence",
)
def has_evidence(milestone: DeliveryMilestone) -> bool:
    return milestone.kind not in EVIDENCE_KINDS or bool(milestone.documents.all())


class Deliverable(ConcurrentTransitionMixin, TimeStampedModel):
    """One thing the contract delivers (equipment, a service, a report), with its owner and
    dates; the contract closes only when every deliverable is done (or cancelled)."""

    access = AccessSpec(via="contract")

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="deliverables",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("planned date"), null=True, blank=True)
    completed_on = models.DateField(_("actual date"), null=True, blank=True, editable=False)
    state = FSMField(
        _("status"),
        choices=DeliverableState.choices,
        default=DeliverableState.PLANNED,
        protected=True,
    )
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state_reason = models.TextField(_("reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["contract", models.F("due_on").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["contract", "state"]),
            models.Index(fields=["owner", "state"]),
            models.Index(fields=["state", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="deliverable_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{self.contract.get_absolute_url()}#deliverable-{self.pk}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.state in (DeliverableState.PLANNED, DeliverableState.IN_PROGRESS)
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    @property
    def slip_days(self) -> int | None:
        """Days late: done after the planned date, or still open past it (None: no plan)."""
        if self.due_on is None or self.state == DeliverableState.CANCELLED:
            return None
        end = self.completed_on or timezone.localdate()
        if self.state != DeliverableState.DONE and end <= self.due_on:
            return 0
        return (end - self.due_on).days

    @transition(
        field=state,
        source=DeliverableState.PLANNED,
        target=DeliverableState.IN_PROGRESS,
        conditions=[contract_in_execution],
        custom={"label": _("Start")},
    )
    def start(self, *, by=None, reason="", comment=""):
        """Work on it began."""

    @transition(
        field=state,
        source=[DeliverableState.PLANNED, DeliverableState.IN_PROGRESS],
        target=DeliverableState.DONE,
        conditions=[contract_in_execution],
        custom={"label": _("Mark done")},
    )
    def complete(self, *, by=None, reason="", comment=""):
        """Delivered in full."""
        if self.completed_on is None:
            self.completed_on = timezone.localdate()

    @transition(
        field=state,
        source=DeliverableState.DONE,
        target=DeliverableState.IN_PROGRESS,
        conditions=[contract_in_execution],
        custom={"label": _("Reopen"), "reason_required": True},
    )
    def reopen(self, *, by=None, reason="", comment=""):
        """Not done after all (a defect, a missing part)."""
        self.completed_on = None
        self.state_reason = reason

    @transition(
        field=state,
        source=[DeliverableState.PLANNED, DeliverableState.IN_PROGRESS],
        target=DeliverableState.CANCELLED,
        custom={"label": _("Cancel"), "reason_required": True, "confirm": True},
    )
    def cancel(self, *, by=None, reason="", comment=""):
        """Dropped from the scope (say why: usually an approved change)."""
        self.state_reason = reason


class DeliveryMilestone(ConcurrentTransitionMixin, TimeStampedModel):
    """A step of the delivery with its planned and actual date.

    `baseline_date` is the date first planned and never changes; `planned_date` moves when an
    approved change re-plans it. Reaching a milestone is announced as
    `delivery_milestone.reached` (arrival makes 到货款 due, acceptance 验收款).
    """

    access = AccessSpec(via="contract")

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="delivery_milestones",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeliveryMilestoneKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    baseline_date = models.DateField(_("baseline date"), editable=False)
    planned_date = models.DateField(_("planned date"))
    actual_date = models.DateField(_("actual date"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    state = FSMField(
        _("status"),
        choices=DeliveryMilestoneState.choices,
        default=DeliveryMilestoneState.PLANNED,
        protected=True,
    )
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state_reason = models.TextField(_("reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("delivery milestone")
        verbose_name_plural = _("delivery milestones")
        ordering = ["contract", "planned_date", "id"]
        indexes = [
            models.Index(fields=["contract", "planned_date"]),
            models.Index(fields=["state", "planned_date"]),
            models.Index(fields=["owner", "state", "planned_date"]),
            models.Index(fields=["kind", "state"]),
        ]

    def __str__(self) -> str:
        return self.name or str(self.get_kind_display())

    def get_absolute_url(self) -> str:
        return f"{self.contract.get_absolute_url()}#milestone-{self.pk}"

    def save(self, *args, **kwargs):
        if self.baseline_date is None:
            self.baseline_date = self.planned_date
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return (
            self.state == DeliveryMilestoneState.PLANNED
            and self.planned_date < timezone.localdate()
        )

    @property
    def slip_days(self) -> int | None:
        """Days behind the plan: reached late, or still open past the planned date."""
        if self.state == DeliveryMilestoneState.CANCELLED:
            return None
        if self.actual_date is not None:
            return (self.actual_date - self.planned_date).days
        return max(0, (timezone.localdate() - self.planned_date).days)

    @property
    def replanned_days(self) -> int:
        """How far approved changes moved the plan from the baseline."""
        return (self.planned_date - self.baseline_date).days

    @property
    def on_time(self) -> bool | None:
        if self.actual_date is None:
            return None
        return self.actual_date <= self.planned_date

    @transition(
        field=state,
        source=DeliveryMilestoneState.PLANNED,
        target=DeliveryMilestoneState.REACHED,
        conditions=[contract_delivering, has_evidence],
        custom={"label": _("Reached"), "internal": True},
    )
    def reach(self, *, by=None, reason="", comment=""):
        """The step happened (on `actual_date`, set by the service, which announces it)."""
        if self.actual_date is None:
            self.actual_date = timezone.localdate()

    @transition(
        field=state,
        source=DeliveryMilestoneState.PLANNED,
        target=DeliveryMilestoneState.CANCELLED,
        custom={"label": _("Cancel"), "reason_required": True, "confirm": True},
    )
    def cancel(self, *, by=None, reason="", comment=""):
        """Dropped from the plan (say why)."""
        self.state_reason = reason


class DeliveryLateNotice(models.Model):
    """A delivery milestone's planned date passed without it being reached, and its people
    were told. One per (milestone, planned date): the daily scan claims the row before it
    notifies, so a rerun tells no one twice, and a date moved by an amendment that passes
    again is announced again."""

    milestone = models.ForeignKey(
        DeliveryMilestone, on_delete=models.CASCADE, related_name="late_notices"
    )
    planned_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "planned_date"], name="delivery_late_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone} @ {self.planned_date.isoformat()}"
