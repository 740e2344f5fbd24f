"""The cash-in forecast per open milestone (`receivables.forecast`), refreshed by Celery beat."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .plan import PaymentMilestone


class ForecastBasis(models.TextChoices):
    """Whose payment history a prediction rests on (most of its weight)."""

    CUSTOMER = "customer", _("This customer's history")
    TIER = "tier", _("Customers of the same tier")
    INDUSTRY = "industry", _("Customers of the same industry")
    KIND = "kind", _("All customers, this kind of milestone")
    PLAN = "plan", _("No history: the plan's due date")


class CashForecast(models.Model):
    """When one open milestone is expected to be paid, from how its customer (and customers
    like it) paid past milestones of the same kind: the days-late distribution, blended with
    a pool by count (ADR 29). Derived data: rebuilt whole on every refresh, never edited.

    `days` are ten equally likely days late (after the due date), the 5th, 15th … 95th
    percentiles: the cash-in curve puts a tenth of the outstanding amount on each.
    """

    milestone = models.OneToOneField(
        PaymentMilestone, on_delete=models.CASCADE, related_name="cash_forecast"
    )
    predicted_on = models.DateField()
    days_late = models.IntegerField(help_text="The median days after the due date.")
    p_by_due = models.DecimalField(max_digits=4, decimal_places=3)
    days = models.CharField(
        max_length=200,
        help_text="Ten equally likely days late, comma-separated (5th, 15th … 95th percentile).",
    )
    basis = models.CharField(max_length=10, choices=ForecastBasis.choices)
    own_count = models.IntegerField(help_text="Paid milestones of this kind of the customer.")
    pool_count = models.IntegerField(help_text="Paid milestones in the pool blended in.")
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.milestone_id} → {self.predicted_on} ({self.basis})"
