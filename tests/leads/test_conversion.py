"""Conversion carries the lead's follow-up record across: its activities stay on the lead
(their subject) and join the customer the conversion creates."""

import pytest

from accounts.models import Activity
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_activities_follow_the_lead_into_its_new_customer(org, api):
    lead = LeadFactory(
        owner=org.rep,
        company_name="Shantou Port Co., Ltd.",
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    Lead.objects.filter(pk=lead.pk).update(state="verified")
    client = api(org.rep)
    logged = client.post(
        "/api/v1/activities/",
        {"subject_type": "leads.lead", "subject_id": lead.pk, "kind": "visit", "summary": "Site"},
        format="json",
    )
    assert logged.json()["customer"] is None  # no customer yet

    converted = client.post(
        "/api/v1/opportunities/from-lead/", {"lead": lead.pk, "sr": org.sr.pk}, format="json"
    )
    assert converted.status_code == 201, converted.json()
    customer_id = converted.json()["customer"]
    activity = Activity.objects.get(pk=logged.json()["id"])
    assert activity.customer_id == customer_id
    assert activity.subject_id == lead.pk  # still the lead's follow-up record
    listed = client.get(f"/api/v1/activities/?customer={customer_id}").json()["results"]
    assert [a["id"] for a in listed] == [activity.pk]


def test_a_lead_linked_at_capture_converts_onto_the_registered_customer(org, api):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(name="Shantou Port Group Ltd", owner=org.rep)
    created = (
        api(org.rep)
        .post(
            "/api/v1/leads/",
            {
                "title": "Cranes",
                "company_name": "SHANTOU PORT GROUP CO., LTD.",
                "need_confirmed": True,
                "budget_confirmed": True,
                "authority_identified": True,
                "timeline_confirmed": True,
            },
            format="json",
        )
        .json()
    )
    assert created["customer"] == customer.pk
    Lead.objects.filter(pk=created["id"]).update(state="verified")
    converted = api(org.rep).post(
        "/api/v1/opportunities/from-lead/", {"lead": created["id"]}, format="json"
    )
    assert converted.json()["customer"] == customer.pk  # no duplicate customer


def test_conversion_refuses_a_likely_duplicate_customer_until_told_otherwise(org, api):
    """A customer registered after the lead arrived is named; nothing is half-converted."""
    from accounts.models import Contact, Customer
    from opportunities.models import Opportunity
    from tests.factories import CustomerFactory

    lead = LeadFactory(
        owner=org.rep,
        company_name="Zhanjiang Steel Co., Ltd.",
        contact_name="Ms. Huang",
        contact_phone="+86 759 1234 5678",
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    Lead.objects.filter(pk=lead.pk).update(state="verified")
    CustomerFactory(name="ZHANJIANG STEEL CO LTD", owner=org.rep)
    client = api(org.rep)

    refused = client.post("/api/v1/opportunities/from-lead/", {"lead": lead.pk}, format="json")
    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "duplicate_customer"
    assert "ZHANJIANG STEEL CO LTD" in refused.json()["message"]
    assert not Opportunity.objects.exists()
    assert Lead.objects.get(pk=lead.pk).state == "verified"

    customers_before = Customer.objects.count()
    converted = client.post(
        "/api/v1/opportunities/from-lead/",
        {"lead": lead.pk, "allow_duplicate_customer": True},
        format="json",
    )
    assert converted.status_code == 201, converted.json()
    assert Customer.objects.count() == customers_before + 1
    contact = Contact.objects.get(customer_id=converted.json()["customer"])
    assert (contact.name, contact.phone) == ("Ms. Huang", "+86 759 1234 5678")
    assert Lead.objects.get(pk=lead.pk).contact_id == contact.pk
