"""Payment reminders: one row per milestone and ladder step, claimed before it is sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.policy import AccessSpec

from ..choices import reminder_label
from .plan import PaymentMilestone


class MilestoneReminder(models.Model):
    """That reminder `kind` (before_7, due, overdue_1, overdue_7, overdue_30 ...) went out for
    a milestone. The unique (milestone, kind) pair is the claim: the daily scan inserts rows
    with ON CONFLICT DO NOTHING and notifies only for the rows its own run inserted, in the
    same transaction, so a reminder goes out exactly once however often the scan runs."""

    access = AccessSpec(via="milestone")

    milestone = models.ForeignKey(
        PaymentMilestone,
        verbose_name=_("payment milestone"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=20)
    due_date = models.DateField(_("due date"))
    sent_on = models.DateField(_("sent on"))
    run = models.UUIDField(_("scan run"), db_index=True)
    recipient_ids = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["milestone", "kind"], name="reminder_once_per_kind"),
        ]
        indexes = [
            models.Index(fields=["sent_on", "-id"]),
            models.Index(fields=["kind", "sent_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} {self.kind} {self.sent_on}"

    @property
    def label(self) -> str:
        return reminder_label(self.kind)


class ReminderScan(models.Model):
    """One run of the daily collections scan: what it made due and what it sent."""

    run = models.UUIDField(_("run"), unique=True)
    scan_date = models.DateField(_("scan date"), db_index=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    made_due = models.PositiveIntegerField(_("milestones made due"), default=0)
    reminders = models.PositiveIntegerField(_("reminders sent"), default=0)
    notifications = models.PositiveIntegerField(_("notifications written"), default=0)

    class Meta:
        verbose_name = _("reminder scan")
        verbose_name_plural = _("reminder scans")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.scan_date} {self.run}"
