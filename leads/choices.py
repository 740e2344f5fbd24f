from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadState(models.TextChoices):
    NEW = "new", _("New")
    VERIFYING = "verifying", _("Verifying")
    VERIFIED = "verified", _("Verified")
    DISTRIBUTED = "distributed", _("Distributed")
    NURTURING = "nurturing", _("Nurturing")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")
    MERGED = "merged", _("Merged")


OPEN_STATES = [
    LeadState.NEW,
    LeadState.VERIFYING,
    LeadState.VERIFIED,
    LeadState.DISTRIBUTED,
    LeadState.NURTURING,
]


class LeadSource(models.TextChoices):
    MARKETING_EVENT = "marketing_event", _("Marketing event")
    CHANNEL_PARTNER = "channel_partner", _("Channel partner / agent")
    CUSTOMER_INBOUND = "customer_inbound", _("Customer inbound")
    STAFF_REFERRAL = "staff_referral", _("Staff referral")
    WEB_FORM = "web_form", _("Web form")
    IMPORT = "import", _("Import")


class BuyingPattern(models.TextChoices):
    CONTINUOUS = "continuous", _("Continuous purchase")
    OCCASIONAL = "occasional", _("Occasional purchase")
