"""MO's records: the opportunity and what the iron triangle works on to win it."""

from .opportunity import Opportunity, atb_passed, atc_passed, ati_passed  # noqa: I001
from .forecast import StageProbability
from .norms import StageNorm
from .competition import Competitor, OpportunityCompetitor
from .chain import DecisionChainMember
from .pricing import PricingRule, Product, Quote, QuoteLine
from .bids import Bid, BidChecklistItem, BidReminder, BidSection
from .agreements import AgreementPrice, DiscountTarget

__all__ = [
    "AgreementPrice",
    "Bid",
    "BidChecklistItem",
    "BidReminder",
    "BidSection",
    "Competitor",
    "DecisionChainMember",
    "DiscountTarget",
    "Opportunity",
    "OpportunityCompetitor",
    "PricingRule",
    "Product",
    "Quote",
    "QuoteLine",
    "StageNorm",
    "StageProbability",
    "atb_passed",
    "atc_passed",
    "ati_passed",
]
