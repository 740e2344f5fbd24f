"""What a partner user does in the portal (ADR 21): register a project for their own partner
(the partner never comes from input: it is the user's own), withdraw a registration they
submitted while it is pending. Documents are uploaded through `partners.qualification_upload`,
which lets a partner user add to their own partner only."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import Customer, User
from accounts.normalise import normalise_company_name
from core import policy
from core.approvals.choices import ApprovalKind
from core.approvals.engine import open_request_for, request_withdraw
from core.errors import Conflict, Forbidden, ValidationFailed
from partners.models import Partner, PartnerRegistration
from partners.services import partner_registration_submit


def own_partner(user: User) -> Partner:
    """The partner of a partner user (403 for anyone else, or a membership that ended)."""
    partner = Partner.objects.select_related("manager").filter(pk=policy.partner_of(user)).first()
    if partner is None:
        raise Forbidden(_("The partner portal is for the people of our channel partners."))
    return partner


def customer_named(name: str) -> Customer:
    """Our customer of that name (normalised as duplicates are: legal forms, spaces, Traditional
    characters), for a partner who sees none of our customers. A name we do not know is a 400:
    the partner manager files the customer first (ADR 21)."""
    key = normalise_company_name(name or "")
    found = (
        Customer.objects.filter(normalised_name=key, merged_into__isnull=True)
        .order_by("pk")
        .first()
        if key
        else None
    )
    if found is None:
        text = _("We have no customer of this name: ask your partner manager to file it first.")
        raise ValidationFailed(text, code="unknown_customer", fields={"customer_name": [text]})
    return found


def portal_registration_submit(
    *,
    by: User,
    customer_name: str,
    project: str,
    product_line: str,
    estimated_amount: Decimal | int = 0,
    currency: str = "CNY",
    description: str = "",
    contest: bool = False,
) -> PartnerRegistration:
    """Register a project (项目报备) for the user's own partner, through the same service and
    approval chain as a partner manager's registration."""
    partner = own_partner(by)
    return partner_registration_submit(
        by=by,
        partner=partner,
        customer=customer_named(customer_name),
        project=project,
        product_line=product_line,
        estimated_amount=estimated_amount,
        currency=currency,
        description=description,
        contest=contest,
    )


def portal_registration_withdraw(
    *, by: User, registration: PartnerRegistration, reason: str = ""
) -> PartnerRegistration:
    """Withdraw a registration the user submitted, while its approval is open: the approval
    engine withdraws the request (its approvers are told) and the registration follows. Two
    withdrawals at once: the engine's lock lets one through, the other is a 409."""
    if not policy.may(by, "portal.register", registration.partner):
        raise Forbidden(_("You may not change this record."))
    if registration.submitted_by_id != by.pk:
        raise Forbidden(_("Only the one who registered it may withdraw it."))
    request = open_request_for(registration, ApprovalKind.PARTNER_REGISTRATION)
    if request is None:
        raise Conflict(
            _("Only a registration waiting for approval is withdrawn."),
            code="registration_not_pending",
        )
    request_withdraw(request=request, by=by, reason=reason)
    registration.refresh_from_db()
    return registration
