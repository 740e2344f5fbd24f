"""Check-then-insert races on PostgreSQL: the same thing sent many times at once is recorded
once, and every loser gets the error a later, lone repeat gets (ADR 12).

Each test fires 20 identical requests through the API at the same instant (threads, each with
its own connection; see `racing.py`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from receivables.models import Receipt
from receivables.selectors import reconciliation
from tests.receivables.conftest import TODAY, pct_plan
from tests.trust.racing import stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]

BOOKS_BALANCE = {"milestones": [], "receipts": [], "contracts": [], "customers": []}


def statuses(responses) -> Counter:
    return Counter(r.status_code for r in responses)


def test_a_payment_arriving_twenty_times_at_once_is_recorded_once(org, api, make_contract):
    plan = pct_plan(("down_payment", 100, "on_signing", 0))
    contract = make_contract(amount="1000.00", plan=plan, signed_on=TODAY() - dt.timedelta(3))
    body = {
        "contract": contract.pk,
        "amount": "250.00",
        "received_on": str(TODAY()),
        "method": "bank_transfer",
        "bank_reference": "ICBC-20261207-0042",
    }

    responses = stampede(lambda: api(org.finance).post("/api/v1/receipts/", body, format="json"))

    assert statuses(responses) == {201: 1, 409: 19}, [r.json() for r in responses]
    number = next(r for r in responses if r.status_code == 201).json()["number"]
    for loser in (r.json() for r in responses if r.status_code == 409):
        assert loser["code"] == "duplicate_receipt" and number in loser["message"], loser
    assert Receipt.objects.filter(bank_reference=body["bank_reference"]).count() == 1
    assert reconciliation() == BOOKS_BALANCE


def test_identical_payments_recorded_at_once_on_purpose_are_all_kept(org, api, make_contract):
    contract = make_contract(amount="1000.00", signed_on=TODAY() - dt.timedelta(3))
    body = {
        "contract": contract.pk,
        "amount": "10.00",
        "received_on": str(TODAY()),
        "method": "bank_transfer",
        "bank_reference": "BOC-STANDING-ORDER",
        "allow_duplicate": True,
    }

    responses = stampede(
        lambda: api(org.finance).post("/api/v1/receipts/", body, format="json"), times=5
    )

    assert statuses(responses) == {201: 5}, [r.json() for r in responses]
    recorded = Receipt.objects.filter(bank_reference=body["bank_reference"])
    assert sorted(recorded.values_list("occurrence", flat=True)) == [1, 2, 3, 4, 5]
    assert reconciliation() == BOOKS_BALANCE
