"""Named permissions for contracts (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import Role, TriangleRole
from core.policy import manages, rule


@rule("contracts.suspend_or_terminate")
def suspend_or_terminate(user, contract=None) -> bool:
    """Suspending or terminating a contract needs a sales manager's approval."""
    return manages(user)


@rule("contracts.decide_change")
def decide_change(user, change=None) -> bool:
    """Whether to take up a customer's change is the FR's call (or a superuser's)."""
    if user.is_superuser:
        return True
    return change is not None and change.contract.team.seat(TriangleRole.FR) == user


@rule("contracts.run_delivery")
def run_delivery(user, obj=None) -> bool:
    """Everyone but finance owns or runs deliveries (finance has no delivery panel)."""
    return user.is_superuser or user.role != Role.FINANCE
