"""Renewals (续单): a finished contract is the start of the next. Before a contract's service
period ends, a renewal opportunity is opened for its account manager, once per contract."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from contracts.choices import ContractState
from contracts.models import Contract
from core.audit import audit_record
from core.messages import day, message
from core.notifications import notify
from opportunities.services import opportunity_create

from ..models import PlanningSettings, RenewalLink

logger = logging.getLogger(__name__)

#: Contracts whose service can be renewed: signed and not terminated or suspended.
RENEWABLE = [
    ContractState.SIGNED,
    ContractState.ACCEPTED,
    ContractState.IN_DELIVERY,
    ContractState.DELIVERED,
    ContractState.CLOSED,
    ContractState.EVALUATED,
]


def _lead_days(contract: Contract, cache: dict[int, int]) -> int:
    unit = contract.org_unit
    if unit.pk not in cache:
        from .accounts import settings_for

        cache[unit.pk] = settings_for(unit).renewal_lead_days
    return cache[unit.pk]


def _open_one(contract: Contract) -> RenewalLink | None:
    line = contract.opportunity.product_line if contract.opportunity_id else ""
    with transaction.atomic():
        # Lock the contract row: a second run racing this one waits, then sees the link.
        Contract.objects.select_for_update().get(pk=contract.pk)
        if RenewalLink.objects.filter(contract=contract).exists():
            return None
        # Its name and description are the record's text: in its owner's language, with the
        # date as they write it (the daily job runs in no one's language).
        with translation.override(contract.owner.language or settings.LANGUAGE_CODE):
            name = (_("Renewal: %(title)s") % {"title": contract.title})[:200]
            description = _("Renews %(number)s, whose service period ends on %(day)s.") % {
                "number": contract.number,
                "day": formats.date_format(contract.ends_on, "DATE_FORMAT"),
            }
        opportunity = opportunity_create(
            by=None,
            sr=contract.team.sr,
            fr=contract.team.fr,
            data={
                "name": name,
                "customer": contract.customer,
                "owner": contract.owner,
                "org_unit": contract.org_unit,
                "amount": contract.amount,
                "currency": contract.currency,
                "expected_close_date": contract.ends_on,
                "product_line": line,
                "description": description,
            },
        )
        link = RenewalLink.objects.create(contract=contract, opportunity=opportunity)
        audit_record(
            target=contract,
            action="renewal.opened",
            changes={"opportunity": opportunity.number},
        )
        notify(
            recipients=[contract.owner],
            kind="renewal.opened",
            target=opportunity,
            message=message(
                "renewal.opened",
                number=opportunity.number,
                contract=contract.number,
                day=day(contract.ends_on),
            ),
        )
    return link


def renewal_opportunities_open(*, today: dt.date | None = None) -> list[RenewalLink]:
    """Open a renewal opportunity for every renewable contract whose service period ends
    within its unit's lead time (and has not ended). Idempotent: the daily job may run twice,
    or on two workers, and each contract still gets one renewal."""
    today = today or timezone.localdate()
    longest = max(
        [90, *PlanningSettings.objects.values_list("renewal_lead_days", flat=True)], default=90
    )
    candidates = (
        Contract.objects.filter(
            state__in=RENEWABLE,
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=longest),
            renewal__isnull=True,
        )
        .select_related("org_unit", "customer", "owner", "opportunity")
        .prefetch_related("team__members__user")
        .order_by("ends_on", "pk")
    )
    cache: dict[int, int] = {}
    opened = []
    for contract in candidates:
        if contract.ends_on > today + dt.timedelta(days=_lead_days(contract, cache)):
            continue
        try:
            link = _open_one(contract)
        except IntegrityError:  # another worker linked it first
            logger.info("renewal of %s already opened elsewhere", contract.number)
            continue
        if link is not None:
            opened.append(link)
    return opened
