"""Contract change (合同变更) through the API: raised from a customer's request; the FR
declines it or takes it up; the change review is always decided at the representative office;
go makes a versioned amendment that re-plans the contract, stop refuses it, hold sends it back.
Amendments keep the full history."""

from decimal import Decimal

import pytest

from contracts.models import ChangeRequest, Contract, ContractAmendment, DeliveryMilestone
from core.models import AuthorityRule, GateReview, Notification

from .conftest import days

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivering(org, drive, contract):
    """The contract in delivery with an arrival and an acceptance milestone planned."""
    drive.sign_and_accept(contract)
    arrival = drive.milestone(contract, "arrival", days(10))
    acceptance = drive.milestone(contract, "acceptance", days(40))
    drive.transition(org.fr, contract, "start_delivery")
    return contract, arrival, acceptance


def raise_change(drive, user, contract, **data):
    body = {
        "contract": contract.pk,
        "title": "Two more sites",
        "description": "The customer asks to add two sites.",
        **data,
    }
    return drive.post(user, "/api/v1/change-requests/", body, expect=201)


def change_transition(drive, user, change_id, name, expect=200, **data):
    return drive.post(
        user, f"/api/v1/change-requests/{change_id}/transitions/{name}/", data, expect=expect
    )


def take_up(drive, org, change_id):
    taken = change_transition(drive, org.fr, change_id, "take_up")
    assert taken["state"] == "in_review"
    return GateReview.objects.get(pk=taken["review"])


def test_raising_a_change_asks_the_fr_to_decide(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract, new_amount="1200000.00")
    assert change["state"] == "raised" and change["raised_by"] == str(org.rep)
    assert change["number"].startswith("CHG-")
    assert Notification.objects.filter(recipient=org.fr, kind="change.raised").exists()
    names = {t["name"] for t in change["available_transitions"]}
    assert "take_up" not in names  # the rep is not the FR
    fr_view = drive.api(org.fr).get(f"/api/v1/change-requests/{change['id']}/").json()
    assert {"take_up", "decline", "withdraw"} <= {
        t["name"] for t in fr_view["available_transitions"]
    }


def test_declined_by_the_fr_is_closed_with_the_reason(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract, scope="Add two sites")
    change_transition(drive, org.rep, change["id"], "decline", reason="x", expect=403)
    no_reason = change_transition(drive, org.fr, change["id"], "decline", expect=400)
    assert "reason" in no_reason["fields"]
    declined = change_transition(
        drive, org.fr, change["id"], "decline", reason="Out of the product's scope."
    )
    assert declined["state"] == "declined"
    assert declined["state_reason"] == "Out of the product's scope."
    assert not GateReview.objects.filter(kind="change").exists()
    assert Contract.objects.get(pk=contract.pk).amount == Decimal("1000000.00")
    assert Notification.objects.filter(recipient=org.rep, kind="change.decline").exists()
    again = change_transition(drive, org.fr, change["id"], "take_up", expect=409)
    assert again["code"] == "transition_not_allowed"


def test_taking_up_needs_a_proposal(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract)
    refused = change_transition(drive, org.fr, change["id"], "take_up", expect=409)
    assert refused["fields"] == {
        "proposal": ["Say what changes: the amount, the scope or the schedule."]
    }


def test_the_change_review_is_always_decided_at_the_representative_office(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract, new_amount="1010000.00")
    review = take_up(drive, org, change["id"])
    assert review.escalated and review.authority_unit == org.gd
    assert review.escalation_reasons == [{"code": "reason.change_office", "params": {}}]
    assert review.escalation_reasons_display == [
        "A contract change is always approved by the representative office."
    ]
    assert Notification.objects.filter(recipient=org.director, kind="gate.escalated").exists()
    drive.assess_all(review.pk, "change")
    refused = drive.decide(org.manager, review.pk, expect=403)  # team manager: no authority
    assert refused["code"] == "gate_authority"
    assert ChangeRequest.objects.get(pk=change["id"]).state == "in_review"
    drive.decide(org.other_region_manager, review.pk, expect=404)  # cannot even see it
    assert drive.decide(org.director, review.pk)["state"] == "go"


def test_refused_by_the_office_leaves_the_contract_unchanged(org, drive, delivering, events):
    contract, _arrival, acceptance = delivering
    change = raise_change(
        drive,
        org.rep,
        contract,
        new_amount="1500000.00",
        replans=[{"milestone": acceptance["id"], "planned_date": str(days(60))}],
    )
    review = take_up(drive, org, change["id"])
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk, decision="stop", comment="Price too low for the scope.")
    refused = ChangeRequest.objects.get(pk=change["id"])
    assert refused.state == "rejected" and refused.state_reason == "Price too low for the scope."
    contract.refresh_from_db()
    assert contract.amount == Decimal("1000000.00")
    assert DeliveryMilestone.objects.get(pk=acceptance["id"]).planned_date == days(40)
    assert not ContractAmendment.objects.exists()
    assert "contract.changed" not in events


def test_hold_sends_the_change_back_for_rework_and_a_new_round(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract, new_amount="1100000.00")
    review = take_up(drive, org, change["id"])
    drive.decide(org.director, review.pk, decision="hold", comment="Price the extra cabling.")
    back = drive.api(org.rep).get(f"/api/v1/change-requests/{change['id']}/").json()
    assert back["state"] == "raised" and back["state_reason"] == "Price the extra cabling."
    edited = drive.api(org.rep).patch(
        f"/api/v1/change-requests/{change['id']}/", {"new_amount": "1150000.00"}, format="json"
    )
    assert edited.status_code == 200
    second = take_up(drive, org, change["id"])
    assert second.round == 2 and second.escalated


def test_approved_change_amends_the_contract_and_replans_milestones(org, drive, delivering, events):
    contract, arrival, acceptance = delivering
    change = raise_change(
        drive,
        org.rep,
        contract,
        new_amount="1250000.00",
        cost_impact="150000.00",
        scope="Add the sites in Nansha and Panyu.",
        new_ends_on=str(days(400)),
        replans=[{"milestone": acceptance["id"], "planned_date": str(days(55))}],
    )
    review = take_up(drive, org, change["id"])
    assert review.facts["amount"] == "1250000.00" and review.facts["amount_before"] == "1000000.00"
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk, comment="Approved.")

    contract.refresh_from_db()
    assert contract.amount == Decimal("1250000.00")
    assert contract.planned_cost == Decimal("850000.00")
    assert contract.ends_on == days(400)
    moved = DeliveryMilestone.objects.get(pk=acceptance["id"])
    assert (moved.baseline_date, moved.planned_date) == (days(40), days(55))
    assert moved.replanned_days == 15
    assert DeliveryMilestone.objects.get(pk=arrival["id"]).planned_date == days(10)

    amendment = drive.api(org.rep).get(f"/api/v1/contract-amendments/?contract={contract.pk}")
    (v1,) = amendment.json()["results"]
    assert v1["version"] == 1 and v1["change_request"] == change["number"]
    assert (v1["amount_before"], v1["amount_after"], v1["amount_delta"]) == (
        "1000000.00",
        "1250000.00",
        "250000.00",
    )
    assert v1["replans"][0]["before"] == str(days(40))
    assert v1["replans"][0]["after"] == str(days(55))
    assert "Amount 1000000.00 → 1250000.00 CNY" in v1["summary"]

    (payload,) = events["contract.changed"]
    assert payload["contract"].pk == contract.pk and payload["by"] == org.director
    assert payload["amendment"].version == 1
    assert payload["amendment"].amount_before == Decimal("1000000.00")
    assert payload["amendment"].amount_after == Decimal("1250000.00")
    assert payload["amendment"].summary == v1["summary"]
    assert ChangeRequest.objects.get(pk=change["id"]).state == "approved"


def test_amendments_keep_the_full_history_and_the_signed_terms(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    signed_terms = Contract.objects.get(pk=contract.pk).terms
    for amount in ("1200000.00", "900000.00"):
        change = raise_change(drive, org.rep, contract, new_amount=amount, scope=f"To {amount}")
        review = take_up(drive, org, change["id"])
        drive.assess_all(review.pk, "change")
        drive.decide(org.director, review.pk)
    history = (
        drive.api(org.fr)
        .get(f"/api/v1/contract-amendments/?contract={contract.pk}&ordering=version")
        .json()["results"]
    )
    assert [(a["version"], a["amount_before"], a["amount_after"], a["scope"]) for a in history] == [
        (1, "1000000.00", "1200000.00", "To 1200000.00"),
        (2, "1200000.00", "900000.00", "To 900000.00"),
    ]
    contract.refresh_from_db()
    assert contract.amount == Decimal("900000.00") and contract.terms == signed_terms
    client = drive.api(org.admin)
    url = f"/api/v1/contract-amendments/{history[0]['id']}/"
    assert client.patch(url, {"amount_after": "1.00"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    with pytest.raises(PermissionError):
        ContractAmendment.objects.get(pk=history[0]["id"]).save()


def test_signed_terms_change_only_by_amendment(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    response = drive.api(org.rep).patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"amount": "2000000.00", "title": "Renamed is fine"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "signed_terms"
    assert list(response.json()["fields"]) == ["amount"]
    contract.refresh_from_db()
    assert contract.amount == Decimal("1000000.00") and contract.title != "Renamed is fine"
    ok = drive.api(org.rep).patch(
        f"/api/v1/contracts/{contract.pk}/", {"title": "Renamed is fine"}, format="json"
    )
    assert ok.status_code == 200


def test_bad_change_input_is_a_400_and_writes_nothing(org, drive, delivering):
    contract, arrival, _acceptance = delivering
    base = {"contract": contract.pk, "title": "x", "description": "x"}
    negative = drive.post(
        org.rep, "/api/v1/change-requests/", {**base, "new_amount": "-5"}, expect=400
    )
    assert list(negative["fields"]) == ["new_amount"]
    twice = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {
            **base,
            "replans": [
                {"milestone": arrival["id"], "planned_date": str(days(5))},
                {"milestone": arrival["id"], "planned_date": str(days(6))},
            ],
        },
        expect=400,
    )
    assert twice["fields"] == {"replans": [f"{arrival['name']} is re-planned twice."]}
    assert not ChangeRequest.objects.exists()


def test_a_reached_milestone_cannot_be_replanned_by_a_change(org, drive, delivering):
    contract, arrival, _acceptance = delivering
    change = raise_change(
        drive,
        org.rep,
        contract,
        replans=[{"milestone": arrival["id"], "planned_date": str(days(20))}],
    )
    review = take_up(drive, org, change["id"])
    drive.reach(arrival["id"])
    drive.assess_all(review.pk, "change")
    refused = drive.decide(org.director, review.pk, expect=409)
    assert refused["code"] == "replan_stale"
    assert GateReview.objects.get(pk=review.pk).state == "open"  # the decision rolled back
    assert not ContractAmendment.objects.exists()


def test_an_authority_rule_on_changes_still_needs_the_office(org, drive, delivering):
    AuthorityRule.objects.create(org_unit=org.hq, gate_kind="change", max_amount=Decimal("1"))
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract, new_amount="2000000.00")
    review = take_up(drive, org, change["id"])
    assert review.authority_unit == org.gd
    assert len(review.escalation_reasons) == 2


def test_the_rep_may_not_open_a_change_review_by_hand(org, drive, delivering):
    contract, _arrival, _acceptance = delivering
    change = raise_change(drive, org.rep, contract, new_amount="1.00")
    response = drive.api(org.rep).post(
        "/api/v1/gate-reviews/",
        {"subject_type": "changerequest", "subject_id": change["id"], "kind": "change"},
        format="json",
    )
    assert response.status_code == 400
    assert not GateReview.objects.exists()
