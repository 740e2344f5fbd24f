"""Write-offs: only with approval — a sales manager over the contract's unit or a finance user
granted "approve write-offs", never the requester; every refusal path answers clearly."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from core.models import AuditEvent, Notification
from receivables.models import WriteOffRequest
from receivables.selectors import reconciliation
from receivables.services import receipt_record, receipt_reverse

from .conftest import TODAY, milestones, pct_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(make_contract):
    return make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))


@pytest.fixture
def approver(org):
    """A finance user granted the approval permission."""
    from tests.factories import UserFactory

    user = UserFactory(username="fin_approver", role="finance", org_unit=org.south)
    user.user_permissions.add(Permission.objects.get(codename="approve_writeoff"))
    return user


def ask(api, user, milestone, reason="Customer in liquidation"):
    return api(user).post(
        "/api/v1/write-off-requests/",
        {"milestone": milestone.pk, "reason": reason},
        format="json",
    )


def decide(api, user, pk, action, **data):
    return api(user).post(f"/api/v1/write-off-requests/{pk}/{action}/", data, format="json")


def test_the_ar_asks_and_a_sales_manager_approves(org, api, contract):
    milestone = milestones(contract)[0]
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("600.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    asked = ask(api, org.rep, milestone)
    assert asked.status_code == 201, asked.json()
    request = asked.json()
    assert request["amount"] == "400.00" and request["state"] == "pending"
    assert Notification.objects.filter(recipient=org.manager, kind="write_off.requested").exists()
    assert Notification.objects.filter(recipient=org.director, kind="write_off.requested").exists()
    approved = decide(api, org.manager, request["id"], "approval", comment="Agreed with legal")
    assert approved.status_code == 200, approved.json()
    assert (
        approved.json()["state"] == "approved" and approved.json()["decided_by"] == org.manager.pk
    )
    milestone.refresh_from_db()
    assert milestone.state == "written_off"
    assert milestone.written_off_amount == Decimal("400.00") and milestone.outstanding == 0
    assert milestone.settled_at is not None
    assert AuditEvent.objects.filter(target_id=milestone.pk, transition="write_off").exists()
    assert Notification.objects.filter(recipient=org.rep, kind="write_off.approved").exists()
    assert reconciliation()["milestones"] == []


def test_a_finance_approver_may_approve(org, api, contract, approver):
    request = ask(api, org.rep, milestones(contract)[0]).json()
    assert decide(api, approver, request["id"], "approval").status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep", 403),  # the requester
        ("teammate", 403),  # a rep may not approve
        ("finance", 403),  # finance without the approval permission
        ("other_region_manager", 404),  # a manager of another region does not see it
        ("other_team_rep", 404),
    ],
)
def test_who_may_not_approve(org, api, contract, who, status):
    request = ask(api, org.rep, milestones(contract)[0]).json()
    response = decide(api, getattr(org, who), request["id"], "approval")
    assert response.status_code == status, response.json()
    assert WriteOffRequest.objects.get(pk=request["id"]).state == "pending"
    assert milestones(contract)[0].written_off_amount == 0


def test_the_requester_may_not_approve_even_as_a_manager(org, api, contract):
    request = ask(api, org.manager, milestones(contract)[0]).json()
    response = decide(api, org.manager, request["id"], "approval")
    assert response.status_code == 403
    assert "requester" in response.json()["message"]
    assert decide(api, org.director, request["id"], "approval").status_code == 200


def test_a_payment_after_the_request_makes_approval_a_conflict(org, api, contract):
    milestone = milestones(contract)[0]
    request = ask(api, org.rep, milestone).json()
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("100.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    response = decide(api, org.manager, request["id"], "approval")
    assert response.status_code == 409 and response.json()["code"] == "outstanding_changed"
    milestone.refresh_from_db()
    assert milestone.written_off_amount == 0 and milestone.state == "partly_paid"


def test_one_pending_request_per_milestone_and_decisions_are_final(org, api, contract):
    milestone = milestones(contract)[0]
    request = ask(api, org.rep, milestone).json()
    second = ask(api, org.rep, milestone)
    assert second.status_code == 409 and second.json()["code"] == "write_off_pending"
    no_reason = decide(api, org.manager, request["id"], "rejection")
    assert no_reason.status_code == 400
    rejected = decide(api, org.manager, request["id"], "rejection", reason="Keep chasing")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert decide(api, org.director, request["id"], "approval").status_code == 409
    assert Notification.objects.filter(recipient=org.rep, kind="write_off.rejected").exists()
    assert ask(api, org.rep, milestone).status_code == 201


def test_only_the_requester_withdraws(org, api, contract):
    request = ask(api, org.rep, milestones(contract)[0]).json()
    assert decide(api, org.manager, request["id"], "withdrawal").status_code == 403
    response = decide(api, org.rep, request["id"], "withdrawal")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_nothing_outstanding_nothing_to_write_off(org, api, contract):
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("1000.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    response = ask(api, org.rep, milestones(contract)[0])
    assert response.status_code == 409 and response.json()["code"] == "nothing_outstanding"


def test_a_reason_is_required_and_outsiders_cannot_ask(org, api, contract):
    milestone = milestones(contract)[0]
    assert ask(api, org.rep, milestone, reason="").status_code == 400
    assert ask(api, org.other_region_rep, milestone).status_code == 400  # unseen id
    assert ask(api, org.teammate, milestone).status_code == 403  # sees, may not change


def test_reversing_a_payment_on_a_written_off_milestone_reopens_it(org, api, contract):
    milestone = milestones(contract)[0]
    receipt = receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("600.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    request = ask(api, org.rep, milestone).json()
    decide(api, org.manager, request["id"], "approval")
    receipt_reverse(receipt=receipt, by=org.finance, reason="bounced")
    milestone.refresh_from_db()
    assert milestone.state == "due" and milestone.outstanding == Decimal("600.00")
    assert milestone.written_off_amount == Decimal("400.00")
    assert reconciliation()["milestones"] == []


def test_the_write_off_list_is_scoped(org, api, contract, make_contract):
    mine = ask(api, org.rep, milestones(contract)[0]).json()
    other = make_contract(
        amount="10.00", plan=pct_plan(("custom", 100, "on_signing", 0)), owner=org.other_region_rep
    )
    ask(api, org.other_region_rep, milestones(other)[0])
    seen = api(org.manager).get("/api/v1/write-off-requests/?state=pending").json()["results"]
    assert [r["id"] for r in seen] == [mine["id"]] and seen[0]["may_decide"] is True


def test_the_write_off_list_runs_a_constant_number_of_queries(
    org, api, make_contract, django_assert_max_num_queries
):
    for _n in range(5):
        contract = make_contract(amount="10.00", plan=pct_plan(("custom", 100, "on_signing", 0)))
        ask(api, org.rep, milestones(contract)[0])
    with django_assert_max_num_queries(6):
        rows = api(org.manager).get("/api/v1/write-off-requests/").json()["results"]
    assert len(rows) == 5
