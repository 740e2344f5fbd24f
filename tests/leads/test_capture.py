"""Capturing leads through the API: every source, the fields, and account registration
(客户报备): a lead for a registered account goes to its account manager."""

import pytest

from core.models import AuditEvent, Notification
from leads.models import Lead
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SOURCES = [
    "marketing_event",
    "channel_partner",
    "customer_inbound",
    "staff_referral",
    "web_form",
    "import",
]


def create(client, **data):
    payload = {"title": "Core network refresh", "company_name": "Foshan Water Co., Ltd.", **data}
    return client.post("/api/v1/leads/", payload, format="json")


@pytest.mark.parametrize("source", SOURCES)
def test_a_lead_from_every_source(org, api, source):
    response = create(
        api(org.rep),
        source=source,
        source_detail="Canton fair 2026" if source == "marketing_event" else "",
        contact_name="王工",
        contact_phone="13800138000",
        contact_email="wang@foshan-water.cn",
        need="Leaking pipes need telemetry",
        product_interest="NB-IoT meters",
        estimated_amount="1200000.00",
        currency="CNY",
        expected_close_date="2027-03-31",
        buying_pattern="continuous",
        budget_confirmed=True,
        budget_amount="1000000.00",
        authority_identified=True,
        region="广东",
        industry="energy",
    )
    assert response.status_code == 201, response.json()
    lead = response.json()
    assert lead["source"] == source and lead["state"] == "new"
    assert lead["owner"] is None and lead["org_unit"] == org.gd_carrier.pk  # the team pool
    assert (lead["budget_confirmed"], lead["authority_identified"]) == (True, True)
    assert lead["buying_pattern"] == "continuous"


def test_a_lead_needs_a_customer_or_a_company_name(org, api):
    response = create(api(org.rep), company_name="")
    assert response.status_code == 400 and "company_name" in response.json()["fields"]
    response = create(api(org.rep), buying_pattern="sometimes")
    assert response.status_code == 400 and "buying_pattern" in response.json()["fields"]


def test_a_lead_for_a_registered_customer_goes_to_its_account_manager(org, api):
    customer = CustomerFactory(owner=org.other_team_rep, region="广东", industry="healthcare")
    response = create(api(org.rep), company_name="", customer=customer.pk)
    # the rep cannot see the other team's customer, so cannot point at it by id
    assert response.status_code == 400 and "customer" in response.json()["fields"]

    response = create(api(org.rep), company_name=customer.name.upper().replace("CO.,", "CO"))
    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.customer == customer  # matched on the normalised name
    assert lead.owner == org.other_team_rep and lead.org_unit == org.gd_gov
    assert (lead.region, lead.industry) == ("广东", "healthcare")
    assert AuditEvent.objects.filter(target_id=lead.pk, action="lead.routed").exists()
    note = Notification.objects.get(recipient=org.other_team_rep)
    assert note.kind == "lead.assigned"
    # the capturing rep no longer sees it: it is not theirs to work
    assert api(org.rep).get(f"/api/v1/leads/{lead.pk}/").status_code == 404


def test_a_rep_cannot_keep_a_lead_on_someone_elses_account(org, api):
    customer = CustomerFactory(name="Guangzhou Metro Ltd", owner=org.teammate)
    response = create(api(org.rep), company_name="", customer=customer.pk, owner=org.rep.pk)
    assert response.status_code == 201
    assert Lead.objects.get(pk=response.json()["id"]).owner == org.teammate


def test_a_manager_may_give_a_registered_accounts_lead_to_someone_else(org, api):
    customer = CustomerFactory(name="Guangzhou Metro Ltd", owner=org.teammate)
    response = create(api(org.manager), company_name="", customer=customer.pk, owner=org.rep.pk)
    assert Lead.objects.get(pk=response.json()["id"]).owner == org.rep


def test_a_rep_may_only_own_leads_themselves(org, api):
    response = create(api(org.rep), owner=org.teammate.pk)
    assert response.status_code == 400 and "owner" in response.json()["fields"]
    assert create(api(org.rep), owner=org.rep.pk).status_code == 201
    assert not Notification.objects.exists()  # nobody to tell: the rep took it


def test_a_manager_assigning_a_new_lead_notifies_the_owner(org, api):
    response = create(api(org.manager), owner=org.rep.pk)
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.org_unit == org.gd_carrier
    assert Notification.objects.get(recipient=org.rep).target_id == lead.pk
    outside = create(api(org.manager), owner=org.other_region_rep.pk)
    assert outside.status_code == 400


def test_changing_the_owner_by_patch_follows_the_same_rules(org, api):
    lead = create(api(org.rep), owner=org.rep.pk).json()
    url = f"/api/v1/leads/{lead['id']}/"
    refused = api(org.rep).patch(url, {"owner": org.teammate.pk}, format="json")
    assert refused.status_code == 400
    moved = api(org.director).patch(url, {"owner": org.other_team_rep.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["org_unit"] == org.gd_gov.pk
    wrong_unit = api(org.director).patch(url, {"org_unit": org.js.pk}, format="json")
    assert wrong_unit.status_code == 400
