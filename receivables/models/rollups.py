"""The ageing rollup: receivables ageing per org unit pre-aggregated by Celery beat."""

from django.db import models

from accounts.models import OrgUnit


class AgeingRollup(models.Model):
    """Receivables in ageing buckets per org unit (of the contract) × currency as of one day,
    refreshed by Celery beat (`receivables.tasks.refresh_ageing_rollup`) so the ageing by org
    unit of a whole company or region reads a few hundred rows instead of every milestone
    (`receivables.rollups`). Derived data: rebuilt whole on every refresh, never edited.
    """

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    count = models.IntegerField()
    not_due = models.DecimalField(max_digits=20, decimal_places=2)
    d1_30 = models.DecimalField(max_digits=20, decimal_places=2)
    d31_60 = models.DecimalField(max_digits=20, decimal_places=2)
    d61_90 = models.DecimalField(max_digits=20, decimal_places=2)
    d90_plus = models.DecimalField(max_digits=20, decimal_places=2)
    total = models.DecimalField(max_digits=20, decimal_places=2)
    as_of = models.DateField(help_text="The day the buckets were counted from.")
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "currency"], name="ageing_rollup_key")
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.currency} {self.total} ({self.as_of})"
