"""Contract changes on the approval engine (ADR 11, ADR 17): the change review's decision is
the first step of the contract-change chain. With no chain defined (the default: the office's
authority) the office's go makes the amendment at once, as before (the pinned decisions are in
test_changes.py, unchanged); a company's chain puts its steps after the office (a chain defined
before that got the office's step first, migration ltc.0018): a later step approves, rejects
or sends back."""

from decimal import Decimal

import pytest

from contracts.models import ChangeRequest, Contract, ContractAmendment
from core.approvals.models import ApprovalRequest
from core.models import Notification

from .test_changes import delivering, raise_change, take_up  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_above_a_million(org, api):
    body = {
        "kind": "contract_change",
        "name": "Changes above 1,000,000",
        "steps": [
            {
                "name": "The office",
                "approver": {"type": "resolver", "name": "core.gate_authority"},
            },
            {
                "name": "Finance controller",
                "condition": {"min_amount": "1000000.01", "currency": "CNY"},
                "approver": {"type": "user", "user": org.finance.pk},
            },
        ],
    }
    response = api(org.admin).post("/api/v1/approval-chains/", body, format="json")
    assert response.status_code == 201, response.json()


def office_go(drive, org, contract, amount):
    change = raise_change(drive, org.rep, contract, new_amount=amount)
    review = take_up(drive, org, change["id"])
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk, comment="Office agrees.")
    return ChangeRequest.objects.get(pk=change["id"])


def approval_of(change):
    """The request of the change's (latest) review."""
    change.refresh_from_db()
    return ApprovalRequest.objects.filter(
        kind="contract_change", subject_type__model="gatereview", subject_id=change.review_id
    ).get()


def decide(api, user, approval, decision, comment=""):
    return api(user).post(
        f"/api/v1/approvals/{approval.pk}/decide/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def amount_of(contract):
    return Contract.objects.get(pk=contract.pk).amount


def test_without_a_chain_the_offices_go_amends_at_once(org, drive, delivering):  # noqa: F811
    contract = delivering[0]
    change = office_go(drive, org, contract, "1200000.00")
    assert change.state == "approved" and amount_of(contract) == Decimal("1200000.00")
    assert approval_of(change).state == "approved"  # the office's step, the only one


def test_a_later_step_follows_the_offices_go_and_decides(
    org,
    api,
    drive,
    delivering,  # noqa: F811
    finance_above_a_million,
):
    contract = delivering[0]
    change = office_go(drive, org, contract, "1200000.00")
    assert change.state == "in_review" and not ContractAmendment.objects.exists()
    assert amount_of(contract) == Decimal("1000000.00")
    approval = approval_of(change)
    assert approval.state == "pending" and approval.requester == org.fr  # who took it up
    assert approval.current_step.name == "Finance controller"
    assert Notification.objects.filter(recipient=org.finance, kind="approval.waiting").exists()
    assert decide(api, org.director, approval, "approve").status_code == 403  # asked it
    assert decide(api, org.finance, approval, "approve", "Margin holds.").status_code == 200
    change.refresh_from_db()
    assert change.state == "approved" and amount_of(contract) == Decimal("1200000.00")
    assert ContractAmendment.objects.get().approved_by == org.finance
    assert Notification.objects.filter(recipient=org.rep, kind="change.approved").exists()


def test_a_change_within_the_condition_is_amended_at_the_offices_go(
    org,
    drive,
    delivering,  # noqa: F811
    finance_above_a_million,
):
    contract = delivering[0]
    change = office_go(drive, org, contract, "1000000.00")
    assert change.state == "approved" and approval_of(change).state == "approved"
    assert ContractAmendment.objects.get().approved_by == org.director


def test_a_later_step_rejects_and_the_contract_stays(
    org,
    api,
    drive,
    delivering,  # noqa: F811
    finance_above_a_million,
):
    contract = delivering[0]
    change = office_go(drive, org, contract, "1200000.00")
    assert decide(api, org.finance, approval_of(change), "reject").status_code == 400
    assert decide(api, org.finance, approval_of(change), "reject", "Too thin.").status_code == 200
    change.refresh_from_db()
    assert change.state == "rejected" and change.state_reason == "Too thin."
    assert amount_of(contract) == Decimal("1000000.00") and not ContractAmendment.objects.exists()


def test_sent_back_it_is_reworked_reviewed_again_and_the_chain_runs_again(
    org,
    api,
    drive,
    delivering,  # noqa: F811
    finance_above_a_million,
):
    contract = delivering[0]
    change = office_go(drive, org, contract, "1200000.00")
    approval = approval_of(change)
    back = decide(api, org.finance, approval, "send_back", "Price the cabling.")
    assert back.status_code == 200
    change.refresh_from_db()
    assert change.state == "raised" and change.state_reason == "Price the cabling."
    # Not from the approval's page: the office reviews the reworked change first.
    again = api(org.fr).post(f"/api/v1/approvals/{approval.pk}/resubmit/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "approval_resubmit_elsewhere"
    review = take_up(drive, org, change.pk)
    assert review.round == 2
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk, comment="Cabling priced.")
    approval = approval_of(change)  # the new review's
    assert approval.state == "pending" and approval.current_step.name == "Finance controller"
    assert decide(api, org.finance, approval, "approve").status_code == 200
    assert ChangeRequest.objects.get(pk=change.pk).state == "approved"
    assert amount_of(contract) == Decimal("1200000.00")


def test_withdrawing_the_change_withdraws_its_approval(
    org,
    drive,
    delivering,  # noqa: F811
    finance_above_a_million,
):
    contract = delivering[0]
    change = office_go(drive, org, contract, "1200000.00")
    drive.post(
        org.rep,
        f"/api/v1/change-requests/{change.pk}/transitions/withdraw/",
        {"reason": "The customer dropped it."},
    )
    assert approval_of(change).state == "withdrawn"
    assert amount_of(contract) == Decimal("1000000.00")


def test_the_change_page_links_the_step_it_waits_at(
    org,
    client,
    drive,
    delivering,  # noqa: F811
    finance_above_a_million,
):
    change = office_go(drive, org, delivering[0], "1200000.00")
    client.force_login(org.finance)
    page = client.get(approval_of(change).get_absolute_url())
    assert page.status_code == 200 and 'name="decision"' in page.content.decode()
    client.force_login(org.rep)
    page = client.get(change.get_absolute_url()).content.decode()
    assert approval_of(change).get_absolute_url() in page and "Finance controller" in page
