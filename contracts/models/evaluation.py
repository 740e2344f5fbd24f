"""Contract evaluation (合同评价): after the close, how good was the contract as signed and as
executed — profitable and by how much, schedule kept, acceptance smooth, cash collected — and
what we learnt. Stored as figures, so they can be reported across contracts in SQL."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from ..choices import AcceptanceRating
from .contract import Contract


class ContractEvaluation(models.Model):
    """The evaluation of one closed contract (see contracts.services.evaluation for the score)."""

    access = AccessSpec(via="contract")

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="evaluation"
    )
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    currency = CurrencyField(_("currency"))
    signed_amount = MoneyField(_("amount as signed"))
    final_amount = MoneyField(_("final amount"))
    signed_cost = MoneyField(_("planned cost as signed"), null=True, blank=True)
    actual_cost = MoneyField(_("actual cost"), null=True, blank=True)
    signed_margin_pct = models.DecimalField(
        _("signed gross margin %"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    actual_margin_pct = models.DecimalField(
        _("actual gross margin %"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    milestones_planned = models.PositiveSmallIntegerField(_("delivery milestones"), default=0)
    milestones_on_time = models.PositiveSmallIntegerField(_("reached on time"), default=0)
    schedule_kept_pct = models.DecimalField(
        _("schedule kept %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    average_slip_days = models.DecimalField(
        _("average slip (days)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    acceptance_rating = models.CharField(
        _("acceptance"), max_length=20, choices=AcceptanceRating.choices
    )
    acceptance_slip_days = models.IntegerField(_("acceptance slip (days)"), null=True, blank=True)
    days_to_collect = models.PositiveIntegerField(_("days to collect"), null=True, blank=True)
    collected_pct = models.DecimalField(
        _("collected %"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    amendments = models.PositiveSmallIntegerField(_("amendments"), default=0)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    lessons_learnt = models.TextField(_("lessons learnt"))
    created_at = models.DateTimeField(_("evaluated at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("contract evaluation")
        verbose_name_plural = _("contract evaluations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["acceptance_rating", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="evaluation_score_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} · {self.score}"

    def get_absolute_url(self) -> str:
        return f"{self.contract.get_absolute_url()}#evaluation"

    @property
    def margin_variance_pct(self):
        if self.signed_margin_pct is None or self.actual_margin_pct is None:
            return None
        return self.actual_margin_pct - self.signed_margin_pct
