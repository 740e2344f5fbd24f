"""Direct contracts on the approval engine (ADR 14, ADR 17): with no chain defined (the
default) a direct contract waits for nobody, as before; once an administrator defines a
direct-contract chain, a direct contract is signed only after its request is approved."""

import pytest

from core.approvals.models import ApprovalChain, ApprovalRequest
from core.models import AuditEvent, Notification
from tests.factories import CustomerFactory

from .test_direct_contracts import URL, order, sign, small_orders  # noqa: F401

pytestmark = pytest.mark.django_db

MANAGER_ABOVE_50K = {
    "kind": "direct_contract",
    "name": "Direct contracts above 50,000",
    "steps": [
        {
            "name": "Team manager",
            "condition": {"min_amount": "50000", "currency": "CNY"},
            "approver": {"type": "role", "role": "sales_manager", "level": "nearest"},
        }
    ],
}


def chain(api, org, body=MANAGER_ABOVE_50K):
    response = api(org.admin).post("/api/v1/approval-chains/", body, format="json")
    assert response.status_code == 201, response.json()


def made(api, org, small_orders, **extra):  # noqa: F811
    customer = CustomerFactory(owner=org.rep)
    response = api(org.rep).post(URL, order(customer, small_orders, **extra), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def approval_of(contract_id):
    return ApprovalRequest.objects.get(kind="direct_contract", subject_id=contract_id)


def decide(api, user, approval, decision, comment=""):
    return api(user).post(
        f"/api/v1/approvals/{approval.pk}/decide/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def test_without_a_chain_nothing_waits_as_before(org, api, small_orders):  # noqa: F811
    contract = made(api, org, small_orders)
    assert not ApprovalRequest.objects.exists()
    assert not ApprovalChain.objects.filter(kind="direct_contract").exists()
    assert sign(api, org.rep, contract).status_code == 200


def test_with_a_chain_it_is_signed_once_approved(org, api, small_orders):  # noqa: F811
    chain(api, org)
    contract = made(api, org, small_orders)
    approval = approval_of(contract)
    assert approval.state == "pending" and approval.facts["basis"] == "small_order"
    assert [t.assignee for t in approval.tasks.all()] == [org.manager]
    assert Notification.objects.filter(recipient=org.manager, kind="approval.waiting").exists()
    refused = sign(api, org.rep, contract)
    assert refused.status_code == 409 and "direct_approval" in refused.json()["fields"]
    assert decide(api, org.rep, approval, "approve").status_code == 403  # never one's own
    assert decide(api, org.manager, approval, "approve", "fine").status_code == 200
    assert AuditEvent.objects.filter(target_id=contract, action="contract.direct_approval").exists()
    assert sign(api, org.rep, contract).status_code == 200


def test_a_rejected_direct_contract_is_not_signed(org, api, small_orders):  # noqa: F811
    chain(api, org)
    contract = made(api, org, small_orders)
    assert decide(api, org.manager, approval_of(contract), "reject", "no").status_code == 200
    refused = sign(api, org.rep, contract)
    assert refused.status_code == 409
    assert "Rejected" in refused.json()["fields"]["direct_approval"][0]


def test_a_step_whose_condition_does_not_match_lets_it_through(org, api, small_orders):  # noqa: F811
    chain(api, org)
    contract = made(api, org, small_orders, amount="20000.00")
    assert approval_of(contract).state == "approved"
    assert sign(api, org.rep, contract).status_code == 200


def test_terminating_the_draft_withdraws_its_approval(org, api, small_orders):  # noqa: F811
    chain(api, org)
    contract = made(api, org, small_orders)
    response = api(org.manager).post(
        f"{URL}{contract}/transitions/terminate/", {"reason": "lost"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert approval_of(contract).state == "withdrawn"
