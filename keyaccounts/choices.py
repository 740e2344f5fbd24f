"""The vocabulary of key-account management (大客户经营) and sales planning."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RelationshipStage(models.TextChoices):
    """Where the relationship stands in the customer lifecycle (客户生命周期)."""

    EXPLORATION = "exploration", _("Exploration")
    FORMATION = "formation", _("Formation")
    STABLE = "stable", _("Stable")
    DECLINE = "decline", _("Decline")


class Quadrant(models.TextChoices):
    """The customer matrix (客户分析矩阵): potential × relationship.

    core: high potential, strong relationship; growth: high potential, weak relationship
    (grow the relationship); leverage: low potential, strong relationship (a reference that
    pulls others along); problem: low potential, weak relationship.
    """

    CORE = "core", _("Core")
    GROWTH = "growth", _("Growth")
    LEVERAGE = "leverage", _("Leverage")
    PROBLEM = "problem", _("Problem")


class Metric(models.TextChoices):
    """What a target measures: orders (定), revenue (收) or collections (回)."""

    ORDERS = "orders", _("Orders")
    REVENUE = "revenue", _("Revenue")
    COLLECTIONS = "collections", _("Collections")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MatchMode(models.TextChoices):
    """How a tier's thresholds combine: any one met, or all that are set."""

    ANY = "any", _("Any threshold met")
    ALL = "all", _("All thresholds met")


class TierSource(models.TextChoices):
    RULE = "rule", _("Criteria")
    OVERRIDE = "override", _("Manual override")
    OVERRIDE_CLEARED = "override_cleared", _("Override cleared")


class Split(models.TextChoices):
    """How an annual target is decomposed into months."""

    EVEN = "even", _("Evenly over the months")
    QUARTERS = "quarters", _("By quarter weights, evenly within each quarter")
    MONTHS = "months", _("Month by month, as given")
