"""Named permissions of channel partners (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_finance, manages, rule


@rule("partners.manage")
def manage_partners(user, partner=None) -> bool:
    """Recruiting and running partners is selling work: everyone but finance (the records
    they may change the access policy decides)."""
    return not is_finance(user)


@rule("partners.review_qualifications")
def review_qualifications(user, partner=None) -> bool:
    """Verifying or rejecting a partner's documents (资质审核): sales managers and
    administrators over the partner."""
    return manages(user)
