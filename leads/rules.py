"""Named permissions for leads (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_admin, manages, rule


@rule("leads.distribute")
def distribute_leads(user, lead=None) -> bool:
    """Handing a lead to an owner is a manager's call (or the system's distribution rules)."""
    return manages(user)


@rule("leads.manage_distribution")
def manage_distribution(user, obj=None) -> bool:
    """Distribution rules, and choosing the owner of an imported lead whose customer is
    registered to someone (客户报备): sales managers and administrators."""
    return manages(user)


@rule("leads.administer")
def administer_leads(user, obj=None) -> bool:
    """Capture sources, scoring and qualification policies: administrators."""
    return is_admin(user)
