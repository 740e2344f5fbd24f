"""Approval chains as data (ADR 17): a chain per kind of approval, its ordered steps, the
requests that run through them, each approver's task, and delegations while someone is away.

Defined here, registered under the core's app label (`ltc`) by `core.models`, which imports
this module; parties are referred to lazily, as the gate engine does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ..modelbase import TimeStampedModel
from ..policy import AccessSpec
from .choices import (
    OPEN_APPROVAL_STATES,
    ApprovalKind,
    ApprovalMode,
    ApprovalState,
    NoticeKind,
    TaskOutcome,
)


class ApprovalChain(TimeStampedModel):
    """The approval chain of one kind (special price, write-off ...): its ordered steps.

    `version` grows with every change; a change writes a new set of steps under the new
    version, so a request already running keeps the steps it started with. One active chain
    per kind (a constraint)."""

    kind = models.CharField(_("kind"), max_length=20, choices=ApprovalKind.choices)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = "ltc"
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(active=True), name="approvalchain_one_active_per_kind"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name in the reader's language where the system gave it (a default chain)."""
        from .registry import shown_name

        return shown_name(self.name)

    def get_absolute_url(self) -> str:
        return reverse("approval-chains")

    @property
    def steps(self) -> models.QuerySet:
        """The chain's current steps, in order."""
        return self.all_steps.filter(chain_version=self.version).order_by("position")


class ApprovalStep(models.Model):
    """One step of a chain: when it applies (`condition`), who approves (`approver`), whether
    one or all of them must, and how long before a reminder and an escalation.

    condition: {min_amount, max_amount, currency, max_margin_pct, min_discount_pct,
    product_lines: [...], org_unit: id (its subtree), customer_tiers: [...], industries: [...],
    regions: [...], gate_kinds: [ati|atb|atc|change|close], escalated: bool}, each optional
    (a new customer's amount is its annual revenue); a step whose condition does not match
    the request's facts is skipped.
    approver / escalate_to: {"type": "role", "role": ..., "level": nearest|office|region|any}
    | {"type": "user", "user": id} | {"type": "seat", "seat": ar|sr|fr}
    | {"type": "resolver", "name": ...}."""

    chain = models.ForeignKey(
        ApprovalChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="all_steps"
    )
    chain_version = models.PositiveIntegerField(_("chain version"), default=1)
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=120)
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    approver = models.JSONField(_("approver"), default=dict)
    mode = models.CharField(
        _("mode"), max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.ANY_OF
    )
    time_limit_hours = models.PositiveIntegerField(_("time limit (hours)"), null=True, blank=True)
    escalate_to = models.JSONField(_("escalate to"), null=True, blank=True)

    class Meta:
        app_label = "ltc"
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["chain", "chain_version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "chain_version", "position"], name="approvalstep_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def shown_name(self) -> str:
        """The name in the reader's language where the system gave it (a default step)."""
        from .registry import shown_name

        return shown_name(self.name)


class ApprovalRequest(ConcurrentTransitionMixin, TimeStampedModel):
    """One thing waiting for approval: the subject, who asked, the facts the conditions judged
    (a snapshot), and where it stands. One open request per subject and kind (a constraint)."""

    access = AccessSpec(owner="requester", unit="org_unit")

    kind = models.CharField(_("kind"), max_length=20, choices=ApprovalKind.choices)
    chain = models.ForeignKey(
        ApprovalChain, verbose_name=_("chain"), on_delete=models.PROTECT, related_name="requests"
    )
    chain_version = models.PositiveIntegerField(_("chain version"), default=1)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(_("subject"), max_length=255)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    state = FSMField(
        _("state"), choices=ApprovalState.choices, default=ApprovalState.PENDING, protected=True
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    current_step = models.ForeignKey(
        ApprovalStep,
        verbose_name=_("current step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    waiting_since = models.DateTimeField(_("waiting since"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        app_label = "ltc"
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(state__in=OPEN_APPROVAL_STATES),
                name="approvalrequest_one_open_per_subject",
            )
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("approval-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_APPROVAL_STATES

    def _internal(label):
        return {"label": label, "internal": True}

    @transition(
        field=state,
        source=ApprovalState.PENDING,
        target=ApprovalState.APPROVED,
        custom=_internal(_("Approve")),
    )
    def grant(self, *, by=None, reason="", comment=""):
        """Every step that applies approved."""

    @transition(
        field=state,
        source=ApprovalState.PENDING,
        target=ApprovalState.REJECTED,
        custom=_internal(_("Reject")),
    )
    def refuse(self, *, by=None, reason="", comment=""):
        """An approver refused."""

    @transition(
        field=state,
        source=ApprovalState.PENDING,
        target=ApprovalState.SENT_BACK,
        custom=_internal(_("Send back for rework")),
    )
    def return_for_rework(self, *, by=None, reason="", comment=""):
        """An approver asks the requester to rework it and submit again."""

    @transition(
        field=state,
        source=ApprovalState.SENT_BACK,
        target=ApprovalState.PENDING,
        custom=_internal(_("Resubmit")),
    )
    def resubmit(self, *, by=None, reason="", comment=""):
        """Reworked: the chain runs again from its first step."""

    @transition(
        field=state,
        source=list(OPEN_APPROVAL_STATES),
        target=ApprovalState.WITHDRAWN,
        custom=_internal(_("Withdraw")),
    )
    def withdraw_request(self, *, by=None, reason="", comment=""):
        """The requester (or the subject's own withdrawal) takes it back."""

    del _internal


class ApprovalTask(models.Model):
    """One approver's part in one step of one round of a request: waiting, or decided with a
    comment. A person has one task per step and round (a constraint), so a decision is
    recorded once; `delegated_from` names whom the assignee stands in for."""

    access = AccessSpec(via="request")

    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="tasks"
    )
    step = models.ForeignKey(
        ApprovalStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="approval_tasks",
    )
    delegated_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=TaskOutcome.choices, default="", blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        app_label = "ltc"
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "round", "step", "assignee"], name="approvaltask_once_per_step"
            ),
            models.CheckConstraint(
                condition=Q(outcome="", decided_at__isnull=True)
                | (~Q(outcome="") & Q(decided_at__isnull=False)),
                name="approvaltask_decided_with_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["assignee", "created_at"],
                condition=Q(outcome=""),
                name="approvaltask_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.step_id} {self.assignee_id}"

    @property
    def is_waiting(self) -> bool:
        return self.outcome == TaskOutcome.WAITING

    @property
    def days_waiting(self) -> int:
        """Whole days since the task was made (its age on the inbox)."""
        return (timezone.now() - self.created_at).days


class ApprovalNotice(models.Model):
    """A reminder or an escalation that went out for a task. The unique (task, kind) pair is
    the claim, as for payment reminders (ADR 7): the scan inserts it and notifies only when
    its own insert made the row, so each goes out exactly once."""

    task = models.ForeignKey(
        ApprovalTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipient_ids = models.JSONField(_("recipients"), default=list)

    class Meta:
        app_label = "ltc"
        verbose_name = _("approval notice")
        verbose_name_plural = _("approval notices")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="approvalnotice_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class Delegation(TimeStampedModel):
    """While `from_user` is away (the dates, both included), their approval tasks go to
    `to_user`. Chains of delegation are followed; a cycle is refused when it is made."""

    access = AccessSpec(owner="from_user")

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("away"),
        on_delete=models.CASCADE,
        related_name="delegations_given",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stands in"),
        on_delete=models.PROTECT,
        related_name="delegations_taken",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = "ltc"
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(from_user=F("to_user")), name="delegation_not_to_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user} ({self.starts_on}–{self.ends_on})"
