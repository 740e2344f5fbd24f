"""Forecast configuration: the win probability of each stage, per org unit."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from core.models import TimeStampedModel

from ..choices import Stage


class StageProbability(TimeStampedModel):
    """The win probability (%) of opportunities in one stage.

    A row without an org unit is the company default; a row on a unit applies to its subtree,
    the nearest one up the tree winning. Without any row, `DEFAULT_STAGE_PROBABILITY` applies.
    """

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stage_probabilities",
        help_text=_("Leave empty for the company-wide default."),
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    probability_pct = models.DecimalField(
        _("win probability %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("stage probability")
        verbose_name_plural = _("stage probabilities")
        ordering = ["org_unit__path", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "stage"], name="one_stage_probability_per_unit"
            ),
            models.UniqueConstraint(
                fields=["stage"],
                condition=Q(org_unit__isnull=True),
                name="one_default_stage_probability",
            ),
            models.CheckConstraint(
                condition=Q(probability_pct__gte=0) & Q(probability_pct__lte=100),
                name="stage_probability_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit or _('company default')} · {self.get_stage_display()}"
