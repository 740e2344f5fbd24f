"""A gate's own decision as the first step of a chain (ADR 17, issue 20.3): with no chain the
gate's authority decides (tests/ltc/test_gate_decision_pins.py); an administrator may name a
person for ATC above an amount, add an office director after the team's manager, or ask
someone else only for escalated gates. Go, stop and hold are approve, reject and send back;
the gate's own rules still hold; the inbox and the review page follow the engine."""

from decimal import Decimal

import pytest

from core.approvals.models import ApprovalRequest
from core.models import AuthorityRule, GateReview, Notification
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory, UserFactory, team
from tests.opportunities.conftest import (  # noqa: F401
    advance,
    assess_all,
    decide,
    open_gate,
    opportunity,
    reload,
    transition,
)

pytestmark = pytest.mark.django_db


def define(api, org, steps, kind="gate_decision"):
    body = {"kind": kind, "name": "Our gates", "steps": steps}
    return api(org.admin).post("/api/v1/approval-chains/", body, format="json")


def by_person(user, **condition):
    return {"name": "Named", "condition": condition, "approver": {"type": "user", "user": user.pk}}


def office_director_step(**condition):
    approver = {"type": "role", "role": "sales_manager", "level": "office"}
    return {"name": "Office director", "condition": condition, "approver": approver}


AUTHORITY = {"name": "Authority", "approver": {"type": "resolver", "name": "core.gate_authority"}}


def request_of(review_id):
    return ApprovalRequest.objects.get(kind="gate_decision", subject_id=review_id)


def engine_decide(api, user, request, decision, comment=""):
    return api(user).post(
        f"/api/v1/approvals/{request.pk}/decide/",
        {"decision": decision, "comment": comment},
        format="json",
    )


@pytest.fixture
def deputy(org):
    """The office's deputy director: sees the office's reviews; the director beside them has
    the escalated gates' authority, so a step naming the deputy shows who decides."""
    return UserFactory(username="deputy", role="sales_manager", org_unit=org.gd)


def test_conditions_on_gate_kind_and_escalation_are_validated(org, api):
    bad = define(api, org, [by_person(org.director, gate_kinds=["atx"], escalated="yes")])
    assert bad.status_code == 400
    fields = bad.json()["fields"]
    assert "steps.0.condition.gate_kinds" in fields and "steps.0.condition.escalated" in fields


def test_a_named_person_decides_atc_above_five_million(org, api, client, opportunity, deputy):  # noqa: F811
    step = by_person(deputy, gate_kinds=["atc"], min_amount="5000000", currency="CNY")
    assert define(api, org, [step]).status_code == 201
    # ATI and ATB: no step applies, so their authority decides (advance passes them).
    advance(api, org, opportunity, "negotiating")
    Opportunity.objects.filter(pk=opportunity.pk).update(amount=Decimal("6000000"))
    review_id = open_gate(api, org.rep, opportunity, "atc").json()["id"]
    assess_all(api, org, review_id, "atc")
    for other in (org.manager, org.director):  # the authority is replaced for this gate
        refused = decide(api, other, review_id, "go", "Mine")
        assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    to_decide = "/api/v1/gate-reviews/?to_decide=true"
    assert [r["id"] for r in api(deputy).get(to_decide).json()["results"]] == [review_id]
    assert api(org.director).get(to_decide).json()["results"] == []
    assert Notification.objects.filter(recipient=deputy, kind="approval.waiting").exists()
    client.force_login(deputy)
    assert f"/gates/{review_id}/" in client.get("/gates/").content.decode()
    assert 'value="decide"' in client.get(f"/gates/{review_id}/").content.decode()
    client.force_login(org.manager)
    assert 'value="decide"' not in client.get(f"/gates/{review_id}/").content.decode()
    decided = decide(api, deputy, review_id, "go", "Signed off")
    assert decided.status_code == 200 and decided.json()["state"] == "go"
    assert decided.json()["decided_by"] == deputy.pk
    assert reload(opportunity).state == "won"


def test_two_steps_manager_then_office_director(org, api, client, opportunity):  # noqa: F811
    assert define(api, org, [AUTHORITY, office_director_step()]).status_code == 201
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assess_all(api, org, review_id)
    first = decide(api, org.manager, review_id, "go", "Team says go")
    assert first.status_code == 200 and first.json()["state"] == "open"
    again = decide(api, org.manager, review_id, "stop", "")
    assert again.status_code == 409 and again.json()["code"] == "gate_awaiting_approval"
    client.force_login(org.manager)
    page = client.get(f"/gates/{review_id}/").content.decode()
    assert request_of(review_id).get_absolute_url() in page and 'value="decide"' not in page
    client.force_login(org.director)
    assert 'value="decide"' in client.get(f"/gates/{review_id}/").content.decode()
    done = decide(api, org.director, review_id, "go", "")
    assert done.status_code == 200 and done.json()["state"] == "go"
    review = GateReview.objects.get(pk=review_id)
    assert review.decided_by == org.director and review.decision_comment == "Team says go"
    assert reload(opportunity).state == "initiated"


def test_send_back_is_hold_and_reject_is_stop(org, api, opportunity):  # noqa: F811
    assert define(api, org, [AUTHORITY, office_director_step()]).status_code == 201
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assess_all(api, org, review_id)
    assert decide(api, org.manager, review_id, "go", "Go").status_code == 200
    request = request_of(review_id)
    unexplained = engine_decide(api, org.director, request, "send_back")
    assert unexplained.status_code == 400 and "comment" in unexplained.json()["fields"]
    assert engine_decide(api, org.director, request, "send_back", "Map it").status_code == 200
    review = GateReview.objects.get(pk=review_id)
    assert review.state == "hold" and review.decision_comment == "Map it"
    assert review.decided_by == org.director and reload(opportunity).state == "identified"

    second = open_gate(api, org.rep, opportunity).json()["id"]
    assess_all(api, org, second)
    assert decide(api, org.manager, second, "go", "Go").status_code == 200
    unexplained = engine_decide(api, org.director, request_of(second), "reject")
    assert unexplained.status_code == 400  # overturning the manager's go says why
    refused = engine_decide(api, org.director, request_of(second), "reject", "Too risky")
    assert refused.status_code == 200
    assert GateReview.objects.get(pk=second).state == "stop"
    assert reload(opportunity).state == "abandoned"


def test_the_decision_is_withdrawn_only_with_its_review(org, api, opportunity):  # noqa: F811
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    request = request_of(review_id)
    assert request.requester == org.rep
    refused = api(org.rep).post(f"/api/v1/approvals/{request.pk}/withdraw/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "approval_withdraw_elsewhere"
    lost = transition(
        api, org.rep, opportunity, "abandon", reason="No budget", reason_code="budget"
    )
    assert lost.status_code == 200, lost.json()
    request.refresh_from_db()
    assert request.state == "withdrawn"
    assert GateReview.objects.get(pk=review_id).state == "withdrawn"


def test_a_step_only_for_escalated_gates(org, api, opportunity, deputy):  # noqa: F811
    assert define(api, org, [by_person(deputy, escalated=True)]).status_code == 201
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assert not ApprovalRequest.objects.filter(kind="gate_decision").exists()
    assert decide(api, org.manager, review_id, "stop", "").status_code == 200  # its authority

    AuthorityRule.objects.create(org_unit=org.gd, max_amount=Decimal("10"))
    escalated = open_gate(api, org.rep, opportunity_again(opportunity)).json()
    assert escalated["escalated"] is True
    refused = decide(api, org.director, escalated["id"], "stop", "")
    assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    assert decide(api, deputy, escalated["id"], "stop", "Too big").status_code == 200


def test_escalation_after_opening_asks_the_office_instead(org, api, opportunity):  # noqa: F811
    AuthorityRule.objects.create(org_unit=org.gd, escalate_on_high_risk=True)
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    request = request_of(review_id)
    assert [t.assignee for t in request.tasks.all()] == [org.manager]
    assess_all(api, org, review_id, risk="high")
    waiting = request.tasks.filter(outcome="").values_list("assignee", flat=True)
    assert list(waiting) == [org.director.pk]
    refused = decide(api, org.manager, review_id, "go", "Mine")
    assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    assert decide(api, org.director, review_id, "go", "Office").status_code == 200


def opportunity_again(opportunity):  # noqa: F811
    """A second deal of the same iron triangle (the first was stopped at its gate)."""
    triangle = team(
        ar=opportunity.team.seat("ar"),
        sr=opportunity.team.seat("sr"),
        fr=opportunity.team.seat("fr"),
    )
    return OpportunityFactory(owner=opportunity.owner, team=triangle, amount=Decimal("1000000"))


def test_a_gate_no_step_applies_to_any_more_goes_back_to_its_authority(
    org,
    api,
    opportunity,  # noqa: F811
    deputy,
):
    assert define(api, org, [by_person(deputy, escalated=False)]).status_code == 201
    AuthorityRule.objects.create(org_unit=org.gd, escalate_on_high_risk=True)
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    request = request_of(review_id)
    assess_all(api, org, review_id, risk="high")  # escalated: the deputy's step applies no more
    request.refresh_from_db()
    assert request.state == "withdrawn"
    assert not request.tasks.filter(outcome="").exists()
    refused = decide(api, org.manager, review_id, "go", "Mine")  # the office's authority now
    assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    assert decide(api, org.director, review_id, "go", "Office").status_code == 200
