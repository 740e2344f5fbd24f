"""Named permissions for key-account management (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import Role
from core.policy import is_admin, rule

from .services._common import manages


@rule("keyaccounts.override_tier")
def override_tier(user, customer=None) -> bool:
    """Administrators, and sales managers whose subtree holds the customer's unit (or who keep
    some unit's settings, asked without a customer)."""
    if customer is None:
        return is_admin(user) or user.role == Role.SALES_MANAGER
    return manages(user, customer.org_unit)


@rule("keyaccounts.targets_panel")
def see_targets_panel(user, obj=None) -> bool:
    """The home page's targets: the people who carry them and their managers."""
    return is_admin(user) or user.role in (
        Role.SALES_REP,
        Role.SALES_MANAGER,
        Role.SOLUTION_MANAGER,
    )


@rule("keyaccounts.own_targets_only")
def own_targets_only(user, obj=None) -> bool:
    return user.role in (Role.SALES_REP, Role.SOLUTION_MANAGER)
