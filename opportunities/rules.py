"""Named permissions for opportunities (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import Role
from core.policy import is_sales_manager, rule


@rule("prices.approve")
def approve_special_prices(user, obj=None) -> bool:
    """Sales managers approve special prices in their subtree (and whoever a pricing rule
    names: `pricing.may_approve_quote` decides per quote)."""
    return is_sales_manager(user)


@rule("forecast.own_only")
def forecast_own_only(user, obj=None) -> bool:
    """People on deals (reps, solution and fulfilment managers) forecast their own deals;
    managers, finance and administrators the unit's."""
    return user.role in (Role.SALES_REP, Role.SOLUTION_MANAGER, Role.FULFILLMENT_MANAGER)
