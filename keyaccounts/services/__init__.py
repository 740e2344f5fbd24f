"""Writes of key-account management. Split by subject; import from here."""

from .accounts import (
    customer_tier_override,
    customer_tier_override_clear,
    may_recompute_tiers,
    planning_settings_save,
    profile_for,
    profile_update,
    purchase_driver_create,
    purchase_driver_delete,
    purchase_driver_update,
    settings_for,
    tier_criteria_create,
    tier_criteria_update,
    tiers_recompute,
)
from .plans import (
    account_plan_create,
    account_plan_update,
    plan_action_create,
    plan_action_set_status,
    plan_action_update,
    plan_target_remove,
    plan_target_set,
)
from .renewals import renewal_opportunities_open
from .targets import commitment_save, decompose, sales_target_adjust, sales_target_create

__all__ = [
    "account_plan_create",
    "account_plan_update",
    "commitment_save",
    "customer_tier_override",
    "customer_tier_override_clear",
    "may_recompute_tiers",
    "decompose",
    "plan_action_create",
    "plan_action_set_status",
    "plan_action_update",
    "plan_target_remove",
    "plan_target_set",
    "planning_settings_save",
    "profile_for",
    "profile_update",
    "purchase_driver_create",
    "purchase_driver_delete",
    "purchase_driver_update",
    "renewal_opportunities_open",
    "sales_target_adjust",
    "sales_target_create",
    "settings_for",
    "tier_criteria_create",
    "tier_criteria_update",
    "tiers_recompute",
]
