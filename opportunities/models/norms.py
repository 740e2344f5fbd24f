"""How long a deal may sit in each open stage (and wait at the gate out of it) before the
pipeline calls it stuck. Administrators edit the norms in the admin; a migration seeds
`DEFAULT_STAGE_NORMS`, which also applies to a stage without a row."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from ..choices import OPEN_STAGES, Stage

OPEN_STAGE_CHOICES = [(s.value, s.label) for s in OPEN_STAGES]


class StageNorm(TimeStampedModel):
    """The norm of one open stage: a deal longer than `norm_days` in the stage, or with a gate
    review open longer than `gate_norm_days`, is stuck."""

    stage = models.CharField(_("stage"), max_length=20, choices=OPEN_STAGE_CHOICES, unique=True)
    norm_days = models.PositiveSmallIntegerField(
        _("days in stage"),
        validators=[MinValueValidator(1)],
        help_text=_("A deal longer than this in the stage is stuck."),
    )
    gate_norm_days = models.PositiveSmallIntegerField(
        _("days waiting at a gate"),
        validators=[MinValueValidator(1)],
        help_text=_("A deal whose gate review has waited longer than this is stuck."),
    )

    class Meta:
        verbose_name = _("stage norm")
        verbose_name_plural = _("stage norms")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(norm_days__gte=1) & models.Q(gate_norm_days__gte=1),
                name="stage_norm_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(Stage(self.stage).label)
