"""The core's records: the audit trail, notifications and the review-gate engine.

Parties (users and org units) are referred to lazily ("accounts.OrgUnit"): they are the
vocabulary of gates and of the access policy. No module here imports an app above `ltc`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .choices import (
    ACTIVE_JOB_RUN_STATES,
    Decision,
    GateKind,
    GateState,
    JobRunStatus,
    RiskLevel,
    TriangleRole,
)
from .custom_fields.models import CustomField  # noqa: F401 (registered with the app)
from .modelbase import NumberedModel, TimeStampedModel  # noqa: F401  (the apps' bases)
from .money import CurrencyField, MoneyField
from .policy import AccessSpec


class AuditEvent(models.Model):
    """One entry of the append-only audit trail: who did what to which record, when, from where.

    Rows are only ever inserted (`save` refuses updates, `delete` is refused, and triggers
    refuse UPDATE and DELETE from anyone: migration 0003 on PostgreSQL, 0006 on SQLite; only
    `manage.py flush` empties the table); the timeline of every record is read from here.
    On PostgreSQL the table is partitioned by month of `at` (migration 0020, ADR 37: the
    primary key there is (id, at); every partition refuses changes) and old months leave only
    through `manage.py archive_audit`.
    """

    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40)
    transition = models.CharField(_("transition"), max_length=60, blank=True)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    #: A comment the system wrote, as message codes (`core.messages`): read in the reader's
    #: language. `comment` then holds it in the site's language, for search and old readers.
    comment_message = models.JSONField(_("comment as a message"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    api_key = models.CharField(_("API key"), max_length=64, blank=True)
    via = models.CharField(_("channel"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    @property
    def comment_text(self) -> str:
        """The comment in the active language: a system message rendered now, or what a person
        wrote, as written."""
        if self.comment_message is None:
            return self.comment
        from .messages import render_text

        stored = self.comment_message
        return "; ".join(render_text(m) for m in (stored if isinstance(stored, list) else [stored]))


class Notification(models.Model):
    """An in-app notification, linked to the record it is about.

    On PostgreSQL partitioned by month of `created_at` (migration 0020, ADR 37): nothing may
    point at it with a database foreign key."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    # What it says, as a code with parameters rendered in the reader's language when read
    # (core.messages). `title` keeps an English rendering (or an old row's frozen text);
    # `body` holds the sender's own words (a reason, a comment), shown as they were written.
    message = models.JSONField(_("message"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def _rendered(self) -> tuple[str, str] | None:
        from .messages import render

        return render(self.message)

    @property
    def display_title(self) -> str:
        """The title in the active language (an old row without a code: as stored)."""
        rendered = self._rendered()
        return rendered[0] if rendered else self.title

    @property
    def display_body(self) -> str:
        """The body in the active language, then the sender's own words."""
        rendered = self._rendered()
        if rendered is None:
            return self.body
        return "\n".join(part for part in (rendered[1], self.body) if part)


class AuthorityRule(TimeStampedModel):
    """When a gate is beyond a team's authority and must go up to the representative office.

    A rule applies to gates of records in its org unit's subtree; the nearest rule up the tree
    wins. Any threshold left empty is not checked.
    """

    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="authority_rules",
    )
    gate_kind = models.CharField(
        _("gate"),
        max_length=10,
        choices=GateKind.choices,
        blank=True,
        help_text=_("Leave empty to apply to every gate."),
    )
    max_amount = MoneyField(
        _("maximum amount"),
        null=True,
        blank=True,
        help_text=_("Deals above this amount are escalated."),
    )
    currency = CurrencyField(_("currency"))
    min_margin_pct = models.DecimalField(
        _("minimum gross margin %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Deals with a lower gross margin are escalated."),
    )
    min_down_payment_pct = models.DecimalField(
        _("minimum down payment %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Deals with a smaller down payment are escalated."),
    )
    escalate_on_high_risk = models.BooleanField(
        _("escalate on a high-risk assessment"), default=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("authority rule")
        verbose_name_plural = _("authority rules")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "gate_kind"],
                condition=Q(is_active=True),
                name="one_active_authority_rule_per_unit_and_gate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.get_gate_kind_display() or _('all gates')}"


class GateReview(ConcurrentTransitionMixin, TimeStampedModel):
    """A review gate (ATI, ATB, ATC, contract change, close) on one opportunity or contract.

    The iron triangle submits assessments; a decision maker with authority decides go, stop or
    hold. `authority_unit` names the org unit whose managers may decide: the subject's own unit,
    or the representative office when an authority rule escalated the gate.
    """

    access = AccessSpec(owner="opened_by", unit="org_unit", team="team")

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(_("gate"), max_length=10, choices=GateKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    state = FSMField(_("state"), choices=GateState.choices, default=GateState.OPEN, protected=True)
    title = models.CharField(_("subject"), max_length=255)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.IronTriangle",
        verbose_name=_("iron triangle"),
        on_delete=models.PROTECT,
        related_name="gate_reviews",
    )
    authority_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("decision level"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    # Each reason a message {"code": "reason.margin", "params": {...}} rendered in the reader's
    # language (core.messages); reasons written before codes existed stay as their text.
    escalation_reasons = models.JSONField(_("escalation reasons"), default=list, blank=True)
    facts = models.JSONField(
        _("facts"),
        default=dict,
        blank=True,
        help_text=_("Amount, margin and payment terms as they stood when the gate opened."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
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
        verbose_name = _("gate review")
        verbose_name_plural = _("gate reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=Q(state=GateState.OPEN),
                name="one_open_gate_review_per_subject_and_kind",
            )
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "kind"]),
            models.Index(fields=["state", "authority_unit"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("gate-detail", args=[self.pk])

    @property
    def days_waiting(self) -> int:
        """Whole days since the review was opened (to its decision, or to today if open)."""
        until = timezone.localtime(self.decided_at) if self.decided_at else timezone.localtime()
        return (until.date() - timezone.localtime(self.created_at).date()).days

    @property
    def escalation_reasons_display(self) -> list[str]:
        """The escalation reasons as sentences in the active language."""
        from .messages import render_text

        return [render_text(reason) for reason in self.escalation_reasons]

    @transition(field=state, source=GateState.OPEN, target=GateState.GO, custom={"internal": True})
    def decide_go(self, *, by=None, reason="", comment=""):
        """Go: the subject moves on to the gated stage."""

    @transition(
        field=state, source=GateState.OPEN, target=GateState.STOP, custom={"internal": True}
    )
    def decide_stop(self, *, by=None, reason="", comment=""):
        """Stop: the subject does not go on."""

    @transition(
        field=state, source=GateState.OPEN, target=GateState.HOLD, custom={"internal": True}
    )
    def decide_hold(self, *, by=None, reason="", comment=""):
        """Hold: rework, then a new review."""

    @transition(
        field=state, source=GateState.OPEN, target=GateState.WITHDRAWN, custom={"internal": True}
    )
    def withdraw(self, *, by=None, reason="", comment=""):
        """The subject left the stage (lost, abandoned) while the review was open."""


class GateAssessment(TimeStampedModel):
    """One iron-triangle seat's assessment on a gate review.

    `topics` holds the answers to what that seat must judge at that gate (see
    core.gates.GATE_TOPICS), e.g. the AR's relationship and decision chain at ATI.
    """

    review = models.ForeignKey(GateReview, on_delete=models.CASCADE, related_name="assessments")
    role = models.CharField(_("seat"), max_length=10, choices=TriangleRole.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verdict = models.CharField(_("recommendation"), max_length=10, choices=Decision.choices)
    confidence = models.PositiveSmallIntegerField(
        _("confidence %"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    risk_level = models.CharField(_("risk"), max_length=10, choices=RiskLevel.choices)
    risks = models.TextField(_("risks"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    topics = models.JSONField(_("topics"), default=dict, blank=True)

    class Meta:
        verbose_name = _("gate assessment")
        verbose_name_plural = _("gate assessments")
        ordering = ["review", "role"]
        constraints = [
            models.UniqueConstraint(fields=["review", "role"], name="one_assessment_per_seat"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=100),
                name="assessment_confidence_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.get_role_display()}"


class SavedView(models.Model):
    """A list page's filters and sort order saved under a name ("My hot leads"): the user's
    own, or shared with the colleagues of their org unit (their team)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(_("page"), max_length=60)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared with my team"), default=False)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="saved_view_name_unique")
        ]
        indexes = [
            models.Index(fields=["user", "page"]),
            models.Index(
                fields=["org_unit", "page"], condition=Q(shared=True), name="shared_views"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """A Celery task asked for by a change, written in the change's own transaction.

    `core.jobs.enqueue` inserts the row; after commit it publishes the task and marks the row
    sent. A broker that is down leaves the row unsent, and `core.jobs.flush_outbox` (a beat
    task and the `flush_outbox` command) publishes it when the broker is back. See ADR 10.
    """

    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=36, unique=True)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"


class JobRun(models.Model):
    """One run of an operations job (`core.jobs`), asked for by an administrator (or by the
    page that offers it) or from the command line: who asked, when, how it went.

    A job has at most one queued or running run at a time; the partial unique constraint
    holds that, so asking twice at once gives both askers the same run (ADR 15).
    """

    name = models.CharField(_("job"), max_length=80)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobRunStatus.choices, default=JobRunStatus.QUEUED
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(status__in=ACTIVE_JOB_RUN_STATES),
                name="jobrun_one_active_per_job",
            ),
        ]
        indexes = [
            models.Index(fields=["name", "-requested_at"], name="jobrun_name_requested"),
            models.Index(fields=["status", "-requested_at"], name="jobrun_status_requested"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_RUN_STATES


# The approval engine's models (ADR 17) live beside it and are registered here, under `ltc`.
from .approvals.models import (  # noqa: E402, F401
    ApprovalChain,
    ApprovalNotice,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    Delegation,
)

# Exchange rates (issue 23.5, ADR 30) beside the money code, registered here under `ltc`.
from .rates_models import ExchangeRate  # noqa: E402, F401
from .rollup_models import RollupDirty, RollupRefresh  # noqa: E402, F401
