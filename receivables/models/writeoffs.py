"""Write-off requests: what a customer will not pay is written off only with approval."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import policy
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import WriteOffState
from .plan import PaymentMilestone

APPROVE_PERMISSION = "receivables.approve_writeoff"


def may_approve(request: WriteOffRequest, user) -> bool:
    """The access policy's "receivables.approve_write_off": who may decide under today's rule
    (the write-off chain's default step; the approval engine decides who decides a step)."""
    return policy.may(user, "receivables.approve_write_off", request)


def may_withdraw(request: WriteOffRequest, user) -> bool:
    return policy.may(user, "receivables.withdraw_write_off", request)


class WriteOffRequest(ConcurrentTransitionMixin, TimeStampedModel):
    """A request to write off a milestone's outstanding amount (坏账核销), decided by an
    approver. Approval settles the milestone as written off; the amount asked for must
    still be what is outstanding when it is approved."""

    access = AccessSpec(via="milestone")

    milestone = models.ForeignKey(
        PaymentMilestone,
        verbose_name=_("payment milestone"),
        on_delete=models.PROTECT,
        related_name="write_off_requests",
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    reason = models.TextField(_("reason"))
    state = FSMField(
        _("state"), choices=WriteOffState.choices, default=WriteOffState.PENDING, protected=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("write-off request")
        verbose_name_plural = _("write-off requests")
        ordering = ["-id"]
        permissions = [("approve_writeoff", _("Can approve write-offs"))]
        indexes = [models.Index(fields=["state", "-id"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive"),
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(state=WriteOffState.PENDING),
                name="one_pending_write_off_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} · {self.amount} {self.currency}"

    def get_absolute_url(self) -> str:
        return reverse("receivables:milestone-detail", args=[self.milestone_id])

    @transition(
        field=state,
        source=WriteOffState.PENDING,
        target=WriteOffState.APPROVED,
        custom={"label": _("Approve write-off"), "internal": True},
    )
    def approve(self, *, by=None, reason="", comment=""):
        """Run by the write-off services when its approval request is granted: who may decide
        is the approval engine's to say (ADR 17), so the transition names no permission."""
        self.decision_comment = comment

    @transition(
        field=state,
        source=WriteOffState.PENDING,
        target=WriteOffState.REJECTED,
        custom={"label": _("Reject write-off"), "internal": True, "reason_required": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        self.decision_comment = reason

    @transition(
        field=state,
        source=WriteOffState.PENDING,
        target=WriteOffState.WITHDRAWN,
        permission=may_withdraw,
        custom={"label": _("Withdraw"), "internal": True},
    )
    def withdraw(self, *, by=None, reason="", comment=""):
        """The requester no longer asks for it (the customer paid after all)."""
