"""Competitors: a shared catalogue, and who we meet on each opportunity."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.choices import RiskLevel
from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import PricePosition
from .opportunity import Opportunity


class Competitor(TimeStampedModel):
    """A company we compete with (友商), shared by every team so win/loss is reportable."""

    name = models.CharField(_("name"), max_length=120)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="competitor_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityCompetitor(TimeStampedModel):
    """A competitor on one opportunity: what they do well and badly, how dangerous they are and
    where their price sits against ours."""

    access = AccessSpec(via="opportunity")

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="competitors",
    )
    competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("competitor"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    threat = models.CharField(
        _("threat"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    price_position = models.CharField(
        _("price position"),
        max_length=10,
        choices=PricePosition.choices,
        default=PricePosition.UNKNOWN,
    )
    is_incumbent = models.BooleanField(_("incumbent supplier"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("competitor on an opportunity")
        verbose_name_plural = _("competitors on opportunities")
        ordering = ["opportunity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "competitor"], name="competitor_once_per_opportunity"
            ),
        ]
        indexes = [models.Index(fields=["competitor", "opportunity"])]

    def __str__(self) -> str:
        return f"{self.competitor} · {self.opportunity.number}"

    def get_absolute_url(self) -> str:
        return f"{self.opportunity.get_absolute_url()}#competitors"
