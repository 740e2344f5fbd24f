"""The words of rebates (返利) and channel reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RebateMeasure(models.TextChoices):
    """What the tiers are read against: the period's volume, or its growth (%) over the same
    period of the year before."""

    VOLUME = "volume", _("Volume")
    GROWTH = "growth", _("Growth over last year (%)")


class RebatePeriod(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class RebateBasis(models.TextChoices):
    """Which sales count: contracts signed (booked) or cash received against them."""

    BOOKED = "booked", _("Contracts signed (booked)")
    CASH = "cash", _("Cash received")


class AccrualKind(models.TextChoices):
    BOOKING = "booking", _("Contract signed")
    CASH = "cash", _("Cash received")
    REVERSAL = "reversal", _("Receipt reversed")
    ADJUSTMENT = "adjustment", _("Contract amended or terminated")


class StatementState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    SETTLED = "settled", _("Settled")


class SettlementMethod(models.TextChoices):
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
