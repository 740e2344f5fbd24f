"""The ATI, ATB and ATC gates of opportunities through the API: every outcome (go, stop,
hold, escalated) at every gate, the authority rules judged on the approved quote and the
negotiated terms, who is told when a gate reaches them and when it is decided, and the
escalated gate in the approvals inbox."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuthorityRule, GateReview, Notification
from opportunities.models import Bid, Opportunity, PricingRule

from .conftest import (
    advance,
    assess,
    assess_all,
    create_quote,
    decide,
    line,
    open_gate,
    reload,
)

pytestmark = pytest.mark.django_db

GATES = [
    ("ati", "identified", "initiated"),
    ("atb", "bidding", "bid_submitted"),
    ("atc", "negotiating", "won"),
]


def approve_quote(api, org, opportunity, products, quantity="10", discount="0"):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], quantity, discount)])
    assert quote.status_code == 201, quote.json()
    submitted = api(org.rep).post(
        f"/api/v1/quotes/{quote.json()['id']}/submit/", {"justification": "x"}, format="json"
    )
    if submitted.json()["state"] == "pending_approval":
        api(org.manager).post(
            f"/api/v1/quotes/{quote.json()['id']}/decision/",
            {"decision": "approve"},
            format="json",
        )
    return quote.json()["id"]


@pytest.mark.parametrize(("kind", "stage", "gated"), GATES)
def test_go_moves_into_the_gated_stage(org, api, opportunity, kind, stage, gated):
    advance(api, org, opportunity, stage)
    review = open_gate(api, org.rep, opportunity, kind).json()
    assess_all(api, org, review["id"], kind)
    response = decide(api, org.manager, review["id"], "go", "Go ahead")
    assert response.status_code == 200 and response.json()["state"] == "go"
    assert reload(opportunity).state == gated


@pytest.mark.parametrize(("kind", "stage", "gated"), GATES)
def test_stop_abandons_with_the_gate_as_the_reason(org, api, opportunity, kind, stage, gated):
    advance(api, org, opportunity, stage)
    review = open_gate(api, org.rep, opportunity, kind).json()
    response = decide(api, org.manager, review["id"], "stop", "Not worth it")
    assert response.status_code == 200 and response.json()["state"] == "stop"
    opportunity = reload(opportunity)
    assert opportunity.state == "abandoned"
    assert opportunity.close_reason_code == "stopped_at_gate"
    assert "Not worth it" in opportunity.close_reason


@pytest.mark.parametrize(("kind", "stage", "gated"), GATES)
def test_hold_keeps_the_stage_and_a_new_round_follows(org, api, opportunity, kind, stage, gated):
    advance(api, org, opportunity, stage)
    review = open_gate(api, org.rep, opportunity, kind).json()
    assess_all(api, org, review["id"], kind)
    held = decide(api, org.manager, review["id"], "hold", "Map the procurement office")
    assert held.json()["state"] == "hold"
    assert reload(opportunity).state == stage
    second = open_gate(api, org.rep, opportunity, kind)
    assert second.status_code == 201 and second.json()["round"] == 2


@pytest.mark.parametrize(("kind", "stage", "gated"), GATES)
def test_a_decider_without_authority_is_refused_at_every_gate(
    org, api, opportunity, kind, stage, gated
):
    advance(api, org, opportunity, stage)
    review = open_gate(api, org.rep, opportunity, kind).json()
    assess_all(api, org, review["id"], kind)
    for user in (org.rep, org.sr, org.teammate):
        refused = decide(api, user, review["id"])
        assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    assert decide(api, org.other_region_manager, review["id"]).status_code == 404
    assert decide(api, org.finance, review["id"]).status_code == 404
    assert GateReview.objects.get(pk=review["id"]).state == "open"


def test_atb_facts_carry_the_approved_quotes_price_floor_and_margin(
    org, api, opportunity, products
):
    advance(api, org, opportunity, "bidding")
    quote_id = approve_quote(api, org, opportunity, products, "10", "5")
    facts = open_gate(api, org.rep, opportunity, "atb").json()["facts"]
    assert facts["quote_id"] == quote_id
    assert facts["price_floor"] == "1073500.00"  # 10 × 95,000 + 13% tax
    assert facts["net_total"] == "950000.00"
    assert facts["margin_pct"] == "36.84"
    assert facts["margin_amount"] == "350000.00"
    assert facts["amount"] == "1073500.00"  # the opportunity follows the approved quote


def test_atc_facts_carry_payment_terms_profitability_and_liabilities(
    org, api, opportunity, products
):
    advance(api, org, opportunity, "negotiating")
    approve_quote(api, org, opportunity, products)
    api(org.rep).patch(
        f"/api/v1/opportunities/{opportunity.pk}/",
        {
            "down_payment_pct": "20",
            "payment_terms": "20% on signing, 70% on acceptance, 10% warranty",
            "liability_cap_pct": "10",
            "warranty_months": 24,
        },
        format="json",
    )
    facts = open_gate(api, org.rep, opportunity, "atc").json()["facts"]
    assert facts["down_payment_pct"] == "20.00"
    assert facts["payment_terms"].startswith("20% on signing")
    assert facts["liability_cap_pct"] == "10.00"
    assert facts["warranty_months"] == 24
    assert facts["margin_amount"] == "400000.00" and facts["margin_pct"] == "40.00"


def test_a_thin_margin_on_the_approved_quote_escalates_atb_to_the_office(
    org, api, opportunity, products
):
    AuthorityRule.objects.create(org_unit=org.gd, gate_kind="atb", min_margin_pct=Decimal("35"))
    PricingRule.objects.create(org_unit=org.gd, max_discount_pct=Decimal("50"))
    advance(api, org, opportunity, "bidding")
    approve_quote(api, org, opportunity, products, "1", "25")  # margin 20%
    review = open_gate(api, org.rep, opportunity, "atb").json()
    assert review["escalated"] is True and review["authority_unit"] == str(org.gd)
    assert any("Gross margin 20.00%" in r for r in review["escalation_reasons"])
    assess_all(api, org, review["id"], "atb")
    refused = decide(api, org.manager, review["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "gate_authority"
    assert decide(api, org.director, review["id"]).status_code == 200
    assert reload(opportunity).state == "bid_submitted"


@pytest.mark.parametrize(
    ("rule", "terms"),
    [
        ({"min_down_payment_pct": Decimal("30")}, {"down_payment_pct": "10"}),
        ({"max_amount": Decimal("500000")}, {}),
    ],
)
def test_authority_rules_escalate_atc(org, api, opportunity, rule, terms):
    AuthorityRule.objects.create(org_unit=org.gd_carrier, gate_kind="atc", **rule)
    advance(api, org, opportunity, "negotiating")
    if terms:
        api(org.rep).patch(f"/api/v1/opportunities/{opportunity.pk}/", terms, format="json")
    review = open_gate(api, org.rep, opportunity, "atc").json()
    assert review["escalated"] is True
    assess_all(api, org, review["id"], "atc")
    assert decide(api, org.manager, review["id"]).status_code == 403
    assert decide(api, org.director, review["id"]).status_code == 200
    assert reload(opportunity).state == "won"


def test_a_gate_specific_rule_leaves_other_gates_with_the_team(org, api, opportunity):
    AuthorityRule.objects.create(org_unit=org.gd, gate_kind="atc", max_amount=Decimal("1"))
    review = open_gate(api, org.rep, opportunity, "ati").json()
    assert review["escalated"] is False


def test_a_high_risk_assessment_escalates_and_moves_the_gate_between_inboxes(org, api, opportunity):
    AuthorityRule.objects.create(org_unit=org.gd, escalate_on_high_risk=True)
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    to_decide = "/api/v1/gate-reviews/?waiting_for_me=true"
    assert [r["id"] for r in api(org.manager).get(to_decide).json()["results"]] == [review_id]
    assess(api, org.fr, review_id, "fr", risk="high")
    review = GateReview.objects.get(pk=review_id)
    assert review.escalated and review.authority_unit == org.gd
    assert api(org.manager).get(to_decide).json()["results"] == []
    director = api(org.director).get(to_decide).json()["results"]
    assert [(r["id"], r["escalated"]) for r in director] == [(review_id, True)]
    assert Notification.objects.filter(kind="gate.escalated", recipient=org.director).exists()
    assert Notification.objects.filter(kind="gate.escalated_away", recipient=org.manager).exists()
    page = api(org.director).get(f"/api/v1/gate-reviews/{review_id}/").json()
    assert page["may_decide"] is True
    decide_list = api(org.director).get("/api/v1/gate-reviews/?to_decide=true").json()
    assert [r["id"] for r in decide_list["results"]] == [review_id]
    assert api(org.manager).get("/api/v1/gate-reviews/?to_decide=true").json()["results"] == []
    assess_list = api(org.rep).get("/api/v1/gate-reviews/?to_assess=true").json()["results"]
    assert [r["id"] for r in assess_list] == [review_id]  # the AR has not assessed yet


def test_escalated_gates_are_in_the_deciders_approvals_inbox_page(client, org, api, opportunity):
    AuthorityRule.objects.create(org_unit=org.gd, max_amount=Decimal("10"))
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    client.force_login(org.director)
    page = client.get("/gates/").content.decode()
    assert f"/gates/{review_id}/" in page and "escalated" in page
    client.force_login(org.manager)
    inbox = client.get("/gates/").content.decode()
    assert "No gate review waits for your decision." in inbox


def test_who_must_act_is_told_when_the_gate_reaches_them_and_when_it_is_decided(
    org, api, opportunity, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assert {m.to[0] for m in mailoutbox} == {"sr@example.com", "fr@example.com"}

    def told(kind):
        return set(
            Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
        )

    assert told("gate.assess") == {"sr", "fr"}
    assert told("gate.opened") == {"manager"}  # the nearest level, not the whole chain
    assess_all(api, org, review_id)
    assert told("gate.ready") == {"manager"}
    decide(api, org.director, review_id)  # a manager above may decide too
    assert told("gate.decided") == {"rep", "sr", "fr", "manager"}


def test_atb_waits_for_a_pending_special_price_and_a_complete_bid(org, api, opportunity, products):
    PricingRule.objects.create(org_unit=org.gd, max_discount_pct=Decimal("5"))
    advance(api, org, opportunity, "bidding")
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "20")]).json()
    api(org.rep).post(
        f"/api/v1/quotes/{quote['id']}/submit/", {"justification": "Price war"}, format="json"
    )
    blocked = open_gate(api, org.rep, opportunity, "atb")
    assert blocked.status_code == 409 and blocked.json()["code"] == "gate_not_ready"
    assert "special-price approval" in blocked.json()["message"]
    api(org.manager).post(
        f"/api/v1/quotes/{quote['id']}/decision/", {"decision": "approve"}, format="json"
    )
    Bid.objects.create(opportunity=opportunity, deadline=timezone.now() + timedelta(days=3))
    incomplete = open_gate(api, org.rep, opportunity, "atb")
    assert (
        incomplete.status_code == 409 and "Put the approved quote" in incomplete.json()["message"]
    )


def test_atb_can_require_an_approved_quote(settings, org, api, opportunity):
    settings.OPPORTUNITIES_ATB_REQUIRES_QUOTE = True
    advance(api, org, opportunity, "bidding")
    response = open_gate(api, org.rep, opportunity, "atb")
    assert response.status_code == 409 and "approved quote" in response.json()["message"]


def test_won_draft_contract_takes_the_approved_quotes_amount(org, api, opportunity, products):
    from contracts.models import Contract
    from opportunities.selectors import approved_quote

    advance(api, org, opportunity, "negotiating")
    approve_quote(api, org, opportunity, products, "3")
    advance(api, org, opportunity, "won")
    quote = approved_quote(reload(opportunity))
    contract = Contract.objects.get(opportunity=opportunity)
    assert contract.amount == quote.total
    assert contract.planned_cost == quote.cost_total
    assert contract.tax_rate_pct == quote.lines.get().tax_rate_pct
    assert quote.number in contract.terms and quote.lines.get().product.name in contract.terms
    assert [line.product.code for line in quote.lines.all()] == ["RT-100"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_deciders_racing_on_atc_give_exactly_one_decision(org, api, opportunity):
    advance(api, org, opportunity, "negotiating")
    review_id = open_gate(api, org.rep, opportunity, "atc").json()["id"]
    assess_all(api, org, review_id, "atc")
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
    state = GateReview.objects.get(pk=review_id).state
    assert Opportunity.objects.get(pk=opportunity.pk).state == (
        "won" if state == "go" else "abandoned"
    )
