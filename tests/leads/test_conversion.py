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
