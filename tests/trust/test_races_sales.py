"""Check-then-insert races of selling on PostgreSQL: gate reviews, board moves, bids, the
decision chain, competitors on a deal and the iron triangle's seats. Each thing allowed once
is created once when 20 requests for it arrive at the same instant, and every loser gets the
answer a later, lone repeat gets (ADR 12), never a bare "conflict" or a 500."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Customer, IronTriangleMember
from core.models import GateReview
from leads.models import Lead
from opportunities.models import Bid, DecisionChainMember, Opportunity, OpportunityCompetitor
from tests.factories import ContactFactory, LeadFactory, OpportunityFactory, UserFactory, team
from tests.opportunities.conftest import advance
from tests.trust.racing import stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(
        owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), amount=Decimal("1000000")
    )


def outcomes(responses) -> Counter:
    """(status, code) of each response: the error code, or None for a success."""
    return Counter(
        (r.status_code, r.json().get("code") if r.status_code >= 400 else None) for r in responses
    )


def test_a_lead_converted_twenty_times_at_once_becomes_one_opportunity(org, api):
    lead = LeadFactory(
        owner=org.rep,
        company_name="Shantou Port Co., Ltd.",
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    Lead.objects.filter(pk=lead.pk).update(state="verified")
    body = {"lead": lead.pk, "sr": org.sr.pk, "allow_duplicate_customer": True}

    responses = stampede(
        lambda: api(org.rep).post("/api/v1/opportunities/from-lead/", body, format="json")
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}, [
        r.json() for r in responses
    ][:3]
    assert Opportunity.objects.count() == 1 and Customer.objects.count() == 1


def test_a_gate_opened_twenty_times_at_once_is_open_once(org, api, opportunity):
    body = {"subject_type": "opportunity", "subject_id": opportunity.pk, "kind": "ati"}

    responses = stampede(lambda: api(org.rep).post("/api/v1/gate-reviews/", body, format="json"))

    assert outcomes(responses) == {(201, None): 1, (409, "gate_open"): 19}
    assert GateReview.objects.filter(kind="ati", state="open").count() == 1


def test_a_card_moved_twenty_times_at_once_opens_one_review(org, api, opportunity):
    url = f"/api/v1/opportunities/{opportunity.pk}/move/"

    responses = stampede(lambda: api(org.rep).post(url, {"stage": "initiated"}, format="json"))

    assert Counter(r.status_code for r in responses) == {200: 20}, [r.json() for r in responses]
    assert Counter(r.json()["outcome"] for r in responses) == {
        "review_opened": 1,
        "review_open": 19,
    }
    review = GateReview.objects.get()
    assert {r.json()["review"] for r in responses} == {review.pk}


def test_a_bid_started_twenty_times_at_once_exists_once(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    body = {
        "opportunity": opportunity.pk,
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        "tender_reference": "GZ-2026-117",
    }

    responses = stampede(lambda: api(org.rep).post("/api/v1/bids/", body, format="json"))

    assert outcomes(responses) == {(201, None): 1, (400, "bid_exists"): 19}
    assert all("opportunity" in r.json()["fields"] for r in responses if r.status_code == 400)
    assert Bid.objects.count() == 1


def test_a_person_put_on_the_decision_chain_twenty_times_at_once_is_on_it_once(
    org, api, opportunity
):
    contact = ContactFactory(customer=opportunity.customer, name="Deputy GM Huang")
    body = {"opportunity": opportunity.pk, "contact": contact.pk, "role": "decision_maker"}

    responses = stampede(lambda: api(org.rep).post("/api/v1/decision-chain/", body, format="json"))

    assert outcomes(responses) == {(201, None): 1, (400, "invalid"): 19}
    assert all("contact" in r.json()["fields"] for r in responses if r.status_code == 400)
    assert DecisionChainMember.objects.count() == 1


def test_a_competitor_named_on_a_deal_twenty_times_at_once_is_listed_once(org, api, opportunity):
    rival = api(org.rep).post("/api/v1/competitors/", {"name": "Rival Networks"}, format="json")
    body = {"opportunity": opportunity.pk, "competitor": rival.json()["id"], "threat": "high"}

    responses = stampede(
        lambda: api(org.rep).post("/api/v1/opportunity-competitors/", body, format="json")
    )

    assert outcomes(responses) == {(201, None): 1, (400, "invalid"): 19}
    assert all("competitor" in r.json()["fields"] for r in responses if r.status_code == 400)
    assert OpportunityCompetitor.objects.count() == 1


def test_a_seat_filled_twenty_times_at_once_holds_one_person(org, api):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
    new_fr = UserFactory(username="fr2", role="fulfillment_manager", org_unit=org.gd_carrier)
    url = f"/api/v1/opportunities/{opportunity.pk}/team/"

    responses = stampede(lambda: api(org.rep).put(url, {"fr": new_fr.pk}, format="json"))

    assert outcomes(responses) == {(200, None): 20}
    seated = IronTriangleMember.objects.filter(team=opportunity.team, role="fr")
    assert list(seated.values_list("user", flat=True)) == [new_fr.pk]
