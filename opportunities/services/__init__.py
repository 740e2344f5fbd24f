"""Writes of MO (services): every change to an opportunity and what hangs off it goes
through one of these, in one transaction, audited."""

from .agreements import agreement_price_create, agreement_price_submit
from .bids import (
    bid_checklist_add,
    bid_checklist_check,
    bid_checklist_remove,
    bid_create,
    bid_readiness,
    bid_section_update,
    bid_send_reminders,
    bid_submit,
    bid_update,
)
from .discounts import discount_target_set
from .forecast import stage_norm_set, stage_probability_set
from .opportunity import (
    CONVERTIBLE,
    GATED_STAGES,
    opportunity_close_reason_set,
    opportunity_create,
    opportunity_create_from_lead,
    opportunity_move,
    opportunity_team_set,
    opportunity_transition,
    opportunity_update,
)
from .people import (
    competitor_create,
    competitor_update,
    decision_chain_add,
    decision_chain_remove,
    decision_chain_seed,
    decision_chain_update,
    opportunity_competitor_add,
    opportunity_competitor_remove,
    opportunity_competitor_update,
)
from .quotes import (
    quote_create,
    quote_decide,
    quote_new_version,
    quote_submit,
    quote_update,
    quote_withdraw,
)

__all__ = [
    "agreement_price_create",
    "agreement_price_submit",
    "discount_target_set",
    "CONVERTIBLE",
    "GATED_STAGES",
    "bid_checklist_add",
    "bid_checklist_check",
    "bid_checklist_remove",
    "bid_create",
    "bid_readiness",
    "bid_section_update",
    "bid_send_reminders",
    "bid_submit",
    "bid_update",
    "competitor_create",
    "competitor_update",
    "decision_chain_add",
    "decision_chain_remove",
    "decision_chain_seed",
    "decision_chain_update",
    "opportunity_close_reason_set",
    "opportunity_competitor_add",
    "opportunity_competitor_remove",
    "opportunity_competitor_update",
    "opportunity_create",
    "opportunity_create_from_lead",
    "opportunity_move",
    "opportunity_team_set",
    "opportunity_transition",
    "opportunity_update",
    "quote_create",
    "quote_decide",
    "quote_new_version",
    "quote_submit",
    "quote_update",
    "quote_withdraw",
    "stage_norm_set",
    "stage_probability_set",
]
