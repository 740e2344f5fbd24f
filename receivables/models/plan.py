"""A contract's payment plan: its milestones, and the trigger events that make them due."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from contracts.models import Contract
from core.custom_fields import CustomValuesField, CustomValuesMixin
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import OPEN_MILESTONE_STATES, MilestoneKind, MilestoneState, MilestoneTrigger

ZERO = Decimal("0")
ALL_STATES = list(MilestoneState.values)


def settled_state(milestone: PaymentMilestone, **kwargs) -> str:
    """A milestone's state follows from its money: settled (paid or written off), partly
    paid, invoiced, due once its trigger happened, planned before. Every money movement
    (invoice, payment, reversal, write-off, re-plan) lands the milestone where it belongs."""
    if milestone.paid_amount + milestone.written_off_amount >= milestone.amount:
        return MilestoneState.WRITTEN_OFF if milestone.written_off_amount else MilestoneState.PAID
    if milestone.paid_amount > 0:
        return MilestoneState.PARTLY_PAID
    if milestone.invoiced_amount > 0:
        return MilestoneState.INVOICED
    if milestone.triggered_on is not None:
        return MilestoneState.DUE
    return MilestoneState.PLANNED


_SETTLED = GET_STATE(settled_state, states=ALL_STATES)


class PaymentMilestone(CustomValuesMixin, ConcurrentTransitionMixin, TimeStampedModel):
    """One instalment of a contract's payment plan (首付款, 到货款, 验收款, 质保金 ...).

    Its amount is fixed by the plan (a percentage of the contract or an amount); its due date
    is the day its trigger happened plus its credit days. `invoiced_amount`, `paid_amount` and
    `written_off_amount` are the sums of its invoices, allocations and approved write-off,
    kept in step by the services and reconciled by `selectors.reconciliation`.
    """

    access = AccessSpec(via="contract", finance="change", area="milestones")

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="payment_milestones",
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=MilestoneKind.choices)
    name = models.CharField(_("name"), max_length=120)
    percentage = models.DecimalField(
        _("percentage"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    trigger = models.CharField(
        _("trigger"),
        max_length=20,
        choices=MilestoneTrigger.choices,
        default=MilestoneTrigger.ON_SIGNING,
    )
    trigger_date = models.DateField(_("trigger date"), null=True, blank=True)
    credit_days = models.PositiveSmallIntegerField(_("credit days"), default=0)
    triggered_on = models.DateField(_("triggered on"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state = FSMField(
        _("state"), choices=MilestoneState.choices, default=MilestoneState.PLANNED, protected=True
    )
    invoiced_amount = MoneyField(_("invoiced"), default=ZERO)
    paid_amount = MoneyField(_("paid"), default=ZERO)
    written_off_amount = MoneyField(_("written off"), default=ZERO)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    custom = CustomValuesField()

    class Meta:
        verbose_name = _("payment milestone")
        verbose_name_plural = _("payment milestones")
        ordering = ["contract", "sequence", "id"]
        indexes = [
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["contract", "sequence"]),
            models.Index(fields=["due_date", "-id"]),
            models.Index(
                fields=["trigger", "state", "trigger_date"], name="milestone_date_trigger"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="milestone_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(invoiced_amount__gte=0) & Q(invoiced_amount__lte=F("amount")),
                name="milestone_invoiced_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(written_off_amount__gte=0)
                & Q(written_off_amount__lte=Round(F("amount") - F("paid_amount"), 2)),
                name="milestone_settled_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("receivables:milestone-detail", args=[self.pk])

    @property
    def outstanding(self) -> Decimal:
        """What the customer still owes on this milestone."""
        return self.amount - self.paid_amount - self.written_off_amount

    @property
    def uninvoiced(self) -> Decimal:
        """What may still be invoiced."""
        if self.state == MilestoneState.WRITTEN_OFF:
            return ZERO
        return self.amount - self.invoiced_amount

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def days_overdue(self) -> int:
        if (
            self.state not in OPEN_MILESTONE_STATES
            or self.due_date is None
            or self.outstanding <= 0
        ):
            return 0
        return max((timezone.localdate() - self.due_date).days, 0)

    @property
    def promise_broken(self) -> bool:
        """The latest promise of payment (annotated by `with_latest_promise`) has passed and
        the customer still owes money."""
        promised = getattr(self, "promise_date", None)
        return promised is not None and promised < timezone.localdate() and self.outstanding > 0

    @property
    def collected_pct(self) -> Decimal:
        return (self.paid_amount * 100 / self.amount).quantize(Decimal("0.1"))

    def _stamp_settled(self) -> None:
        settled = self.paid_amount + self.written_off_amount >= self.amount
        if settled and self.settled_at is None:
            self.settled_at = timezone.now()
        elif not settled:
            self.settled_at = None

    @transition(
        field=state,
        source=MilestoneState.PLANNED,
        target=MilestoneState.DUE,
        custom={"label": _("Due"), "internal": True},
    )
    def become_due(self, *, by=None, reason="", comment=""):
        """Its trigger happened (signing, arrival, acceptance, date): payment is now due."""

    @transition(
        field=state,
        source=ALL_STATES,
        target=_SETTLED,
        custom={"label": _("Invoiced"), "internal": True},
    )
    def record_invoice(self, *, by=None, reason="", comment=""):
        """An invoice was issued or cancelled (the service updated invoiced_amount)."""

    @transition(
        field=state,
        source=ALL_STATES,
        target=_SETTLED,
        custom={"label": _("Payment applied"), "internal": True},
    )
    def apply_payment(self, *, by=None, reason="", comment=""):
        """A receipt was allocated to this milestone (the service updated paid_amount)."""
        self._stamp_settled()

    @transition(
        field=state,
        source=ALL_STATES,
        target=_SETTLED,
        custom={"label": _("Payment reversed"), "internal": True},
    )
    def reverse_payment(self, *, by=None, reason="", comment=""):
        """An allocation to this milestone was reversed: its money rolls back."""
        self._stamp_settled()

    @transition(
        field=state,
        source=OPEN_MILESTONE_STATES,
        target=_SETTLED,
        custom={"label": _("Written off"), "internal": True},
    )
    def write_off(self, *, by=None, reason="", comment=""):
        """An approved write-off settled what the customer will not pay."""
        self._stamp_settled()

    @transition(
        field=state,
        source=ALL_STATES,
        target=_SETTLED,
        custom={"label": _("Re-planned"), "internal": True},
    )
    def replan(self, *, by=None, reason="", comment=""):
        """A contract amendment changed this milestone's amount."""
        self._stamp_settled()


class PaymentTrigger(models.Model):
    """That a trigger (signing, arrival, acceptance, end of warranty) happened on a contract,
    and when. Kept so that a plan set or re-planned later still knows what already happened;
    the first report of each trigger counts."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=MilestoneTrigger.choices)
    occurred_on = models.DateField(_("occurred on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment trigger")
        verbose_name_plural = _("payment triggers")
        constraints = [
            models.UniqueConstraint(fields=["contract", "trigger"], name="payment_trigger_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.trigger} {self.occurred_on}"
