"""Helpers for the key-account tests: a movable clock, and contracts and receipts made through
the real services so that orders, revenue and collections come from real records."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from contracts.scripted import contract_run_to
from contracts.services import contract_transition
from opportunities.models import Opportunity
from receivables.services import receipt_record
from tests.factories import ContractFactory, CustomerFactory, OpportunityFactory, team


@contextlib.contextmanager
def on_day(day: dt.date, hour: int = 10):
    """Run the block as if it were `day` (the project's clock is Django's timezone.now)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def clock():
    return on_day


@pytest.fixture
def deal(org):
    """`deal(owner, customer=..., amount=..., signed_on=..., delivered_on=..., product_line=...)`:
    a contract signed (and optionally delivered) through the contract services."""

    def make(
        owner,
        *,
        customer=None,
        amount="1000000.00",
        signed_on=None,
        delivered_on=None,
        product_line=None,
        currency="CNY",
        ends_on=None,
        unit=None,
    ):
        customer = customer or CustomerFactory(owner=owner)
        opportunity = None
        if product_line is not None:
            opportunity = OpportunityFactory(
                owner=owner, customer=customer, product_line=product_line, state="won"
            )
        contract = ContractFactory(
            owner=owner,
            customer=customer,
            amount=Decimal(amount),
            currency=currency,
            opportunity=opportunity,
            ends_on=ends_on,
            org_unit=unit or owner.org_unit,
            team=team(ar=owner, fr=org.fr),
        )
        if signed_on is not None:
            contract.signed_on = signed_on
            contract.save(update_fields=["signed_on"])
            with on_day(signed_on):
                contract_transition(contract=contract, name="sign", by=owner)
        if delivered_on is not None:
            with on_day(delivered_on):
                contract_run_to(contract, "delivered")
        contract.refresh_from_db()
        return contract

    return make


@pytest.fixture
def receipt(org):
    def make(contract, amount, received_on):
        with on_day(max(received_on, timezone.localdate())):
            return receipt_record(
                by=org.finance,
                contract=contract,
                amount=Decimal(amount),
                received_on=received_on,
                method="bank_transfer",
            )

    return make


def opportunity(owner, *, amount, state="identified", close=None, product_line="", **kw):
    return OpportunityFactory(
        owner=owner,
        amount=Decimal(amount),
        state=state,
        expected_close_date=close,
        product_line=product_line,
        **kw,
    )


__all__ = ["Opportunity", "on_day", "opportunity"]
