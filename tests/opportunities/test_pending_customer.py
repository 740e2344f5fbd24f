"""Deals on a customer still waiting for approval (客户审批, ADR 19) go up to the configured
stage (`LTC_PENDING_CUSTOMER_MAX_STAGE`) and no further; a rejected customer's deals do not
advance at all; losing or abandoning stays open to them."""

from __future__ import annotations

import pytest

from accounts.models import Customer

from .conftest import advance, assess_all, decide, open_gate, reload, transition

pytestmark = pytest.mark.django_db


def vet(customer, state: str) -> None:
    Customer.all_objects.filter(pk=customer.pk).update(state=state)


def test_a_pending_customers_deal_stops_at_the_configured_stage(org, api, opportunity, settings):
    settings.LTC_PENDING_CUSTOMER_MAX_STAGE = "guiding"
    vet(opportunity.customer, "pending")
    advance(api, org, opportunity, "guiding")  # ATI and guiding: allowed
    refused = transition(api, org.rep, opportunity, "start_bidding")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "customer_not_approved"
    assert "waiting for approval" in body["fields"]["customer"][0]
    assert reload(opportunity).state == "guiding"
    vet(opportunity.customer, "approved")
    assert transition(api, org.rep, opportunity, "start_bidding").status_code == 200


def test_the_ceiling_is_configurable(org, api, opportunity, settings):
    settings.LTC_PENDING_CUSTOMER_MAX_STAGE = "initiated"
    vet(opportunity.customer, "pending")
    advance(api, org, opportunity, "initiated")
    refused = transition(api, org.rep, opportunity, "start_guiding")
    assert (refused.status_code, refused.json()["code"]) == (409, "customer_not_approved")


def test_the_ati_go_is_refused_whole_on_a_pending_customer_below_it(
    org, api, opportunity, settings
):
    settings.LTC_PENDING_CUSTOMER_MAX_STAGE = "identified"
    vet(opportunity.customer, "pending")
    review = open_gate(api, org.rep, opportunity, "ati").json()
    assess_all(api, org, review["id"], "ati")
    decided = decide(api, org.manager, review["id"])
    assert (decided.status_code, decided.json()["code"]) == (409, "customer_not_approved")
    assert reload(opportunity).state == "identified"


def test_a_rejected_customers_deal_cannot_advance_but_can_be_closed(org, api, opportunity):
    advance(api, org, opportunity, "initiated")
    vet(opportunity.customer, "rejected")
    refused = transition(api, org.rep, opportunity, "start_guiding")
    assert refused.status_code == 409
    assert refused.json()["code"] == "customer_not_approved"
    assert "rejected" in refused.json()["fields"]["customer"][0]
    abandoned = transition(
        api, org.rep, opportunity, "abandon", reason="Not listed", reason_code="no_decision"
    )
    assert abandoned.status_code == 200, abandoned.json()
