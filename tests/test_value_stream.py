"""The thin end-to-end slice of the value stream, through the REST API and through the pages:
lead → converted to an opportunity (iron triangle set, ATI passed) → won through ATB and ATC →
contract → one payment milestone → a receipt that settles it."""

from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Contract
from core.gates import GATE_TOPICS
from core.models import GateReview
from leads.models import Lead
from opportunities.models import Opportunity
from receivables.models import PaymentMilestone

pytestmark = pytest.mark.django_db


def topics(kind: str, role: str) -> dict:
    return {key: f"{key} assessed" for key, _label in GATE_TOPICS[kind][role]}


def pass_gate_api(api, org, opportunity_id: int, kind: str) -> dict:
    review = api(org.rep).post(
        "/api/v1/gate-reviews/",
        {"subject_type": "opportunity", "subject_id": opportunity_id, "kind": kind},
        format="json",
    )
    assert review.status_code == 201, review.json()
    review_id = review.json()["id"]
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        response = api(user).post(
            f"/api/v1/gate-reviews/{review_id}/assessments/",
            {"verdict": "go", "confidence": 80, "risk_level": "low", "topics": topics(kind, role)},
            format="json",
        )
        assert response.status_code == 200, response.json()
    decided = api(org.manager).post(
        f"/api/v1/gate-reviews/{review_id}/decision/",
        {"decision": "go", "comment": "Go."},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["state"] == "go"
    return decided.json()


def transition_api(api, user, resource: str, pk: int, name: str, **data):
    response = api(user).post(f"/api/v1/{resource}/{pk}/transitions/{name}/", data, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_lead_to_cash_through_the_api(org, api):
    rep = api(org.rep)
    created = rep.post(
        "/api/v1/leads/",
        {
            "title": "5G campus network",
            "company_name": "Guangzhou Port Group Co., Ltd.",
            "need": "Private 5G for cranes",
            "estimated_amount": "2000000.00",
            "currency": "CNY",
            "owner": org.rep.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    lead = created.json()
    assert lead["state"] == "new"
    assert [t["name"] for t in lead["available_transitions"]] == [
        "disqualify",
        "start_verification",
    ]

    transition_api(api, org.rep, "leads", lead["id"], "start_verification")
    refused = rep.post(f"/api/v1/leads/{lead['id']}/transitions/verify/", {}, format="json")
    assert refused.status_code == 409
    assert set(refused.json()["fields"]) == {
        "need_confirmed",
        "budget_confirmed",
        "authority_identified",
        "timeline_confirmed",
    }

    patched = rep.patch(
        f"/api/v1/leads/{lead['id']}/",
        {
            "need_confirmed": True,
            "budget_confirmed": True,
            "authority_identified": True,
            "timeline_confirmed": True,
        },
        format="json",
    )
    assert patched.status_code == 200
    transition_api(api, org.rep, "leads", lead["id"], "verify")
    transition_api(api, org.manager, "leads", lead["id"], "distribute")

    converted = rep.post(
        "/api/v1/opportunities/from-lead/",
        {"lead": lead["id"], "sr": org.sr.pk, "fr": org.fr.pk},
        format="json",
    )
    assert converted.status_code == 201, converted.json()
    opportunity = converted.json()
    assert {m["role"] for m in opportunity["team"]} == {"ar", "sr", "fr"}
    assert Lead.objects.get(pk=lead["id"]).state == "converted"
    assert opportunity["customer"] is not None

    pass_gate_api(api, org, opportunity["id"], "ati")
    assert Opportunity.objects.get(pk=opportunity["id"]).state == "initiated"
    transition_api(api, org.rep, "opportunities", opportunity["id"], "start_guiding")
    transition_api(api, org.rep, "opportunities", opportunity["id"], "start_bidding")
    pass_gate_api(api, org, opportunity["id"], "atb")
    transition_api(api, org.rep, "opportunities", opportunity["id"], "award")
    pass_gate_api(api, org, opportunity["id"], "atc")
    assert Opportunity.objects.get(pk=opportunity["id"]).state == "won"

    contract = Contract.objects.get(opportunity_id=opportunity["id"])
    assert contract.amount == Decimal("2000000.00")
    assert contract.team.is_complete and contract.team != contract.opportunity.team
    assert contract.atc_review.kind == "atc"

    finance = api(org.finance)
    plan = finance.post(
        "/api/v1/payment-plans/",
        {
            "contract": contract.pk,
            "milestones": [
                {
                    "kind": "down_payment",
                    "percentage": "100",
                    "trigger": "on_signing",
                    "credit_days": 10,
                }
            ],
        },
        format="json",
    )
    assert plan.status_code == 201, plan.json()
    rep.patch(
        f"/api/v1/contracts/{contract.pk}/", {"signed_on": str(timezone.localdate())}, format="json"
    )
    signed = transition_api(api, org.rep, "contracts", contract.pk, "sign")
    assert signed["state"] == "signed"
    milestone = PaymentMilestone.objects.get(contract=contract)
    assert milestone.state == "due"
    assert milestone.due_date == timezone.localdate() + timezone.timedelta(days=10)

    receipt = finance.post(
        "/api/v1/receipts/",
        {
            "contract": contract.pk,
            "amount": "2000000.00",
            "received_on": str(timezone.localdate()),
            "method": "bank_transfer",
            "bank_reference": "ICBC-1",
        },
        format="json",
    )
    assert receipt.status_code == 201, receipt.json()
    assert receipt.json()["unapplied_amount"] == "0.00"
    milestone.refresh_from_db()
    assert milestone.state == "paid" and milestone.paid_amount == milestone.amount

    timeline = rep.get(f"/api/v1/opportunities/{opportunity['id']}/timeline/").json()
    transitions = [e["transition"] for e in timeline if e["transition"]]
    assert transitions[:3] == ["win", "award", "submit_bid"]
    assert "convert" in transitions  # the lead's history carried across


def _post(client, url, data, expect=302):
    response = client.post(url, data)
    assert response.status_code == expect, response.content.decode()[:2000]
    return response


def _assess_page(client, review: GateReview, role: str):
    data = {"form": "assess", "verdict": "go", "confidence": "70", "risk_level": "low"}
    data.update({f"topic_{k}": "ok" for k, _label in GATE_TOPICS[review.kind][role]})
    _post(client, review.get_absolute_url(), data)


def test_lead_to_cash_through_the_pages(org, client):
    client.force_login(org.rep)
    _post(
        client,
        "/leads/new/",
        {
            "title": "Hospital network",
            "company_name": "Foshan People's Hospital",
            "need": "Core switching",
            "estimated_amount": "500000",
            "currency": "CNY",
            "source": "customer_inbound",
            "buying_pattern": "occasional",
            "owner": org.rep.pk,
            "need_confirmed": "on",
            "budget_confirmed": "on",
            "authority_identified": "on",
            "timeline_confirmed": "on",
        },
    )
    lead = Lead.objects.get(title="Hospital network")
    page = client.get(lead.get_absolute_url())
    assert "Start verification" in page.content.decode()
    _post(client, f"/leads/{lead.pk}/transitions/start_verification/", {})
    _post(client, f"/leads/{lead.pk}/transitions/verify/", {})
    lead.refresh_from_db()
    assert lead.state == "verified"
    assert "Convert to opportunity" in client.get(lead.get_absolute_url()).content.decode()

    _post(
        client,
        f"/opportunities/from-lead/{lead.pk}/",
        {"name": "Hospital network", "sr": org.sr.pk, "fr": org.fr.pk},
    )
    opportunity = Opportunity.objects.get(lead=lead)
    _post(client, f"/opportunities/{opportunity.pk}/gates/ati/open/", {})
    review = GateReview.objects.get(subject_id=opportunity.pk, kind="ati")
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        client.force_login(user)
        _assess_page(client, review, role)
    client.force_login(org.manager)
    _post(
        client,
        review.get_absolute_url(),
        {"form": "decide", "decision": "go", "comment": "Initiate."},
    )
    opportunity.refresh_from_db()
    assert opportunity.state == "initiated"
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "moved the opportunity from Identified to Initiated (ATI passed)." in page  # timeline


def test_finance_settles_a_milestone_on_the_receipt_page(org, client):
    from tests.factories import ContractFactory

    contract = ContractFactory(
        owner=org.rep, amount=Decimal("100000.00"), signed_on=timezone.localdate()
    )
    client.force_login(org.finance)
    _post(
        client,
        f"/collections/contracts/{contract.pk}/plan/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "1",
            "form-MAX_NUM_FORMS": "50",
            "form-0-kind": "down_payment",
            "form-0-name": "首付款",
            "form-0-percentage": "100",
            "form-0-trigger": "on_signing",
            "form-0-credit_days": "0",
        },
    )
    client.force_login(org.rep)
    _post(client, f"/contracts/{contract.pk}/transitions/sign/", {})
    client.force_login(org.finance)
    _post(
        client,
        "/collections/receipts/new/",
        {
            "contract": contract.pk,
            "amount": "100000.00",
            "received_on": str(timezone.localdate()),
            "method": "bank_transfer",
            "bank_reference": "CMB-77",
        },
    )
    milestone = PaymentMilestone.objects.get(contract=contract)
    assert milestone.state == "paid"
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "首付款" in page
