"""Derived records: renewal links and the funnel rollup."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from core.policy import AccessSpec
from opportunities.models import Opportunity


class RenewalLink(models.Model):
    """The renewal opportunity opened before a contract's service period ends. One per
    contract, enforced by the database, so the daily job never opens two."""

    access = AccessSpec(via="contract")

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="renewal"
    )
    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("renewal opportunity"),
        on_delete=models.PROTECT,
        related_name="renews",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id} → {self.opportunity_id}"


class FunnelRollup(models.Model):
    """The manager funnel pre-aggregated per org unit × currency × product line × month ×
    stage, refreshed by Celery beat (`keyaccounts.tasks.refresh_funnel_rollup`) so the
    company-wide funnel reads a few thousand rows instead of every opportunity.

    kind "cohort": opportunities created in `month`, by current `state` and the furthest
    stage they `reached` on the path to won (index, -1 none), with the summed age in their
    stage at `refreshed_at`, the oldest `state_changed_at` and how many were over 30 days;
    "stay": audited transitions out of open stage `state` of opportunities created in `month`
    (count, summed stay); "closed": opportunities closed in `month` by final `state` (count,
    amount, summed cycle time); "gate": gate reviews opened in `month` on opportunities of the
    key, by "kind:state" (count; `stale` holds the escalated ones). Derived data: rebuilt
    whole on every refresh, never edited.
    """

    kind = models.CharField(max_length=8)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    product_line = models.CharField(max_length=100, blank=True)
    month = models.DateField()
    state = models.CharField(max_length=20)
    reached = models.SmallIntegerField(default=-1)
    count = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    duration = models.DurationField(null=True)
    oldest = models.DateTimeField(null=True)
    stale = models.IntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "currency", "month"], name="funnel_rollup_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.org_unit_id} {self.month} {self.state}"
