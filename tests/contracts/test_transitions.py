"""Every transition of the contract's state machine through the API: draft → signed →
accepted (joint confirmation) → in delivery → delivered → closed (close review only) →
evaluated (evaluation only); suspended and terminated by a manager with a reason."""

import pytest

from contracts.models import ChangeRequest, Contract
from core.models import AuditEvent, GateReview

from .conftest import days

pytestmark = pytest.mark.django_db


def state(contract) -> str:
    return Contract.objects.get(pk=contract.pk).state


def test_sign_needs_a_signing_date_and_an_amount(org, drive, contract, events):
    contract.signed_on, contract.amount = None, 0
    contract.save()
    refused = drive.transition(org.rep, contract, "sign", expect=409)
    assert set(refused["fields"]) == {"signed_on", "amount"}
    drive.api(org.rep).patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"signed_on": str(days(-1)), "amount": "500000.00"},
        format="json",
    )
    signed = drive.transition(org.rep, contract, "sign")
    assert signed["state"] == "signed"
    assert [e["contract"].pk for e in events["contract.signed"]] == [contract.pk]
    assert events["contract.state_changed"][0]["to_state"] == "signed"


def test_acceptance_is_a_joint_confirmation_naming_who_has_not_confirmed(org, drive, contract):
    drive.transition(org.rep, contract, "sign")
    refused = drive.transition(org.rep, contract, "accept", expect=409)
    assert refused["fields"] == {
        "sales_confirmation": ["Sales (the AR) has not confirmed the contract content yet."],
        "delivery_confirmation": ["Delivery (the FR) has not confirmed the contract content yet."],
    }
    after_ar = drive.post(org.rep, f"/api/v1/contracts/{contract.pk}/confirm/")
    assert after_ar["state"] == "signed" and after_ar["sales_confirmed_by"] == org.rep.pk
    refused = drive.transition(org.fr, contract, "accept", expect=409)
    assert list(refused["fields"]) == ["delivery_confirmation"]
    again = drive.post(org.rep, f"/api/v1/contracts/{contract.pk}/confirm/", expect=409)
    assert again["code"] == "already_confirmed"
    accepted = drive.post(org.fr, f"/api/v1/contracts/{contract.pk}/confirm/")
    assert accepted["state"] == "accepted"
    assert accepted["delivery_confirmed_by"] == org.fr.pk
    actions = list(
        AuditEvent.objects.filter(target_id=contract.pk, action__in=["contract.confirmed"])
    )
    assert len(actions) == 2


def test_only_the_ar_and_fr_confirm_and_only_a_signed_contract(org, drive, contract):
    early = drive.post(org.rep, f"/api/v1/contracts/{contract.pk}/confirm/", expect=409)
    assert early["code"] == "not_signed"
    drive.transition(org.rep, contract, "sign")
    for outsider in (org.sr, org.manager):
        drive.post(outsider, f"/api/v1/contracts/{contract.pk}/confirm/", expect=403)
    assert state(contract) == "signed"


def test_delivery_starts_only_with_a_delivery_plan(org, drive, contract):
    drive.sign_and_accept(contract)
    refused = drive.transition(org.fr, contract, "start_delivery", expect=409)
    assert refused["fields"] == {
        "delivery_plan": ["Plan the delivery first: there are no delivery milestones."]
    }
    drive.milestone(contract, "arrival", days(10))
    assert drive.transition(org.fr, contract, "start_delivery")["state"] == "in_delivery"


def test_delivered_needs_every_step_up_to_acceptance_reached_and_names_them(org, drive, contract):
    drive.sign_and_accept(contract)
    arrival = drive.milestone(contract, "arrival", days(-3), name="Arrival at site A")
    drive.transition(org.fr, contract, "start_delivery")
    refused = drive.transition(org.fr, contract, "deliver", expect=409)
    assert refused["fields"]["delivery_plan"] == [
        "The plan has no “Customer acceptance” milestone."
    ]
    acceptance = drive.milestone(contract, "acceptance", days(-1))
    drive.milestone(contract, "warranty_end", days(700))  # warranty does not hold delivery up
    refused = drive.transition(org.fr, contract, "deliver", expect=409)
    assert refused["fields"]["delivery_plan"] == [
        f"Not reached yet: Arrival at site A (planned {days(-3)}).",
        f"Not reached yet: Customer acceptance (planned {days(-1)}).",
    ]
    drive.reach(arrival["id"])
    drive.reach(acceptance["id"])
    assert drive.transition(org.fr, contract, "deliver")["state"] == "delivered"


def test_close_runs_only_through_the_close_review(org, drive, contract, events):
    drive.deliver(contract)
    direct = drive.transition(org.fr, contract, "close", expect=409)
    assert direct["code"] == "transition_internal"
    drive.close(contract)
    assert state(contract) == "closed"
    assert events["contract.state_changed"][-1]["to_state"] == "closed"


def test_evaluated_only_through_an_evaluation(org, drive, contract):
    drive.deliver(contract)
    drive.close(contract)
    direct = drive.transition(org.fr, contract, "evaluate", expect=409)
    assert direct["code"] == "transition_internal"
    drive.post(
        org.fr,
        "/api/v1/contract-evaluations/",
        {"contract": contract.pk, "acceptance_rating": "smooth", "lessons_learnt": "Fine."},
        expect=201,
    )
    assert state(contract) == "evaluated"


def test_suspend_and_resume_need_a_manager_and_a_reason(org, drive, contract):
    drive.sign_and_accept(contract)
    assert drive.transition(org.rep, contract, "suspend", reason="x", expect=403)
    no_reason = drive.transition(org.manager, contract, "suspend", expect=400)
    assert "reason" in no_reason["fields"]
    suspended = drive.transition(org.manager, contract, "suspend", reason="Customer site closed")
    assert suspended["state"] == "suspended"
    assert suspended["state_reason"] == "Customer site closed"
    drive.transition(org.rep, contract, "resume", expect=403)
    resumed = drive.transition(org.manager, contract, "resume")
    assert resumed["state"] == "accepted" and resumed["state_reason"] == ""


def test_terminate_needs_a_manager_and_withdraws_open_changes_and_reviews(org, drive, contract):
    drive.sign_and_accept(contract)
    raised = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {"contract": contract.pk, "title": "More", "description": "More", "scope": "More"},
        expect=201,
    )
    in_review = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {"contract": contract.pk, "title": "Less", "description": "Less", "new_amount": "9.00"},
        expect=201,
    )
    drive.post(org.fr, f"/api/v1/change-requests/{in_review['id']}/transitions/take_up/")
    drive.transition(org.rep, contract, "terminate", reason="x", expect=403)
    terminated = drive.transition(
        org.manager, contract, "terminate", reason="Customer went bankrupt"
    )
    assert terminated["state"] == "terminated"
    assert set(
        ChangeRequest.objects.filter(pk__in=[raised["id"], in_review["id"]]).values_list(
            "state", flat=True
        )
    ) == {"withdrawn"}
    assert not GateReview.objects.filter(state="open").exists()
    assert GateReview.objects.get(subject_id=in_review["id"], kind="change").state == "withdrawn"


def test_a_transition_from_the_wrong_state_is_409_and_changes_nothing(org, drive, contract):
    refused = drive.transition(org.fr, contract, "deliver", expect=409)
    assert refused["code"] == "transition_not_allowed"
    assert state(contract) == "draft"


def test_available_transitions_follow_the_guards(org, drive, contract):
    drive.transition(org.rep, contract, "sign")
    body = drive.api(org.rep).get(f"/api/v1/contracts/{contract.pk}/").json()
    assert "accept" not in {t["name"] for t in body["available_transitions"]}
    manager = drive.api(org.manager).get(f"/api/v1/contracts/{contract.pk}/").json()
    assert {"suspend", "terminate"} <= {t["name"] for t in manager["available_transitions"]}
