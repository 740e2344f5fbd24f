"""Fixtures for MO: an opportunity with a full iron triangle, a small catalogue, and helpers
that drive gates, quotes and stages through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.gates import GATE_TOPICS
from opportunities.models import Opportunity, Product
from tests.factories import ContactFactory, OpportunityFactory, team


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(
        owner=org.rep,
        team=team(ar=org.rep, sr=org.sr, fr=org.fr),
        amount=Decimal("1000000"),
        margin_pct=Decimal("30"),
        down_payment_pct=Decimal("30"),
    )


@pytest.fixture
def products(db):
    return {
        "router": Product.objects.create(
            code="RT-100",
            name="Core router",
            product_line="Network",
            list_price=Decimal("100000.00"),
            cost=Decimal("60000.00"),
            currency="CNY",
            tax_rate_pct=Decimal("13"),
        ),
        "service": Product.objects.create(
            code="SV-01",
            name="Installation service",
            product_line="Services",
            unit="day",
            list_price=Decimal("3333.33"),
            cost=Decimal("1500.00"),
            currency="CNY",
            tax_rate_pct=Decimal("6"),
        ),
        "usd": Product.objects.create(
            code="US-1",
            name="Imported module",
            list_price=Decimal("1000.00"),
            cost=Decimal("500.00"),
            currency="USD",
        ),
    }


@pytest.fixture
def contact(opportunity):
    return ContactFactory(customer=opportunity.customer, name="Deputy GM Huang", title="Deputy GM")


def reload(opportunity) -> Opportunity:
    return Opportunity.objects.get(pk=opportunity.pk)


def open_gate(api, user, opportunity, kind="ati"):
    return api(user).post(
        "/api/v1/gate-reviews/",
        {"subject_type": "opportunity", "subject_id": opportunity.pk, "kind": kind},
        format="json",
    )


def assess(api, user, review_id, role, kind="ati", risk="low", verdict="go"):
    return api(user).post(
        f"/api/v1/gate-reviews/{review_id}/assessments/",
        {
            "role": role,
            "verdict": verdict,
            "confidence": 70,
            "risk_level": risk,
            "topics": {k: f"{k} ok" for k, _l in GATE_TOPICS[kind][role]},
        },
        format="json",
    )


def assess_all(api, org, review_id, kind="ati", risk="low"):
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        response = assess(api, user, review_id, role, kind, risk)
        assert response.status_code == 200, response.json()


def decide(api, user, review_id, decision="go", comment="ok"):
    return api(user).post(
        f"/api/v1/gate-reviews/{review_id}/decision/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def transition(api, user, opportunity, name, **data):
    return api(user).post(
        f"/api/v1/opportunities/{opportunity.pk}/transitions/{name}/", data, format="json"
    )


def pass_gate(api, org, opportunity, kind, decider=None):
    response = open_gate(api, org.rep, opportunity, kind)
    assert response.status_code == 201, response.json()
    review = response.json()
    assess_all(api, org, review["id"], kind)
    decided = decide(api, decider or org.manager, review["id"])
    assert decided.status_code == 200, decided.json()
    return decided.json()


def advance(api, org, opportunity, to: str):
    """Drive the opportunity through the API to stage `to` (gates passed by the manager)."""
    path = [
        ("initiated", lambda: pass_gate(api, org, opportunity, "ati")),
        ("guiding", lambda: transition(api, org.rep, opportunity, "start_guiding")),
        ("bidding", lambda: transition(api, org.rep, opportunity, "start_bidding")),
        ("bid_submitted", lambda: pass_gate(api, org, opportunity, "atb")),
        ("negotiating", lambda: transition(api, org.rep, opportunity, "award")),
        ("won", lambda: pass_gate(api, org, opportunity, "atc")),
    ]
    order = ["identified", *(stage for stage, _step in path)]
    for stage, step in path:
        current = reload(opportunity).state
        if current == to:
            break
        if order.index(current) >= order.index(stage):
            continue
        step()
        assert reload(opportunity).state == stage
    return reload(opportunity)


def create_quote(api, user, opportunity, lines, **extra):
    return api(user).post(
        "/api/v1/quotes/",
        {"opportunity": opportunity.pk, "lines": lines, **extra},
        format="json",
    )


def line(product, quantity="1", discount="0"):
    return {"product": product.pk, "quantity": quantity, "discount_pct": discount}
