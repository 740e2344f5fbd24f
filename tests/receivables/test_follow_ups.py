"""Follow-ups on every record people follow up (issue 17.6): activities on opportunities,
contracts and payment milestones, through the API and the record pages."""

from __future__ import annotations

import pytest

from accounts.models import Activity
from ltc.models import AuditEvent
from tests.factories import ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def add(client, label, record, **data):
    payload = {
        "subject_type": label,
        "subject_id": record.pk,
        "kind": "call",
        "summary": "Called the CFO",
        **data,
    }
    return client.post("/api/v1/activities/", payload, format="json")


def test_an_activity_on_an_opportunity_is_filed_with_the_deal(org, api):
    opportunity = OpportunityFactory(owner=org.rep)
    contact = ContactFactory(customer=opportunity.customer)
    response = add(api(org.rep), "opportunities.opportunity", opportunity, contact=contact.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"] == opportunity.customer_id
    assert body["org_unit"] == opportunity.org_unit_id
    assert AuditEvent.objects.filter(target_id=opportunity.pk, action="activity.logged").exists()
    url = f"/api/v1/activities/?subject_type=opportunities.opportunity&subject_id={opportunity.pk}"
    assert [a["id"] for a in api(org.teammate).get(url).json()["results"]] == [body["id"]]


def test_an_activity_on_a_contract(org, api, make_contract):
    contract = make_contract()
    response = add(api(org.rep), "contracts.contract", contract, kind="meeting")
    assert response.status_code == 201, response.json()
    assert response.json()["customer"] == contract.customer_id
    assert AuditEvent.objects.filter(target_id=contract.pk, action="activity.logged").exists()


def test_an_activity_on_a_milestone_takes_its_contracts_customer_unit_and_owner(
    org, api, make_contract
):
    contract = make_contract()
    milestone = contract.payment_milestones.first()
    # The next step may go to the contract's owner (the AR), as on any record of theirs.
    response = add(api(org.manager), "receivables.paymentmilestone", milestone, owner=org.rep.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"] == contract.customer_id and body["org_unit"] == contract.org_unit_id
    assert body["owner"] == org.rep.pk
    assert AuditEvent.objects.filter(target_id=milestone.pk, action="activity.logged").exists()


def test_only_who_may_change_a_record_logs_on_it(org, api, make_contract):
    opportunity = OpportunityFactory(owner=org.rep)
    assert add(api(org.other_team_rep), "opportunity", opportunity).status_code == 404
    assert add(api(org.teammate), "opportunity", opportunity).status_code == 403
    milestone = make_contract().payment_milestones.first()
    assert add(api(org.other_region_rep), "paymentmilestone", milestone).status_code == 404
    assert add(api(org.finance), "paymentmilestone", milestone).status_code == 201
    assert Activity.objects.count() == 1


@pytest.mark.parametrize("which", ["opportunity", "contract", "milestone"])
def test_each_record_page_has_its_activities_and_the_inline_form(org, client, make_contract, which):
    contract = make_contract()
    record = {
        "opportunity": OpportunityFactory(owner=org.rep),
        "contract": contract,
        "milestone": contract.payment_milestones.first(),
    }[which]
    label = f"{record._meta.app_label}.{record._meta.model_name}"
    client.force_login(org.rep)
    page = client.get(record.get_absolute_url()).content.decode()
    assert 'id="activities"' in page and f"/activities/add/{label}/{record.pk}/" in page
    response = client.post(
        f"/activities/add/{label}/{record.pk}/",
        {
            "activity-kind": "visit",
            "activity-occurred_at": "2026-11-20T10:30",
            "activity-summary": "Site visit",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Site visit" in response.content.decode()
    assert Activity.objects.get().subject == record
