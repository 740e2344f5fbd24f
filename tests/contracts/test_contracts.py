"""Contracts made from a won opportunity or directly: renewals, framework agreements and
their call-off orders (same customer and currency, within the framework's ceiling, signed
only under a signed framework)."""

from decimal import Decimal

import pytest

from accounts.models import OrgUnit
from contracts.models import Contract, DirectContractRule
from core.gates import GATE_TOPICS
from tests.factories import (
    CustomerFactory,
    DirectContractRuleFactory,
    OpportunityFactory,
    team,
)

from .conftest import days

pytestmark = pytest.mark.django_db


def create(drive, user, expect=201, **data):
    """Create a contract directly, naming a company rule of its kind (ADR 14) unless the call
    names one (or None)."""
    if "direct_rule" not in data:
        framework = Contract.objects.filter(pk=data.get("framework")).first()
        kind = (
            "call_off"
            if "framework" in data or data.get("kind") == "call_off"
            else "framework"
            if data.get("kind") == "framework"
            else "renewal"
            if data.get("renewal_of")
            else "small_order"
        )
        currency = framework.currency if framework else data.get("currency", "CNY")
        data["direct_rule"] = (
            DirectContractRule.objects.filter(kind=kind, currency=currency).first()
            or DirectContractRuleFactory(
                kind=kind, currency=currency, org_unit=OrgUnit.objects.get(parent=None)
            )
        ).pk
    data = {k: v for k, v in data.items() if v is not None}
    return drive.post(user, "/api/v1/contracts/", data, expect=expect)


@pytest.fixture
def framework(org, drive):
    customer = CustomerFactory(owner=org.rep)
    body = create(
        drive,
        org.rep,
        title="Spare parts 2026–2027",
        kind="framework",
        customer=customer.pk,
        amount="500000.00",
        currency="USD",
        signed_on=str(days(-10)),
        sr=org.sr.pk,
        fr=org.fr.pk,
    )
    return Contract.objects.get(pk=body["id"])


def test_a_won_opportunity_drafts_its_contract_with_cost_and_payment_terms(org, api, drive):
    opportunity = OpportunityFactory(
        owner=org.rep,
        team=team(ar=org.rep, sr=org.sr, fr=org.fr),
        state="negotiating",
        amount=Decimal("2000000.00"),
        margin_pct=Decimal("25"),
    )
    review = drive.post(
        org.rep,
        "/api/v1/gate-reviews/",
        {"subject_type": "opportunity", "subject_id": opportunity.pk, "kind": "atc"},
        expect=201,
    )
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        topics = {k: "ok" for k, _label in GATE_TOPICS["atc"][role]}
        if role == "ar":
            topics["payment_terms"] = "30/30/30/10"
        drive.post(
            user,
            f"/api/v1/gate-reviews/{review['id']}/assessments/",
            {"verdict": "go", "confidence": 80, "risk_level": "low", "topics": topics},
        )
    drive.decide(org.manager, review["id"])
    contract = Contract.objects.get(opportunity=opportunity)
    assert contract.planned_cost == Decimal("1500000.00") and contract.margin_pct == 25
    assert contract.payment_terms == "30/30/30/10" and contract.atc_review_id == review["id"]
    assert contract.team.is_complete and contract.team_id != opportunity.team_id


def test_a_call_off_takes_its_framework_customer_and_currency(org, drive, framework):
    order = create(drive, org.rep, title="Call-off 1", framework=framework.pk, amount="200000")
    assert order["kind"] == "call_off" and order["framework"] == framework.pk
    assert order["customer"] == framework.customer_id and order["currency"] == "USD"


def test_call_offs_stay_within_the_framework_ceiling(org, drive, framework):
    create(drive, org.rep, title="Call-off 1", framework=framework.pk, amount="300000")
    refused = create(
        drive, org.rep, title="Call-off 2", framework=framework.pk, amount="250000", expect=400
    )
    assert refused["fields"] == {
        "amount": ["The framework agreement has 200000.00 left under its ceiling."]
    }
    other = CustomerFactory(owner=org.rep)
    refused = create(
        drive,
        org.rep,
        title="Call-off 3",
        framework=framework.pk,
        customer=other.pk,
        amount="1000",
        expect=400,
    )
    assert refused["fields"] == {"customer": ["A call-off order is for its framework's customer."]}
    assert Contract.objects.filter(kind="call_off").count() == 1


def test_a_call_off_is_signed_only_under_a_signed_framework(org, drive, framework):
    order = Contract.objects.get(
        pk=create(
            drive,
            org.rep,
            title="Call-off 1",
            framework=framework.pk,
            amount="1000",
            signed_on=str(days(-1)),
        )["id"]
    )
    refused = drive.transition(org.rep, order, "sign", expect=409)
    assert refused["fields"] == {"framework": ["The framework agreement must be signed first."]}
    drive.transition(org.rep, framework, "sign")
    assert drive.transition(org.rep, order, "sign")["state"] == "signed"


def test_only_a_framework_takes_call_offs_and_a_customer_is_needed(org, drive, contract):
    refused = create(drive, org.rep, title="x", framework=contract.pk, amount="1", expect=400)
    assert "framework" in refused["fields"]
    refused = create(drive, org.rep, title="No customer", amount="1", expect=400)
    assert refused["fields"] == {"customer": ["Required."]}
    stray = create(
        drive,
        org.rep,
        title="x",
        kind="call_off",
        customer=contract.customer_id,
        amount="1",
        expect=400,
    )
    assert stray["fields"] == {"framework": ["A call-off order needs its framework agreement."]}


def test_a_renewal_points_at_the_contract_it_renews(org, drive, contract):
    drive.transition(org.rep, contract, "sign")  # only a signed contract is renewed
    renewal = create(
        drive,
        org.rep,
        title="Maintenance 2027",
        customer=contract.customer_id,
        renewal_of=contract.pk,
        amount="100000",
    )
    assert renewal["renewal_of"] == contract.pk and renewal["kind"] == "standard"
