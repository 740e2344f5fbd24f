from django.db import models
from django.utils.translation import gettext_lazy as _

# The decision chain's words live with the customer's people (accounts), re-exported here.
from accounts.choices import ChainRole, CoachLevel, RelationshipStrength, Stance  # noqa: F401


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    INITIATED = "initiated", _("Initiated (ATI passed)")
    GUIDING = "guiding", _("Guiding (decision chain, pre-bid)")
    BIDDING = "bidding", _("Bidding")
    BID_SUBMITTED = "bid_submitted", _("Bid submitted")
    NEGOTIATING = "negotiating", _("Negotiating")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    ABANDONED = "abandoned", _("Abandoned")


OPEN_STAGES = [
    Stage.IDENTIFIED,
    Stage.INITIATED,
    Stage.GUIDING,
    Stage.BIDDING,
    Stage.BID_SUBMITTED,
    Stage.NEGOTIATING,
]
CLOSED_STAGES = [Stage.WON, Stage.LOST, Stage.ABANDONED]

#: The probability (%) of winning in each stage when no StageProbability row says otherwise.
DEFAULT_STAGE_PROBABILITY = {
    Stage.IDENTIFIED: 10,
    Stage.INITIATED: 20,
    Stage.GUIDING: 35,
    Stage.BIDDING: 50,
    Stage.BID_SUBMITTED: 60,
    Stage.NEGOTIATING: 80,
    Stage.WON: 100,
    Stage.LOST: 0,
    Stage.ABANDONED: 0,
}

#: Days a deal may stay in each open stage, and wait at a gate review opened from it, before it
#: is stuck, when no `StageNorm` row says otherwise.
DEFAULT_STAGE_NORMS = {
    Stage.IDENTIFIED: (30, 7),
    Stage.INITIATED: (30, 7),
    Stage.GUIDING: (60, 7),
    Stage.BIDDING: (45, 7),
    Stage.BID_SUBMITTED: (45, 7),
    Stage.NEGOTIATING: (30, 7),
}


class ForecastCategory(models.TextChoices):
    COMMIT = "commit", _("Commit")
    BEST_CASE = "best_case", _("Best case")
    PIPELINE = "pipeline", _("Pipeline")
    OMITTED = "omitted", _("Omitted")


class WinLossReason(models.TextChoices):
    """Why a deal was won, lost or abandoned: one code per closed opportunity, reportable."""

    PRICE = "price", _("Price")
    SOLUTION = "solution", _("Solution and technology")
    RELATIONSHIP = "relationship", _("Customer relationship")
    DELIVERY = "delivery", _("Delivery capability")
    COMMERCIAL_TERMS = "commercial_terms", _("Commercial terms")
    BRAND = "brand", _("Brand and references")
    INCUMBENT = "incumbent", _("Incumbent supplier")
    BUDGET = "budget", _("Budget cut or no budget")
    TIMING = "timing", _("Timing")
    NO_DECISION = "no_decision", _("Customer made no decision")
    STOPPED_AT_GATE = "stopped_at_gate", _("Stopped at a review gate")
    OTHER = "other", _("Other")


class PricePosition(models.TextChoices):
    BELOW = "below", _("Cheaper than us")
    SIMILAR = "similar", _("About our price")
    ABOVE = "above", _("More expensive than us")
    UNKNOWN = "unknown", _("Unknown")


class QuoteState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Awaiting special-price approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AgreementPriceState(models.TextChoices):
    """An agreement price (协议价) as it goes through its approval chain; only an approved
    one binds quotes."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class QuoteDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class BidState(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    SUBMITTED = "submitted", _("Submitted")
    CANCELLED = "cancelled", _("Cancelled")


class BidSectionKind(models.TextChoices):
    """Who writes what (DOMAIN.md, MO 4): sales prices it, product writes the technical part,
    delivery the delivery part, the bid office assembles."""

    COMMERCIAL = "commercial", _("Commercial (pricing)")
    TECHNICAL = "technical", _("Technical")
    DELIVERY = "delivery", _("Delivery")
    ASSEMBLY = "assembly", _("Assembly and quality check")


class BidSectionStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


#: The checklist every new bid starts with (the team adds its own items).
DEFAULT_BID_CHECKLIST = [
    _("Qualification documents (licences, certificates)"),
    _("Technical compliance matrix answered point by point"),
    _("Price schedule matches the approved quote"),
    _("Bid bond arranged"),
    _("Delivery plan and schedule"),
    _("Signed and sealed by an authorised signatory"),
    _("Quality check by the bid office"),
]
