"""The close guard through the API: the close review opens (and closes the contract) only when
every deliverable is done, every delivery step reached, no change is open, every call-off
order closed and the later stages' checks pass — and says what is missing."""

import pytest

from contracts.models import Contract
from core import hooks
from core.models import GateReview

from .conftest import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid(monkeypatch):
    """Collections' close check, as the later stage registers it: a switchable stand-in."""
    state = {"missing": ["Payment milestone 验收款 is not settled (300000.00 outstanding)."]}
    monkeypatch.setitem(hooks._checks, "contracts.close", [lambda contract: list(state["missing"])])
    return state


def checklist(drive, user, contract):
    response = drive.api(user).get(f"/api/v1/contracts/{contract.pk}/close-checklist/")
    assert response.status_code == 200
    return response.json()


def open_close_review(drive, user, contract, expect=201):
    return drive.post(user, f"/api/v1/contracts/{contract.pk}/close-review/", expect=expect)


def test_the_close_review_opens_only_when_the_customer_accepted(org, drive, contract):
    drive.sign_and_accept(contract)
    refused = open_close_review(drive, org.fr, contract, expect=409)
    assert refused["code"] == "gate_not_ready"
    assert "accepted the delivery" in refused["message"]


def test_what_is_missing_is_named_and_refuses_the_close_review(org, drive, contract, unpaid):
    drive.deliver(contract)
    deliverable = drive.post(
        org.fr,
        "/api/v1/deliverables/",
        {"contract": contract.pk, "name": "Training", "due_on": str(days(3))},
        expect=201,
    )
    drive.milestone(contract, "warranty_end", days(700), name="Warranty end")
    change = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {"contract": contract.pk, "title": "Extra", "description": "x", "scope": "x"},
        expect=201,
    )
    missing = checklist(drive, org.rep, contract)
    assert missing == {
        "ready": False,
        "missing": [
            "Deliverable “Training” is not done.",
            f"Delivery milestone “Warranty end” is not reached (planned {days(700)}).",
            f"Change request {change['number']} is still open.",
            "Payment milestone 验收款 is not settled (300000.00 outstanding).",
        ],
    }
    refused = open_close_review(drive, org.fr, contract, expect=409)
    assert refused["code"] == "gate_not_ready"
    for item in missing["missing"]:
        assert item in refused["message"]
    assert not GateReview.objects.filter(kind="close").exists()

    drive.post(org.fr, f"/api/v1/deliverables/{deliverable['id']}/transitions/complete/")
    warranty = Contract.objects.get(pk=contract.pk).delivery_milestones.get(kind="warranty_end")
    drive.post(
        org.fr,
        f"/api/v1/delivery-milestones/{warranty.pk}/transitions/cancel/",
        {"reason": "Warranty handled by the framework agreement."},
    )
    drive.post(
        org.rep,
        f"/api/v1/change-requests/{change['id']}/transitions/withdraw/",
        {"reason": "The customer dropped it."},
    )
    assert checklist(drive, org.rep, contract)["missing"] == unpaid["missing"]
    unpaid["missing"] = []
    assert checklist(drive, org.rep, contract) == {"ready": True, "missing": []}
    drive.close(contract)
    assert Contract.objects.get(pk=contract.pk).state == "closed"


def test_a_go_decision_is_refused_if_something_went_missing_meanwhile(org, drive, contract, unpaid):
    unpaid["missing"] = []
    drive.deliver(contract)
    review = open_close_review(drive, org.fr, contract)
    drive.assess_all(review["id"], "close")
    unpaid["missing"] = ["Payment milestone 质保金 is not settled."]
    refused = drive.decide(org.manager, review["id"], expect=409)
    assert refused["code"] == "close_checklist"
    assert refused["fields"] == {"checklist": ["Payment milestone 质保金 is not settled."]}
    assert GateReview.objects.get(pk=review["id"]).state == "open"
    assert Contract.objects.get(pk=contract.pk).state == "delivered"


def test_stop_and_hold_leave_the_contract_delivered(org, drive, contract):
    drive.deliver(contract)
    review = open_close_review(drive, org.fr, contract)
    drive.decide(org.manager, review["id"], decision="hold", comment="Collect the retention.")
    assert Contract.objects.get(pk=contract.pk).state == "delivered"
    second = open_close_review(drive, org.fr, contract)
    assert second["round"] == 2
    drive.decide(org.manager, second["id"], decision="stop", comment="Not yet.")
    assert Contract.objects.get(pk=contract.pk).state == "delivered"


def test_a_framework_closes_only_after_its_call_off_orders(org, drive, contract, rule):
    Contract.objects.filter(pk=contract.pk).update(
        kind="framework", direct_basis="framework", direct_rule=rule("framework")
    )
    contract.refresh_from_db()
    drive.sign_and_accept(contract)
    order = drive.post(
        org.rep,
        "/api/v1/contracts/",
        {
            "title": "Call-off 1",
            "framework": contract.pk,
            "direct_rule": rule("call_off").pk,
            "amount": "100000.00",
            "signed_on": str(days(-1)),
            "sr": org.sr.pk,
            "fr": org.fr.pk,
        },
        expect=201,
    )
    drive.transition(org.fr, contract, "start_delivery")
    refused = drive.transition(org.fr, contract, "deliver", expect=409)
    assert refused["fields"]["delivery_plan"] == [
        f"Not delivered yet: {order['number']} Call-off 1."
    ]
    drive.transition(org.manager, Contract.objects.get(pk=order["id"]), "terminate", reason="x")
    drive.transition(org.fr, contract, "deliver")
    assert checklist(drive, org.fr, contract)["ready"] is True
