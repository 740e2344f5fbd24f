"""Reads of key-account management; every one goes through the access policy. The record lists
and the matrix are re-exported here; the figures are one module each: `metrics` (what "orders",
"revenue" and "collections" mean), `periods` (which months), `planning` (attainment, coverage,
commitments), `dashboards`, `retention` (revenue history) and `rollups` (the funnel rollup read).
"""

from .records import (
    action_list,
    adjustment_list,
    commitment_list,
    criteria_list,
    customer_panel,
    driver_list,
    matrix,
    people_for,
    plan_list,
    plan_performance,
    plan_target_list,
    profile_list,
    renewal_list,
    settings_list,
    target_list,
    tier_change_list,
    units_for,
)

__all__ = [
    "action_list",
    "adjustment_list",
    "commitment_list",
    "criteria_list",
    "customer_panel",
    "driver_list",
    "matrix",
    "people_for",
    "plan_list",
    "plan_performance",
    "plan_target_list",
    "profile_list",
    "renewal_list",
    "settings_list",
    "target_list",
    "tier_change_list",
    "units_for",
]
