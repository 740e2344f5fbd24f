"""A partner's approved project registration (项目报备) becomes an opportunity with the partner
on it (ADR 20): registered with the partners app at start-up (`partners.conversion`), as the
later stage's step it is (STYLE 4)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import hooks
from core.audit import audit_record
from core.errors import ValidationFailed
from core.messages import message
from partners.models import PartnerRegistration

from ..models import Opportunity
from .opportunity import opportunity_create


def _refuse_twice(registration: PartnerRegistration) -> None:
    found = Opportunity.objects.filter(partner_registration=registration).first()
    if found is not None:
        text = _("This registration became opportunity %(opp)s already.") % {"opp": found.number}
        raise ValidationFailed(
            text, code="partner_registration_converted", fields={"registration": [text]}
        )


def opportunity_create_from_partner_registration(
    *, registration: PartnerRegistration, by: User, data: dict[str, Any]
) -> Opportunity:
    """The opportunity of a protected partner registration: its customer, project, product
    line and estimate, the partner on it, the AR `owner` (default: the partner manager), `sr`
    and `fr` if named, the iron triangle formed as for any opportunity, so it passes the same
    ATI/ATB/ATC gates. Once per registration (a unique column; a second try is a 400)."""
    partner = registration.partner
    owner = data.get("owner") or partner.manager
    _refuse_twice(registration)
    try:
        with transaction.atomic():
            opportunity = opportunity_create(
                by=by,
                sr=data.get("sr"),
                fr=data.get("fr"),
                data={
                    "name": registration.project,
                    "customer": registration.customer,
                    "owner": owner,
                    "org_unit": owner.org_unit,
                    "product_line": registration.product_line,
                    "amount": registration.estimated_amount,
                    "currency": registration.currency,
                    "description": registration.description,
                    "partner": partner,
                    "partner_registration": registration,
                },
            )
            audit_record(
                target=registration,
                action="registration.converted",
                actor=by,
                comment=message("note.converted_partner", opp=opportunity.number),
            )
            hooks.emit(
                "partner.registration_converted",
                registration=registration,
                opportunity=opportunity,
                by=by,
            )
    except IntegrityError:
        _refuse_twice(registration)
        raise
    return opportunity


def opportunity_of_registration(registration: PartnerRegistration) -> tuple[str, str] | None:
    found = Opportunity.objects.filter(partner_registration=registration).first()
    return (found.number, found.get_absolute_url()) if found is not None else None
