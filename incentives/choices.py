"""The vocabulary of credit sharing (获取分享制)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditSeat(models.TextChoices):
    """Whose share a credit line is: a seat of the iron triangle, the partner's manager (our
    person responsible for the deal's channel partner), or a named person added to the split."""

    AR = "ar", _("Account responsible (AR)")
    SR = "sr", _("Solution responsible (SR)")
    FR = "fr", _("Fulfillment responsible (FR)")
    PARTNER = "partner", _("Partner manager")
    OTHER = "other", _("Named person")


class SplitState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("In force")
    SUPERSEDED = "superseded", _("Replaced by a later split")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CreditKind(models.TextChoices):
    """What is credited: the booking (定: a signed contract's amount) or a collection (回: a
    receipt's allocation to one of the contract's milestones)."""

    BOOKING = "booking", _("Booking")
    COLLECTION = "collection", _("Collection")


class ReportGrouping(models.TextChoices):
    PERSON = "person", _("Per person")
    TEAM = "team", _("Per team")
