"""Named permissions of channel partners (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_finance, manages, partner_of, rule


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


# The partner portal (ADR 21): the only rules partner users are asked; each holds for the
# user's own partner only (`obj`, the partner), never for anyone else.


def _own_partner(user, partner) -> bool:
    return partner is not None and partner_of(user) == partner.pk


@rule("portal.register", partners=True)
def portal_register(user, partner=None) -> bool:
    """A partner user registers projects (项目报备) for their own partner."""
    return _own_partner(user, partner)


@rule("portal.upload_documents", partners=True)
def portal_upload_documents(user, partner=None) -> bool:
    """A partner user uploads qualification documents (资质) to their own partner."""
    return _own_partner(user, partner)
