"""Saved reports (ADR 32): a definition under a name, its sharing and its e-mail schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Schedule(models.TextChoices):
    NONE = "", _("Not sent")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class SavedReport(models.Model):
    """A report definition saved by its owner, shared with teams (an org unit and its subtree)
    or people, and optionally e-mailed to its owner as an Excel file. Whoever reads it sees
    the figures of their own access scope, never the owner's."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_reports",
    )
    name = models.CharField(_("name"), max_length=120)
    definition = models.JSONField(_("definition"))
    shared_units = models.ManyToManyField(
        "accounts.OrgUnit", verbose_name=_("shared with teams"), blank=True, related_name="+"
    )
    shared_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared with people"),
        blank=True,
        related_name="reports_shared_with_me",
    )
    schedule = models.CharField(
        _("e-mail schedule"), max_length=10, choices=Schedule.choices, blank=True, default=""
    )
    last_sent_on = models.DateField(_("last sent on"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_unique")
        ]
        indexes = [
            models.Index(
                fields=["schedule", "last_sent_on"],
                condition=~Q(schedule=""),
                name="saved_report_scheduled",
            ),
        ]

    def __str__(self) -> str:
        return self.name
