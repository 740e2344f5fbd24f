"""Named permissions of rebates and channel reports (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import Role
from core.policy import handles_money, is_finance, manages, rule


@rule("channels.manage_schemes")
def manage_schemes(user, partner=None) -> bool:
    """Rebate schemes are terms of the channel agreement: whoever keeps the partner's
    agreements (everyone but finance; which partners, the access policy decides)."""
    return not is_finance(user)


@rule("channels.settle")
def settle(user, statement=None) -> bool:
    """Paying a rebate out (a credit note or a payment) is finance's work."""
    return handles_money(user)


@rule("channels.reports")
def see_reports(user, obj=None) -> bool:
    """The channel pages: sellers, their managers, finance (rebate liability) and admins;
    each figure counts only the records the reader may see."""
    return manages(user) or is_finance(user) or user.role == Role.SALES_REP
