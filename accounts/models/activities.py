"""Activities (follow-ups) on any registered record."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import (
    ActivityKind,
)
from .parties import Contact, Customer
from .people import OrgUnit, User


class Activity(TimeStampedModel):
    """A customer interaction: a visit, call, e-mail, meeting or demo, with its notes, outcome
    and the next step agreed (with its date).

    Every stage records them on its own records through the generic `subject` (a lead, an
    opportunity, a contract or the customer itself), so this app never imports a later one.
    A lead's activities are its follow-up record (线索跟进记录表); they stay on the lead after
    conversion, so the opportunity can show them too. A next step past its date and not done is
    flagged to the owner once (`overdue_notified_at`).
    """

    access = AccessSpec(owner="owner", unit="org_unit")

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("record"))
    subject = GenericForeignKey("subject_type", "subject_id")
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="activities"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = models.CharField(_("summary"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    next_step_date = models.DateField(_("next step date"), null=True, blank=True)
    next_step_done_at = models.DateTimeField(_("next step done"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        _("overdue flagged"), null=True, blank=True, editable=False
    )
    # A collection call's promise (a payment milestone's): when and how much the customer said
    # they would pay, in the milestone's currency.
    promised_payment_date = models.DateField(_("promised payment date"), null=True, blank=True)
    promised_amount = MoneyField(_("promised amount"), null=True, blank=True)
    promised_currency = CurrencyField(_("currency"), blank=True, editable=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-occurred_at"]),
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["owner", "-occurred_at"]),
            models.Index(fields=["org_unit", "-occurred_at"]),
            models.Index(
                fields=["next_step_date"],
                condition=Q(next_step_done_at__isnull=True, next_step_date__isnull=False),
                name="activity_open_next_step",
            ),
            # Each record's "overdue next step" flag in lists (an EXISTS per row).
            models.Index(
                fields=["subject_type", "subject_id", "next_step_date"],
                condition=Q(next_step_done_at__isnull=True, next_step_date__isnull=False),
                name="activity_open_step_by_record",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_amount__isnull=True)
                | Q(promised_amount__gt=0, promised_payment_date__isnull=False),
                name="activity_promise_positive_and_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    def get_absolute_url(self) -> str:
        subject = self.subject
        if subject is not None and hasattr(subject, "get_absolute_url"):
            return f"{subject.get_absolute_url()}#activity-{self.pk}"
        return ""

    @property
    def is_overdue(self) -> bool:
        return (
            self.next_step_date is not None
            and self.next_step_done_at is None
            and self.next_step_date < timezone.localdate()
        )
