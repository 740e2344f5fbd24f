"""Named permissions for key-account management (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import OrgUnitKind, Role
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


def _leads_an_office(user) -> bool:
    """A sales manager of a representative office (or a region, or the company): a director."""
    unit = user.org_unit
    return (
        user.role == Role.SALES_MANAGER
        and unit is not None
        and unit.kind in (OrgUnitKind.OFFICE, OrgUnitKind.REGION, OrgUnitKind.COMPANY)
    )


@rule("keyaccounts.home_coverage")
def see_home_coverage(user, obj=None) -> bool:
    """A team's manager lands on the funnel and this quarter's coverage of the team target."""
    return user.role == Role.SALES_MANAGER and not _leads_an_office(user)


@rule("keyaccounts.home_office")
def see_home_office(user, obj=None) -> bool:
    """An office director lands on the escalations waiting and the office's commit."""
    return _leads_an_office(user)


@rule("keyaccounts.home_cash")
def see_home_cash(user, obj=None) -> bool:
    """Finance lands on receivables by age and this month's cash-in against plan."""
    return user.role == Role.FINANCE
