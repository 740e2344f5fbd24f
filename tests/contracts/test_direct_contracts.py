"""Contracts keep the LTC gate (issue 17.4, ADR 14): a contract is signed only after its
opportunity's ATC or under a direct-contract rule the company configures (kind, amount,
unit, roles), named and recorded on the contract, audited, and judged again at signing."""

from decimal import Decimal

import pytest

from contracts.models import Contract, DirectContractRule
from core.models import AuditEvent
from tests.factories import ContractFactory, CustomerFactory, DirectContractRuleFactory

from .conftest import days

pytestmark = pytest.mark.django_db
URL = "/api/v1/contracts/"


@pytest.fixture
def small_orders(org, api):
    """Small orders up to ¥100,000 in the GD office, for reps."""
    body = {
        "name": "Small orders",
        "kind": "small_order",
        "org_unit": org.gd.pk,
        "max_amount": "100000.00",
        "currency": "CNY",
        "roles": ["sales_rep"],
    }
    response = api(org.admin).post("/api/v1/direct-contract-rules/", body, format="json")
    assert response.status_code == 201, response.json()
    return DirectContractRule.objects.get(pk=response.json()["id"])


def order(customer, rule, **extra):
    body = {"title": "Spare optics", "customer": customer.pk, "amount": "80000.00"}
    if rule is not None:
        body["direct_rule"] = rule.pk
    return {**body, "signed_on": str(days(-1)), **extra}


def sign(api, user, contract_id):
    return api(user).post(f"{URL}{contract_id}/transitions/sign/", {}, format="json")


def test_only_administrators_configure_the_rules(org, api):
    body = {"name": "x", "kind": "renewal", "org_unit": org.gd.pk, "max_amount": "1.00"}
    for user in (org.rep, org.manager, org.director):
        response = api(user).post("/api/v1/direct-contract-rules/", body, format="json")
        assert response.status_code == 403
    assert not DirectContractRule.objects.exists()


def test_a_small_order_under_its_rule_is_recorded_audited_and_signed(org, api, small_orders):
    customer = CustomerFactory(owner=org.rep)
    created = api(org.rep).post(URL, order(customer, small_orders), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["direct_basis"], body["direct_rule"], body["direct_basis_by"]) == (
        "small_order",
        small_orders.pk,
        org.rep.pk,
    )
    event = AuditEvent.objects.get(target_id=body["id"], action="contract.direct_basis")
    assert event.actor == org.rep and event.changes["basis"] == "small_order"
    signed = sign(api, org.rep, body["id"])
    assert signed.status_code == 200 and signed.json()["state"] == "signed"


def test_a_contract_without_a_basis_is_refused_when_made_and_when_signed(org, api):
    customer = CustomerFactory(owner=org.rep)
    refused = api(org.rep).post(URL, order(customer, None), format="json")
    assert refused.status_code == 400 and "direct_rule" in refused.json()["fields"]
    assert not Contract.objects.exists()
    bare = ContractFactory(owner=org.rep, direct_rule=None, signed_on=days(-1))
    response = sign(api, org.rep, bare.pk)
    assert response.status_code == 409
    assert "Neither a passed ATC nor a direct-contract basis" in response.json()["message"]
    assert Contract.objects.get(pk=bare.pk).state == "draft"


def test_a_rep_outside_the_rules_roles_is_refused(org, api, small_orders):
    DirectContractRule.objects.filter(pk=small_orders.pk).update(roles=["sales_manager"])
    customer = CustomerFactory(owner=org.rep)
    refused = api(org.rep).post(URL, order(customer, small_orders), format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["direct_rule"] == [
        "Your role may not make contracts under “Small orders”."
    ]
    assert not Contract.objects.exists()


def test_an_amount_above_the_limit_is_refused_when_made_and_when_signed(org, api, small_orders):
    customer = CustomerFactory(owner=org.rep)
    refused = api(org.rep).post(URL, order(customer, small_orders, amount="150000.00"))
    assert refused.status_code == 400 and "amount" in refused.json()["fields"]
    assert not Contract.objects.exists()
    made = api(org.rep).post(URL, order(customer, small_orders), format="json").json()
    raised = api(org.rep).patch(f"{URL}{made['id']}/", {"amount": "120000.00"}, format="json")
    assert raised.status_code == 200
    response = sign(api, org.rep, made["id"])
    assert response.status_code == 409 and "amount" in response.json()["fields"]
    assert "limit" in response.json()["message"]


def test_a_renewal_of_another_customers_contract_is_refused(org, api):
    renewals = DirectContractRuleFactory(kind="renewal", org_unit=org.gd)
    theirs = ContractFactory(owner=org.rep, signed_on=days(-300))
    assert sign(api, org.rep, theirs.pk).status_code == 200
    mine = CustomerFactory(owner=org.rep)
    body = order(mine, renewals, renewal_of=theirs.pk)
    refused = api(org.rep).post(URL, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["renewal_of"] == [
        "A renewal continues a contract of the same customer."
    ]
    ok = api(org.rep).post(URL, {**body, "customer": theirs.customer_id}, format="json")
    assert ok.status_code == 201 and ok.json()["direct_basis"] == "renewal"


def test_a_rule_deactivated_before_signing_stops_the_signature_on_the_page(
    org, api, client, small_orders
):
    customer = CustomerFactory(owner=org.rep)
    client.force_login(org.rep)
    missing = client.post(
        "/contracts/new/",
        {
            "title": "Optics",
            "customer": customer.pk,
            "amount": "80000",
            "currency": "CNY",
            "tax_rate_pct": "13",
        },
    )
    assert (
        missing.status_code == 200 and "Choose the direct-contract rule" in missing.content.decode()
    )
    made = client.post(
        "/contracts/new/",
        {
            "title": "Optics",
            "customer": customer.pk,
            "amount": "80000",
            "currency": "CNY",
            "tax_rate_pct": "13",
            "direct_rule": small_orders.pk,
            "signed_on": str(days(-1)),
        },
    )
    assert made.status_code == 302
    contract = Contract.objects.get(title="Optics")
    assert contract.direct_basis == "small_order"
    assert "Small orders" in client.get(contract.get_absolute_url()).content.decode()
    api(org.admin).patch(
        f"/api/v1/direct-contract-rules/{small_orders.pk}/", {"is_active": False}, format="json"
    )
    page = client.post(f"/contracts/{contract.pk}/transitions/sign/", {}, follow=True)
    assert "is no longer active" in page.content.decode()
    assert Contract.objects.get(pk=contract.pk).state == "draft"
    assert Decimal(contract.amount) == Decimal("80000")
