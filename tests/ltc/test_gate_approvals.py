"""An escalated gate's go followed by the company's steps (ADR 17, kind `escalated_gate`),
driven through the contract-change review (always escalated to the office): with no chain
the go is recorded at once (the pinned gate tests, unchanged); with one the review waits,
the last approval records the decider's go, a rejection stop, a send-back hold."""

from decimal import Decimal

import pytest

from contracts.models import ChangeRequest, Contract
from core.approvals.models import ApprovalRequest
from core.models import GateReview, Notification
from tests.contracts.conftest import contract, drive  # noqa: F401
from tests.contracts.test_changes import delivering, raise_change, take_up  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def define(api, org, steps):
    body = {"kind": "escalated_gate", "name": "Second signature", "steps": steps}
    response = api(org.admin).post("/api/v1/approval-chains/", body, format="json")
    assert response.status_code == 201, response.json()


@pytest.fixture
def finance_signs(org, api):
    define(
        api, org, [{"name": "Finance signs", "approver": {"type": "user", "user": org.finance.pk}}]
    )


def office_go(drive, org, contract):  # noqa: F811
    change = raise_change(drive, org.rep, contract, new_amount="1200000.00")
    review = take_up(drive, org, change["id"])
    drive.assess_all(review.pk, "change")
    drive.decide(org.director, review.pk, comment="Office agrees.")
    return ChangeRequest.objects.get(pk=change["id"]), GateReview.objects.get(pk=review.pk)


def decide(api, user, approval, decision, comment=""):
    return api(user).post(
        f"/api/v1/approvals/{approval.pk}/decide/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def test_without_a_chain_the_go_is_recorded_at_once(org, drive, delivering):  # noqa: F811
    change, review = office_go(drive, org, delivering[0])
    assert review.state == "go" and change.state == "approved"
    assert not ApprovalRequest.objects.filter(kind="escalated_gate").exists()


def test_the_go_waits_for_the_step_then_is_the_deciders(
    org,
    api,
    drive,  # noqa: F811
    delivering,  # noqa: F811
    finance_signs,
):
    change, review = office_go(drive, org, delivering[0])
    assert review.state == "open" and change.state == "in_review"
    approval = ApprovalRequest.objects.get(kind="escalated_gate", subject_id=review.pk)
    assert approval.requester == org.director and approval.facts["go_comment"] == "Office agrees."
    assert Notification.objects.filter(recipient=org.finance, kind="approval.waiting").exists()
    again = drive.decide(org.director, review.pk, decision="stop", comment="No", expect=409)
    assert again["code"] == "gate_awaiting_approval"
    assert decide(api, org.finance, approval, "approve").status_code == 200
    review.refresh_from_db()
    assert review.state == "go" and review.decided_by == org.director
    assert review.decision_comment == "Office agrees."
    assert ChangeRequest.objects.get(pk=change.pk).state == "approved"
    assert Contract.objects.get(pk=delivering[0].pk).amount == Decimal("1200000.00")


def test_a_rejected_step_records_stop_and_a_send_back_hold(
    org,
    api,
    drive,  # noqa: F811
    delivering,  # noqa: F811
    finance_signs,
):
    change, review = office_go(drive, org, delivering[0])
    approval = ApprovalRequest.objects.get(kind="escalated_gate", subject_id=review.pk)
    assert decide(api, org.finance, approval, "send_back", "Price it again.").status_code == 200
    review.refresh_from_db()
    assert review.state == "hold" and review.decided_by == org.director
    assert review.decision_comment == "Price it again."
    assert ChangeRequest.objects.get(pk=change.pk).state == "raised"
    resubmit = api(org.director).post(
        f"/api/v1/approvals/{approval.pk}/resubmit/", {}, format="json"
    )
    assert resubmit.status_code == 409 and resubmit.json()["code"] == "approval_resubmit_elsewhere"

    second = take_up(drive, org, change.pk)
    drive.assess_all(second.pk, "change")
    drive.decide(org.director, second.pk, comment="Priced.")
    approval = ApprovalRequest.objects.get(kind="escalated_gate", subject_id=second.pk)
    assert decide(api, org.finance, approval, "reject", "Too thin.").status_code == 200
    second.refresh_from_db()
    assert second.state == "stop" and second.decision_comment == "Too thin."
    assert ChangeRequest.objects.get(pk=change.pk).state == "rejected"


def test_the_decider_withdraws_and_may_decide_again(
    org,
    api,
    drive,  # noqa: F811
    delivering,  # noqa: F811
    finance_signs,
):
    change, review = office_go(drive, org, delivering[0])
    approval = ApprovalRequest.objects.get(kind="escalated_gate", subject_id=review.pk)
    assert (
        api(org.director)
        .post(f"/api/v1/approvals/{approval.pk}/withdraw/", {}, format="json")
        .status_code
        == 200
    )
    review.refresh_from_db()
    assert review.state == "open"
    drive.decide(org.director, review.pk, decision="stop", comment="On reflection, no.")
    assert ChangeRequest.objects.get(pk=change.pk).state == "rejected"


def test_a_step_may_ask_all_the_managers_with_the_gates_authority(
    org,
    api,
    drive,  # noqa: F811
    delivering,  # noqa: F811
):
    deputy = UserFactory(username="deputy", role="sales_manager", org_unit=org.gd)
    define(
        api,
        org,
        [
            {
                "name": "The office's managers",
                "approver": {"type": "resolver", "name": "core.gate_authority"},
                "mode": "all_of",
            }
        ],
    )
    change, review = office_go(drive, org, delivering[0])
    approval = ApprovalRequest.objects.get(kind="escalated_gate", subject_id=review.pk)
    # The director decided; the office's other manager is asked (never the decider).
    assert [t.assignee for t in approval.tasks.all()] == [deputy]
    assert decide(api, org.manager, approval, "approve").status_code == 403  # team: no authority
    assert decide(api, deputy, approval, "approve").status_code == 200
    review.refresh_from_db()
    assert review.state == "go" and ChangeRequest.objects.get(pk=change.pk).state == "approved"


def test_the_review_page_links_the_step_instead_of_the_decision_form(
    org,
    client,
    drive,  # noqa: F811
    delivering,  # noqa: F811
    finance_signs,
):
    _change, review = office_go(drive, org, delivering[0])
    approval = ApprovalRequest.objects.get(kind="escalated_gate", subject_id=review.pk)
    client.force_login(org.director)
    page = client.get(review.get_absolute_url()).content.decode()
    assert approval.get_absolute_url() in page and 'value="decide"' not in page
