"""The bid (标书): deadline, sections written by their owners, a checklist, the submission,
and the reminders sent before the deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import BidSectionKind, BidSectionStatus, BidState
from .opportunity import Opportunity
from .pricing import Quote


class Bid(ConcurrentTransitionMixin, TimeStampedModel):
    """The tender response of one opportunity: sales prices it (the approved quote), product
    writes the technical part, delivery the delivery part, the bid office assembles it."""

    access = AccessSpec(via="opportunity")

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="bid"
    )
    tender_reference = models.CharField(_("tender reference"), max_length=100, blank=True)
    deadline = models.DateTimeField(_("submission deadline"))
    quote = models.ForeignKey(
        Quote,
        verbose_name=_("quote in the bid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only an approved quote can go into a bid."),
    )
    state = FSMField(
        _("state"), choices=BidState.choices, default=BidState.PREPARING, protected=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submission_notes = models.TextField(_("submission notes"), blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["deadline"]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{_('Bid')} · {self.opportunity}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:bid", args=[self.opportunity_id])

    @transition(
        field=state,
        source=BidState.PREPARING,
        target=BidState.SUBMITTED,
        custom={"label": _("Submit the bid"), "internal": True},
    )
    def submit(self, *, by=None, reason="", comment=""):
        """Handed in to the customer before the deadline."""

    @transition(
        field=state,
        source=BidState.PREPARING,
        target=BidState.CANCELLED,
        custom={"label": _("Cancel the bid"), "internal": True},
    )
    def cancel(self, *, by=None, reason="", comment=""):
        """The opportunity was lost or abandoned before the bid went in."""


class BidSection(TimeStampedModel):
    """One part of the bid and who writes it."""

    access = AccessSpec(via="bid")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(_("section"), max_length=12, choices=BidSectionKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bid_sections",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BidSectionStatus.choices, default=BidSectionStatus.TODO
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bid section")
        verbose_name_plural = _("bid sections")
        ordering = ["bid", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "kind"], name="one_bid_section_per_kind")
        ]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class BidChecklistItem(TimeStampedModel):
    """One thing to check before the bid goes in."""

    access = AccessSpec(via="bid")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.CharField(_("item"), max_length=255)
    required = models.BooleanField(_("required"), default=True)
    done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["bid", "position", "id"]

    def __str__(self) -> str:
        return self.text


class BidReminder(models.Model):
    """A deadline reminder that was sent: one row per bid and kind, so each goes out once."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=20)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bid reminder")
        verbose_name_plural = _("bid reminders")
        constraints = [
            models.UniqueConstraint(fields=["bid", "kind"], name="bid_reminder_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.bid} · {self.kind}"
