"""Pages of MO."""

from .agreements import (
    AgreementPriceListPage,
    AgreementPricePage,
    PricePostMortemPage,
    agreement_price_export,
)
from .opportunity import (
    CloseReasonPage,
    ConvertLeadPage,
    OpenGatePage,
    OpportunityCreatePage,
    OpportunityEditPage,
    OpportunityListPage,
    OpportunityPage,
    OpportunityTransitionPage,
    TeamPage,
)
from .people import (
    CompetitorAddPage,
    CompetitorEditPage,
    CompetitorRemovePage,
    DecisionChainAddPage,
    DecisionChainEditPage,
    DecisionChainRemovePage,
)
from .reports import BoardPage, ForecastPage, MovePage, WinLossPage
from .sales import BidPage, QuoteFormPage, QuotePage

__all__ = [
    "AgreementPriceListPage",
    "AgreementPricePage",
    "agreement_price_export",
    "BidPage",
    "BoardPage",
    "CloseReasonPage",
    "CompetitorAddPage",
    "CompetitorEditPage",
    "CompetitorRemovePage",
    "ConvertLeadPage",
    "DecisionChainAddPage",
    "DecisionChainEditPage",
    "DecisionChainRemovePage",
    "ForecastPage",
    "MovePage",
    "OpenGatePage",
    "OpportunityCreatePage",
    "OpportunityEditPage",
    "OpportunityListPage",
    "OpportunityPage",
    "OpportunityTransitionPage",
    "PricePostMortemPage",
    "QuoteFormPage",
    "QuotePage",
    "TeamPage",
    "WinLossPage",
]
