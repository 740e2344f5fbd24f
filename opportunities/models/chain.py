"""The decision chain (决策链): the customer's people on one deal and where they stand."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import ChainRole, CoachLevel, RelationshipStrength, Stance
from .opportunity import Opportunity


class DecisionChainMember(TimeStampedModel):
    """One person of the customer on this opportunity: their role in the decision, their stance
    toward us, how strong our relationship is, and whether they guide us (向导/教练)."""

    access = AccessSpec(via="opportunity")

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="decision_chain",
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role in the decision"), max_length=24, choices=ChainRole.choices)
    stance = models.CharField(
        _("stance"), max_length=12, choices=Stance.choices, default=Stance.NEUTRAL
    )
    relationship = models.PositiveSmallIntegerField(
        _("relationship strength"),
        choices=RelationshipStrength.choices,
        default=RelationshipStrength.NONE,
    )
    coach_level = models.CharField(
        _("guide / coach"), max_length=10, choices=CoachLevel.choices, default=CoachLevel.NONE
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("decision-chain member")
        verbose_name_plural = _("decision chain")
        ordering = ["opportunity", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="contact_once_per_decision_chain"
            ),
            models.CheckConstraint(
                condition=models.Q(relationship__lte=4), name="relationship_strength_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return f"{self.opportunity.get_absolute_url()}#decision-chain"
