"""Write-offs on the approval engine (ADR 17, issue 20.3): the default chain is today's rule,
an administrator's second step is asked and decides, send-back and resubmit, withdrawal both
ways, and the engine's inbox, endpoints and pages decide write-offs as the write-off
endpoints do (the pinned decisions are in test_writeoffs.py, unchanged)."""

from decimal import Decimal

import pytest

from core.approvals.models import ApprovalChain, ApprovalRequest, ApprovalTask
from core.models import Notification
from receivables.models import WriteOffRequest
from receivables.services import receipt_record

from .conftest import TODAY, milestones, pct_plan

pytestmark = pytest.mark.django_db

WRITE_OFF_APPROVERS = {"type": "resolver", "name": "receivables.write_off_approvers"}


@pytest.fixture
def contract(make_contract):
    return make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))


def ask(api, user, contract, reason="Customer in liquidation"):
    response = api(user).post(
        "/api/v1/write-off-requests/",
        {"milestone": milestones(contract)[0].pk, "reason": reason},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return WriteOffRequest.objects.get(pk=response.json()["id"])


def approval_of(write_off):
    return ApprovalRequest.objects.filter(kind="write_off", subject_id=write_off.pk).get()


def engine(api, user, approval, action, **data):
    return api(user).post(f"/api/v1/approvals/{approval.pk}/{action}/", data, format="json")


def endpoint(api, user, write_off, action, **data):
    return api(user).post(
        f"/api/v1/write-off-requests/{write_off.pk}/{action}/", data, format="json"
    )


def written_off(contract) -> Decimal:
    return milestones(contract)[0].written_off_amount


def test_the_default_chain_is_todays_approvers_and_the_engine_decides_it(org, api, contract):
    write_off = ask(api, org.rep, contract)
    chain = ApprovalChain.objects.get(kind="write_off", active=True)
    assert [s.approver for s in chain.steps] == [WRITE_OFF_APPROVERS]
    approval = approval_of(write_off)
    assert approval.state == "pending" and approval.requester == org.rep
    assert {t.assignee for t in approval.tasks.all()} == {org.manager, org.director}
    assert approval.facts["amount"] == "1000.00" and approval.facts["currency"] == "CNY"
    waiting = api(org.manager).get("/api/v1/approvals/?waiting_on=me").json()["results"]
    assert [r["id"] for r in waiting] == [approval.pk] and waiting[0]["may_decide"] is True
    # Not asked and not an approver: the engine refuses as the write-off endpoint does.
    assert engine(api, org.teammate, approval, "decide", decision="approve").status_code in (
        403,
        404,
    )
    done = engine(api, org.director, approval, "decide", decision="approve", comment="Agreed")
    assert done.status_code == 200, done.json()
    write_off.refresh_from_db()
    assert write_off.state == "approved" and write_off.decided_by == org.director
    assert write_off.decision_comment == "Agreed"
    assert written_off(contract) == Decimal("1000.00")
    assert milestones(contract)[0].state == "written_off"
    assert Notification.objects.filter(recipient=org.rep, kind="write_off.approved").exists()


def test_an_administrators_second_step_is_asked_after_the_first_and_decides(org, api, contract):
    defined = api(org.admin).post(
        "/api/v1/approval-chains/",
        {
            "kind": "write_off",
            "name": "Write-off, finance above 500",
            "steps": [
                {"name": "Managers", "approver": WRITE_OFF_APPROVERS},
                {
                    "name": "Finance controller",
                    "condition": {"min_amount": "500", "currency": "CNY"},
                    "approver": {"type": "user", "user": org.finance.pk},
                },
            ],
        },
        format="json",
    )
    assert defined.status_code == 201, defined.json()
    write_off = ask(api, org.rep, contract)
    approval = approval_of(write_off)
    assert not Notification.objects.filter(recipient=org.finance).exists()

    first = endpoint(api, org.manager, write_off, "approval", comment="Agreed")
    assert first.status_code == 200, first.json()
    assert first.json()["state"] == "pending"  # one step of two: nothing written off yet
    assert written_off(contract) == 0
    approval.refresh_from_db()
    assert approval.state == "pending" and approval.current_step.name == "Finance controller"
    assert Notification.objects.filter(recipient=org.finance, kind="write_off.requested").exists()
    # The first step's approvers may not decide the second.
    again = endpoint(api, org.director, write_off, "approval")
    assert again.status_code == 403 and again.json()["code"] == "approval_not_yours"
    assert engine(api, org.director, approval, "decide", decision="approve").status_code == 403

    last = engine(api, org.finance, approval, "decide", decision="approve", comment="Checked")
    assert last.status_code == 200, last.json()
    write_off.refresh_from_db()
    assert write_off.state == "approved" and write_off.decided_by == org.finance
    assert written_off(contract) == Decimal("1000.00")
    decided = ApprovalTask.objects.filter(request=approval, outcome="approved")
    assert sorted(t.assignee.username for t in decided) == ["finance", "manager"]


def test_a_small_write_off_skips_the_conditional_step(org, api, make_contract):
    api(org.admin).post(
        "/api/v1/approval-chains/",
        {
            "kind": "write_off",
            "name": "Two steps",
            "steps": [
                {"name": "Managers", "approver": WRITE_OFF_APPROVERS},
                {
                    "name": "Finance controller",
                    "condition": {"min_amount": "500", "currency": "CNY"},
                    "approver": {"type": "user", "user": org.finance.pk},
                },
            ],
        },
        format="json",
    )
    small = make_contract(amount="100.00", plan=pct_plan(("custom", 100, "on_signing", 0)))
    write_off = ask(api, org.rep, small)
    assert endpoint(api, org.manager, write_off, "approval").status_code == 200
    write_off.refresh_from_db()
    assert write_off.state == "approved" and written_off(small) == Decimal("100.00")


def test_sent_back_it_waits_for_its_requester_who_submits_it_again(org, api, contract):
    write_off = ask(api, org.rep, contract)
    approval = approval_of(write_off)
    no_reason = engine(api, org.manager, approval, "decide", decision="send_back")
    assert no_reason.status_code == 400
    back = engine(
        api, org.manager, approval, "decide", decision="send_back", comment="Attach the ruling"
    )
    assert back.status_code == 200 and back.json()["state"] == "sent_back"
    write_off.refresh_from_db()
    assert write_off.state == "pending" and written_off(contract) == 0
    assert Notification.objects.filter(recipient=org.rep, kind="write_off.sent_back").exists()
    # While it is back with the requester, nobody decides it, on either surface.
    waiting = endpoint(api, org.director, write_off, "approval")
    assert waiting.status_code == 409 and waiting.json()["code"] == "approval_not_pending"
    assert engine(api, org.manager, approval, "resubmit").status_code == 403  # not the requester
    assert (
        api(org.rep)
        .post(
            "/api/v1/write-off-requests/",
            {"milestone": milestones(contract)[0].pk, "reason": "again"},
            format="json",
        )
        .json()["code"]
        == "write_off_pending"
    )

    told = Notification.objects.filter(recipient=org.manager, kind="write_off.requested").count()
    again = engine(api, org.rep, approval, "resubmit", comment="Ruling attached")
    assert again.status_code == 200 and again.json()["state"] == "pending"
    assert again.json()["round"] == 2
    assert (
        Notification.objects.filter(recipient=org.manager, kind="write_off.requested").count()
        == told + 1
    )
    assert endpoint(api, org.manager, write_off, "approval").status_code == 200
    write_off.refresh_from_db()
    assert write_off.state == "approved" and written_off(contract) == Decimal("1000.00")


def test_the_engine_rejects_as_the_endpoint_does(org, api, contract):
    write_off = ask(api, org.rep, contract)
    approval = approval_of(write_off)
    response = engine(api, org.director, approval, "decide", decision="reject", comment="Chase")
    assert response.status_code == 200 and response.json()["state"] == "rejected"
    write_off.refresh_from_db()
    assert write_off.state == "rejected" and write_off.decided_by == org.director
    assert write_off.decision_comment == "Chase"
    assert Notification.objects.filter(recipient=org.rep, kind="write_off.rejected").exists()
    assert endpoint(api, org.manager, write_off, "approval").json()["code"] == "already_decided"


def test_a_payment_after_the_request_stops_the_engines_approval_too(org, api, contract):
    write_off = ask(api, org.rep, contract)
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("100.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    approval = approval_of(write_off)
    response = engine(api, org.manager, approval, "decide", decision="approve")
    assert response.status_code == 409 and response.json()["code"] == "outstanding_changed"
    approval.refresh_from_db()
    write_off.refresh_from_db()
    assert approval.state == "pending" and write_off.state == "pending"
    assert not ApprovalTask.objects.filter(request=approval, outcome="approved").exists()
    assert written_off(contract) == 0


def test_withdrawing_either_way_withdraws_both(org, api, contract, make_contract):
    write_off = ask(api, org.rep, contract)
    approval = approval_of(write_off)
    assert engine(api, org.manager, approval, "withdraw").status_code == 403
    assert engine(api, org.rep, approval, "withdraw").status_code == 200
    write_off.refresh_from_db()
    assert write_off.state == "withdrawn"

    other = make_contract(amount="10.00", plan=pct_plan(("custom", 100, "on_signing", 0)))
    second = ask(api, org.rep, other)
    assert endpoint(api, org.rep, second, "withdrawal").status_code == 200
    assert approval_of(second).state == "withdrawn"
    assert not ApprovalTask.objects.filter(request=approval_of(second), outcome="").exists()


def test_the_pages_show_and_decide_a_write_off_through_the_engine(org, client, api, contract):
    write_off = ask(api, org.rep, contract)
    approval = approval_of(write_off)
    client.force_login(org.manager)
    milestone_page = client.get(milestones(contract)[0].get_absolute_url())
    assert approval.get_absolute_url() in milestone_page.content.decode()
    assert approval.title in client.get("/gates/").content.decode()  # the Approvals inbox
    page = client.get(approval.get_absolute_url())
    assert page.status_code == 200 and 'name="decision"' in page.content.decode()
    response = client.post(
        approval.get_absolute_url(), {"form": "decide", "decision": "approve", "comment": "ok"}
    )
    assert response.status_code == 302
    write_off.refresh_from_db()
    assert write_off.state == "approved" and written_off(contract) == Decimal("1000.00")
