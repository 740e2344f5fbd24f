"""Fixtures of the rebate tests: the carrier team's admitted agent with this year's and last
year's agreements, a scheme posted through the API, and sales booked through the services
(a won opportunity with the partner on it, its contract signed: the `contract.signed` hook)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.services import contract_transition
from partners.services import agreement_create
from tests.factories import ContractFactory, OpportunityFactory
from tests.partners.conftest import customer, make_partner

__all__ = ["customer"]  # the partner tests' customer in Guangdong

SCHEMES = "/api/v1/rebate-schemes/"
STATEMENTS = "/api/v1/rebate-statements/"
TIERS = [
    {"lower": "0", "upper": "1000000", "rate_pct": "2"},
    {"lower": "1000000", "upper": None, "rate_pct": "3"},
]


def this_year() -> int:
    return timezone.localdate().year


@pytest.fixture
def partner(org):
    return make_partner(org)


def make_agreement(org, partner, year: int, target="5000000"):
    return agreement_create(
        by=org.rep,
        partner=partner,
        data={"year": year, "currency": "CNY", "target_amount": Decimal(target)},
    )


@pytest.fixture
def agreement(org, partner):
    return make_agreement(org, partner, this_year())


def post_scheme(api, user, agreement, **data):
    body = {
        "agreement": agreement.pk,
        "name": "Quarterly volume",
        "measure": "volume",
        "period": "quarter",
        "basis": "booked",
        "tiers": TIERS,
        **data,
    }
    return api(user).post(SCHEMES, body, format="json")


@pytest.fixture
def scheme(org, api, agreement):
    response = post_scheme(api, org.manager, agreement)
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def sell(org):
    """`sell(partner, amount, on)`: a won opportunity of the partner, its contract signed on
    the day (the hook accrues). Returns the contract."""

    def make(partner, amount, on: dt.date | None = None, currency="CNY"):
        on = on or timezone.localdate()
        opportunity = OpportunityFactory(
            owner=org.rep, org_unit=org.gd_carrier, partner=partner, state="won", currency=currency
        )
        contract = ContractFactory(
            owner=org.rep,
            opportunity=opportunity,
            customer=opportunity.customer,
            amount=Decimal(amount),
            signed_on=on,
            currency=currency,
        )
        contract_transition(contract=contract, name="sign", by=org.rep)
        contract.refresh_from_db()
        return contract

    return make
