"""The review-gate engine through the API: who may open, assess and decide; what go, stop and
hold do; how authority rules escalate a gate to the representative office."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.gates import GATE_TOPICS
from core.models import AuthorityRule, GateReview, Notification
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(
        owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), amount=Decimal("1000000")
    )


def open_gate(api, user, opportunity, kind="ati"):
    return api(user).post(
        "/api/v1/gate-reviews/",
        {"subject_type": "opportunity", "subject_id": opportunity.pk, "kind": kind},
        format="json",
    )


def assess(api, user, review_id, role, kind="ati", risk="low", **extra):
    data = {
        "role": role,
        "verdict": "go",
        "confidence": 70,
        "risk_level": risk,
        "topics": {k: "fine" for k, _l in GATE_TOPICS[kind][role]},
        **extra,
    }
    return api(user).post(f"/api/v1/gate-reviews/{review_id}/assessments/", data, format="json")


def assess_all(api, org, review_id, kind="ati"):
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        assert assess(api, user, review_id, role, kind).status_code == 200


def decide(api, user, review_id, decision="go", comment="ok"):
    return api(user).post(
        f"/api/v1/gate-reviews/{review_id}/decision/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def test_a_gate_opens_only_with_the_full_iron_triangle(org, api):
    incomplete = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
    response = open_gate(api, org.rep, incomplete)
    assert response.status_code == 400
    assert response.json()["code"] == "iron_triangle_incomplete"
    assert "Fulfillment responsible (FR)" in response.json()["message"]


def test_a_gate_opens_only_in_its_stage_and_once(org, api, opportunity):
    assert open_gate(api, org.rep, opportunity, "atb").status_code == 409
    assert open_gate(api, org.rep, opportunity).status_code == 201
    again = open_gate(api, org.rep, opportunity)
    assert again.status_code == 409 and again.json()["code"] == "gate_open"


def test_each_seat_assesses_only_for_itself_and_every_topic_counts(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assert assess(api, org.teammate, review_id, "ar").status_code == 403
    assert assess(api, org.sr, review_id, "ar").status_code == 403
    missing = api(org.sr).post(
        f"/api/v1/gate-reviews/{review_id}/assessments/",
        {"verdict": "go", "confidence": 50, "risk_level": "low", "topics": {"needs": "clear"}},
        format="json",
    )
    assert missing.status_code == 400
    assert set(missing.json()["fields"]) == {"topics.solution_fit", "topics.competition"}
    assert assess(api, org.sr, review_id, "sr").status_code == 200


def test_go_needs_all_three_assessments_and_moves_the_opportunity(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assess(api, org.rep, review_id, "ar")
    early = decide(api, org.manager, review_id)
    assert early.status_code == 400 and early.json()["code"] == "assessments_missing"
    assess(api, org.sr, review_id, "sr")
    assess(api, org.fr, review_id, "fr")
    response = decide(api, org.manager, review_id)
    assert response.status_code == 200 and response.json()["state"] == "go"
    assert Opportunity.objects.get(pk=opportunity.pk).state == "initiated"


def test_only_a_decision_maker_with_authority_decides(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assess_all(api, org, review_id)
    assert decide(api, org.rep, review_id).status_code == 403
    assert decide(api, org.other_region_manager, review_id).status_code == 404
    assert decide(api, org.director, review_id).status_code == 200  # above the team: allowed


def test_hold_keeps_the_stage_for_rework_and_a_new_round(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    no_reason = decide(api, org.manager, review_id, "hold", comment="")
    assert no_reason.status_code == 400
    assert (
        decide(api, org.manager, review_id, "hold", "Map the decision chain").json()["state"]
        == "hold"
    )
    assert Opportunity.objects.get(pk=opportunity.pk).state == "identified"
    second = open_gate(api, org.rep, opportunity)
    assert second.status_code == 201 and second.json()["round"] == 2


def test_stop_abandons_the_opportunity(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    decide(api, org.manager, review_id, "stop", "No budget")
    opportunity.refresh_from_db()
    assert opportunity.state == "abandoned"
    assert "No budget" in opportunity.close_reason


def test_a_decided_gate_cannot_be_decided_again(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    decide(api, org.manager, review_id, "stop", "No")
    again = decide(api, org.director, review_id, "go")
    assert again.status_code == 409 and again.json()["code"] == "gate_decided"


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("amount", Decimal("6000000"), {"max_amount": Decimal("5000000")}),
        ("margin_pct", Decimal("12"), {"min_margin_pct": Decimal("20")}),
        ("down_payment_pct", Decimal("5"), {"min_down_payment_pct": Decimal("10")}),
    ],
)
def test_authority_rules_escalate_to_the_representative_office(
    org, api, opportunity, field, value, rule
):
    AuthorityRule.objects.create(org_unit=org.gd, **rule)
    Opportunity.objects.filter(pk=opportunity.pk).update(**{field: value})
    review = open_gate(api, org.rep, opportunity).json()
    assert review["escalated"] is True
    assert review["authority_unit"] == str(org.gd)
    assess_all(api, org, review["id"])
    refused = decide(api, org.manager, review["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    assert decide(api, org.director, review["id"]).status_code == 200


def test_within_authority_the_team_manager_decides(org, api, opportunity):
    AuthorityRule.objects.create(org_unit=org.gd, max_amount=Decimal("5000000"))
    review = open_gate(api, org.rep, opportunity).json()
    assert review["escalated"] is False
    assess_all(api, org, review["id"])
    assert decide(api, org.manager, review["id"]).status_code == 200


def test_a_high_risk_assessment_escalates_an_open_gate(org, api, opportunity):
    AuthorityRule.objects.create(org_unit=org.gd, escalate_on_high_risk=True)
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assess(api, org.fr, review_id, "fr", risk="high")
    review = GateReview.objects.get(pk=review_id)
    assert review.escalated and review.authority_unit == org.gd
    assert Notification.objects.filter(recipient=org.director, kind="gate.escalated").exists()


def test_everyone_who_must_act_is_notified(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assert set(
        Notification.objects.filter(kind="gate.assess").values_list(
            "recipient__username", flat=True
        )
    ) == {"sr", "fr"}
    assert Notification.objects.filter(kind="gate.opened", recipient=org.manager).exists()
    assess_all(api, org, review_id)
    assert Notification.objects.filter(kind="gate.ready", recipient=org.manager).exists()
    decide(api, org.manager, review_id)
    assert set(
        Notification.objects.filter(kind="gate.decided").values_list(
            "recipient__username", flat=True
        )
    ) == {"rep", "sr", "fr"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_deciders_racing_give_exactly_one_decision(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assess_all(api, org, review_id)
    results, barrier = [], threading.Barrier(2)

    def race(user, decision):
        barrier.wait()
        results.append(decide(api, user, review_id, decision, "race").status_code)
        connection.close()

    threads = [
        threading.Thread(target=race, args=(org.manager, "go")),
        threading.Thread(target=race, args=(org.director, "stop")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
    assert GateReview.objects.get(pk=review_id).state in ("go", "stop")
