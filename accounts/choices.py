from django.db import models
from django.utils.translation import gettext_lazy as _


class Industry(models.TextChoices):
    TELECOM = "telecom", _("Telecom operator")
    GOVERNMENT = "government", _("Government")
    HEALTHCARE = "healthcare", _("Healthcare")
    ENERGY = "energy", _("Energy and utilities")
    FINANCE = "finance", _("Financial services")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    EDUCATION = "education", _("Education")
    TRANSPORT = "transport", _("Transport")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    """Key-account tiering (分层分级)."""

    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key account")
    NORMAL = "normal", _("Normal")


class CustomerVetting(models.TextChoices):
    """Where a new customer stands in its approval (客户审批, 列名): a customer a rep creates is
    pending until its NEW_CUSTOMER approval ends (ADR 19)."""

    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    DEMO = "demo", _("Demo")
    # On a payment milestone: chasing the money, with what the customer promised (催款).
    COLLECTION_CALL = "collection_call", _("Collection call")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Checking rows")
    VALIDATED = "validated", _("Ready to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportMode(models.TextChoices):
    ALL = "all", _("All rows (only when no row has an error)")
    VALID = "valid", _("Only the valid rows (skip errors and duplicates)")


class IssueLevel(models.TextChoices):
    ERROR = "error", _("Error")
    DUPLICATE = "duplicate", _("Duplicate")


# The decision chain (决策链): kept on the customer (people outlast one deal) and on each
# opportunity; opportunities re-export these.
class ChainRole(models.TextChoices):
    """A customer person's part in the buying decision (决策链)."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    TECHNICAL_GATEKEEPER = "technical_gatekeeper", _("Technical gatekeeper")
    USER = "user", _("User")
    FINANCE = "finance", _("Finance")
    PROCUREMENT = "procurement", _("Procurement")


class Stance(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class RelationshipStrength(models.IntegerChoices):
    NONE = 0, _("No relationship")
    WEAK = 1, _("Weak")
    FAIR = 2, _("Fair")
    GOOD = 3, _("Good")
    STRONG = 4, _("Strong")


class CoachLevel(models.TextChoices):
    """How far a person guides us inside the customer (向导/教练)."""

    NONE = "none", _("Not a guide")
    INFORMS = "informs", _("Passes information")
    ADVISES = "advises", _("Can advise")
    SWAYS = "sways", _("Can sway the decision")


class RegistrationState(models.TextChoices):
    """A customer registration's life (客户报备): protected for its holder until it ends."""

    PENDING_RULING = "pending_ruling", _("Waiting for a ruling")
    PROTECTED = "protected", _("Protected")
    RELEASED = "released", _("Released")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")


class RegistrationAward(models.TextChoices):
    """Whom a manager's ruling on a contested registration gives the protection to."""

    CHALLENGER = "challenger", _("The new registration")
    HOLDER = "holder", _("The registration holding protection")
