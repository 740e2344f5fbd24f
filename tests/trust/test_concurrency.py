"""Real concurrent requests on PostgreSQL (threads, each with its own connection): two users
taking conflicting actions at once give exactly one winner and one clear refusal.

The gate race (two deciders) is tests/ltc/test_gates.py::test_two_deciders_racing_give_exactly_
one_decision; the quote approval race is in tests/opportunities/test_quotes_api.py."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from receivables.api import views as api_views
from receivables.models import Receipt
from receivables.selectors import reconciliation
from tests.factories import LeadFactory
from tests.receivables.conftest import TODAY, milestones, pct_plan, reach
from tests.trust.racing import TIMEOUT, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_edits_of_the_same_version_give_one_winner_and_one_409(org, api):
    lead = LeadFactory(owner=org.rep, title="Original")
    url = f"/api/v1/leads/{lead.pk}/"
    version = api(org.rep).get(url).json()["version"]

    def edit(user, title):
        return lambda: api(user).patch(
            url, {"title": title}, format="json", HTTP_IF_MATCH=f'"{version}"'
        )

    responses = race(edit(org.rep, "By rep"), edit(org.manager, "By manager"))
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "stale_version"
    lead.refresh_from_db()
    winner = next(r for r in responses if r.status_code == 200)
    assert lead.title == winner.json()["title"] and lead.version == version + 1


def test_two_allocations_of_the_same_credit_never_exceed_the_receipt(
    org, api, make_contract, monkeypatch
):
    plan = pct_plan(("down_payment", 50, "on_signing", 0), ("arrival", 50, "on_arrival", 0))
    contract = make_contract(amount="1000.00", plan=plan, signed_on=TODAY() - dt.timedelta(10))
    reach(contract, "arrival", TODAY() - dt.timedelta(days=5))
    down, arrival = milestones(contract)
    created = api(org.finance).post(
        "/api/v1/receipts/",
        {
            "contract": contract.pk,
            "amount": "500.00",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
            "allocations": [{"milestone": down.pk, "amount": "100.00"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    receipt_id = created.json()["id"]
    url = f"/api/v1/receipts/{receipt_id}/allocations/"

    def allocate(user, milestone):
        body = {"allocations": [{"milestone": milestone.pk, "amount": "300.00"}]}
        return lambda: api(user).post(url, body, format="json")

    # Asking alone for more than the receipt holds is the user's mistake: 400, nothing written.
    alone = api(org.finance).post(
        url, {"allocations": [{"milestone": arrival.pk, "amount": "450.00"}]}, format="json"
    )
    assert alone.status_code == 400 and "allocations" in alone.json()["fields"], alone.json()

    # Each of these fits the 400.00 left, together they do not: the loser lost a race, 409.
    # Both racers read the receipt (what they saw) before either allocates: a racer the
    # scheduler held back until the other had committed would see 100.00 left and rightly get
    # the 400 above, which is not the race this test is about.
    both_have_read = threading.Barrier(2, timeout=TIMEOUT)
    allocate_now = api_views.receipt_allocate

    def after_both_read(**kwargs):
        both_have_read.wait()
        return allocate_now(**kwargs)

    monkeypatch.setattr(api_views, "receipt_allocate", after_both_read)
    responses = race(allocate(org.finance, down), allocate(org.admin, arrival))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.json() for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "receipt_changed" and "allocations" in loser["fields"], loser
    receipt = Receipt.objects.get(pk=receipt_id)
    assert receipt.allocated_amount == Decimal("400.00")
    assert receipt.unapplied_amount == Decimal("100.00")
    assert reconciliation() == {"milestones": [], "receipts": [], "contracts": [], "customers": []}
