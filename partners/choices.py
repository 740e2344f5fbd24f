"""The vocabulary of channel partners (渠道): tiers, admission, qualification and the states of
a partner's project registration (项目报备)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerTier(models.TextChoices):
    """The kinds of partner seed 003 describes, and the service providers of 004."""

    GENERAL_DISTRIBUTOR = "general_distributor", _("General distributor (总代)")
    AGENT = "agent", _("Agent (代理)")
    OEM = "oem", _("OEM partner")
    SERVICE_PROVIDER = "service_provider", _("Service provider (服务商)")


#: The tiers that sell and so may register projects; a service provider delivers.
SELLING_TIERS = (PartnerTier.GENERAL_DISTRIBUTOR, PartnerTier.AGENT, PartnerTier.OEM)


class PartnerState(models.TextChoices):
    """Admission (准入): a candidate goes through the approval engine and is admitted or
    refused; an admitted partner may lose its agreement (terminated)."""

    CANDIDATE = "candidate", _("Candidate")
    IN_ADMISSION = "in_admission", _("In admission review")
    ADMITTED = "admitted", _("Admitted")
    REFUSED = "refused", _("Refused")
    TERMINATED = "terminated", _("Terminated")


class QualificationStatus(models.TextChoices):
    """One evidence document's review (资质审核)."""

    PENDING = "pending", _("Awaiting review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class QualificationKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    AUTHORISATION = "authorisation", _("Authorisation letter (授权函)")
    CERTIFICATION = "certification", _("Technical certification")
    OTHER = "other", _("Other")


class PartnerRegistrationState(models.TextChoices):
    """A partner's project registration as it goes through approval; once approved the
    protection itself (protected, waiting for a ruling, expired ...) is the linked customer
    registration's state (ADR 20)."""

    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Sent back")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
