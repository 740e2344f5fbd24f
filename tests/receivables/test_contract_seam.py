"""The seam between contract execution and collections, driven through the API on both sides:
a delivery milestone reached makes its payment due, an approved change re-plans what is still
owed, and the close review waits until the money is in."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import GateReview
from tests.contracts.conftest import Driver, days
from tests.contracts.conftest import contract as contract  # a fixture
from tests.contracts.conftest import media_root as media_root  # autouse fixture

from .conftest import milestones

pytestmark = pytest.mark.django_db

PLAN = [
    {"kind": "down_payment", "percentage": "30", "trigger": "on_signing"},
    {"kind": "arrival", "percentage": "70", "trigger": "on_arrival", "credit_days": 30},
]


@pytest.fixture
def drive(api, org):
    return Driver(api, org)


@pytest.fixture
def delivering(org, drive, contract):
    """The contract with its payment plan, signed, accepted, in delivery, arrival planned."""
    drive.post(
        org.rep, "/api/v1/payment-plans/", {"contract": contract.pk, "milestones": PLAN}, 201
    )
    drive.sign_and_accept(contract)
    arrival = drive.milestone(contract, "arrival", days(5))
    drive.transition(org.fr, contract, "start_delivery")
    return contract, arrival


def pay(drive, org, contract, amount):
    return drive.post(
        org.finance,
        "/api/v1/receipts/",
        {
            "contract": contract.pk,
            "amount": amount,
            "received_on": str(days(0)),
            "method": "bank_transfer",
        },
        201,
    )


def test_reaching_arrival_makes_the_arrival_payment_due(org, drive, delivering):
    contract, arrival = delivering
    down, arrival_payment = milestones(contract)
    assert down.state == "due" and arrival_payment.state == "planned"
    drive.reach(arrival["id"], actual_date=str(days(-1)))
    arrival_payment.refresh_from_db()
    assert arrival_payment.state == "due"
    assert arrival_payment.due_date == days(-1) + dt.timedelta(days=30)


def test_an_approved_change_replans_what_is_still_owed(org, drive, delivering):
    contract, _arrival = delivering
    pay(drive, org, contract, "300000.00")  # the down payment
    change = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {
            "contract": contract.pk,
            "title": "More sites",
            "description": "x",
            "new_amount": "1100000.00",
        },
        201,
    )
    taken = drive.post(org.fr, f"/api/v1/change-requests/{change['id']}/transitions/take_up/")
    review = GateReview.objects.get(pk=taken["review"])
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk)
    assert [(m.state, m.amount) for m in milestones(contract)] == [
        ("paid", Decimal("300000.00")),
        ("planned", Decimal("800000.00")),
    ]


def test_the_close_review_waits_for_the_money(org, drive, delivering):
    contract, arrival = delivering
    drive.reach(arrival["id"], actual_date=str(days(-1)))
    acceptance = drive.milestone(contract, "acceptance", days(-1))
    drive.reach(acceptance["id"], actual_date=str(days(-1)))
    drive.transition(org.fr, contract, "deliver")
    checklist = drive.api(org.fr).get(f"/api/v1/contracts/{contract.pk}/close-checklist/").json()
    assert len(checklist["missing"]) == 2 and not checklist["ready"]
    refused = drive.post(org.fr, f"/api/v1/contracts/{contract.pk}/close-review/", expect=409)
    assert refused["code"] == "gate_not_ready"
    pay(drive, org, contract, "1000000.00")
    checklist = drive.api(org.fr).get(f"/api/v1/contracts/{contract.pk}/close-checklist/").json()
    assert checklist["missing"] == [] and checklist["ready"]
    drive.close(contract)
