"""Rebate races on PostgreSQL (issue 21.5): two bookings of one partner signed at the same
instant both accrue, the period's statement made once and its ledger the scheme applied to
both; one event delivered twice at once accrues once; overlapping tiers are refused by the
database even past the service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from channels.models import RebateAccrual, RebateStatement, RebateTier
from contracts.models import Contract
from contracts.services import contract_transition
from core import hooks
from tests.channels.conftest import make_agreement, post_scheme
from tests.factories import ContractFactory, OpportunityFactory
from tests.partners.conftest import make_partner
from tests.trust.racing import race, stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def partner(org, api):
    partner = make_partner(org)
    agreement = make_agreement(org, partner, timezone.localdate().year)
    assert post_scheme(api, org.manager, agreement).status_code == 201
    return partner


def _unsigned(org, partner, amount):
    opportunity = OpportunityFactory(
        owner=org.rep, org_unit=org.gd_carrier, partner=partner, state="won"
    )
    return ContractFactory(
        owner=org.rep,
        opportunity=opportunity,
        customer=opportunity.customer,
        amount=Decimal(amount),
        signed_on=timezone.localdate(),
        currency="CNY",
    )


def test_two_bookings_at_once_both_accrue_on_one_statement(org, partner):
    one = _unsigned(org, partner, "600000")
    two = _unsigned(org, partner, "500000")

    def sign(contract):
        # Each racer loads its own rows, as two requests would (no instance shared by threads).
        def call():
            fresh = Contract.objects.get(pk=contract.pk)
            return contract_transition(contract=fresh, name="sign", by=org.rep).state

        return call

    assert race(sign(one), sign(two)) == ["signed", "signed"]
    statement = RebateStatement.objects.get()
    assert statement.volume == Decimal("1100000.00")
    # 1,100,000 is in the 3% tier for the whole quarter, whichever booking came first.
    assert statement.rebate == statement.amount == Decimal("33000.00")
    lines = RebateAccrual.objects.filter(period=statement)
    assert sum(line.amount for line in lines) == Decimal("33000.00")
    assert lines.count() == 2


def test_one_event_delivered_many_times_at_once_accrues_once(org, partner):
    contract = _unsigned(org, partner, "600000")
    contract_transition(contract=contract, name="sign", by=org.rep)

    def again():
        with transaction.atomic():
            hooks.emit("contract.signed", contract=contract, by=org.rep)

    stampede(again, times=8)
    assert RebateAccrual.objects.count() == 1
    assert RebateStatement.objects.get().amount == Decimal("12000.00")


def test_the_database_refuses_overlapping_tiers(org, partner):
    scheme_id = RebateTier.objects.values_list("scheme_id", flat=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        RebateTier.objects.create(
            scheme_id=scheme_id, lower=Decimal("500000"), upper=Decimal("700000"), rate_pct=1
        )
    # Inside the open last tier: refused too.
    with pytest.raises(IntegrityError), transaction.atomic():
        RebateTier.objects.create(scheme_id=scheme_id, lower=Decimal("9000000"), rate_pct=1)
