"""Key-account management (大客户经营): which customers are key accounts and how each is planned,
and the sales organisation's targets, commitments and funnel coverage, one module per part.

This app sits at the top of the value stream: it reads customers, opportunities, contracts and
receipts, and no earlier app knows it exists (ADR 1). Every figure it shows is computed from
those records (see `selectors/metrics.py` for what "orders", "revenue" and "collections" mean).
"""

from .common import PERCENT, ZERO
from .plans import AccountPlan, PlanAction, PlanTarget
from .rollups import FunnelRollup, RenewalLink
from .targets import Commitment, SalesTarget, TargetAdjustment, TargetMonth
from .tiering import AccountProfile, PlanningSettings, PurchaseDriver, TierChange, TierCriteria

__all__ = [
    "PERCENT",
    "ZERO",
    "AccountPlan",
    "AccountProfile",
    "Commitment",
    "FunnelRollup",
    "PlanAction",
    "PlanTarget",
    "PlanningSettings",
    "PurchaseDriver",
    "RenewalLink",
    "SalesTarget",
    "TargetAdjustment",
    "TargetMonth",
    "TierChange",
    "TierCriteria",
]
