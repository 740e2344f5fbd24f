"""Follow-ups on every record people follow up (issue 17.6): activities on opportunities,
contracts and payment milestones, through the API and the record pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Activity
from core.models import AuditEvent
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


# --- Collection calls and promises of payment ---------------------------------------------------


def promise(client, milestone, **data):
    return add(
        client,
        "receivables.paymentmilestone",
        milestone,
        kind="collection_call",
        summary="Chased the down payment",
        **data,
    )


def test_a_collection_call_records_the_customers_promise(org, api, make_contract):
    contract = make_contract(currency="USD")
    milestone = contract.payment_milestones.first()
    when = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = promise(
        api(org.rep), milestone, promised_payment_date=when, promised_amount="100,000.00"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["promised_amount"] == "100000.00" and body["promised_currency"] == "USD"
    event = AuditEvent.objects.get(target_id=milestone.pk, action="activity.logged")
    assert "100,000.00 USD" in event.comment  # the promise reads on the milestone's timeline


@pytest.mark.parametrize(
    ("where", "data", "field"),
    [
        ("opportunity", {"kind": "collection_call"}, "kind"),
        ("milestone", {"kind": "call", "promised_payment_date": "2030-01-01"}, "kind"),
        ("milestone", {"promised_amount": "1000"}, "promised_payment_date"),
        (
            "milestone",
            {"promised_amount": "0", "promised_payment_date": "2030-01-01"},
            "promised_amount",
        ),
        (
            "milestone",
            {"promised_amount": "-5", "promised_payment_date": "2030-01-01"},
            "promised_amount",
        ),
        (
            "milestone",
            {"promised_amount": "300000.01", "promised_payment_date": "2030-01-01"},
            "promised_amount",
        ),
        (
            "milestone",
            {"promised_amount": "lots", "promised_payment_date": "2030-01-01"},
            "promised_amount",
        ),
    ],
)
def test_a_bad_promise_is_a_field_error(org, api, make_contract, where, data, field):
    milestone = make_contract().payment_milestones.first()  # 300,000.00 owed
    record = OpportunityFactory(owner=org.rep) if where == "opportunity" else milestone
    label = f"{record._meta.app_label}.{record._meta.model_name}"
    response = add(api(org.rep), label, record, **{"kind": "collection_call", **data})
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Activity.objects.exists()


def test_a_promise_cannot_be_moved_onto_a_plain_call(org, api, make_contract):
    milestone = make_contract().payment_milestones.first()
    made = promise(api(org.rep), milestone, promised_payment_date="2030-01-01").json()
    response = api(org.rep).patch(
        f"/api/v1/activities/{made['id']}/", {"kind": "visit"}, format="json"
    )
    assert response.status_code == 400 and "kind" in response.json()["fields"]


def test_the_promise_shows_on_the_milestone_and_the_collections_board(
    org, client, api, make_contract
):
    milestone = make_contract().payment_milestones.first()
    past = timezone.localdate() - dt.timedelta(days=3)
    promise(api(org.rep), milestone, promised_payment_date=past.isoformat(), promised_amount="5000")
    client.force_login(org.rep)
    detail = client.get(milestone.get_absolute_url()).content.decode()
    assert "Promised payment" in detail and "promise broken" in detail
    board = client.get("/collections/").content.decode()
    assert "promised by" in board and "promise broken" in board


# --- Overdue next steps on each record ----------------------------------------------------------


@pytest.mark.parametrize("which", ["opportunity", "contract", "milestone"])
def test_an_overdue_next_step_flags_the_record_in_the_api_list_and_pages(
    org, api, client, make_contract, which
):
    contract, other = make_contract(), make_contract()
    records = {
        "opportunity": (
            OpportunityFactory(owner=org.rep),
            OpportunityFactory(owner=org.rep),
            "/api/v1/opportunities/",
        ),
        "contract": (contract, other, "/api/v1/contracts/"),
        "milestone": (
            contract.payment_milestones.first(),
            other.payment_milestones.first(),
            "/api/v1/payment-milestones/",
        ),
    }
    late, on_time, url = records[which]
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for record, date in ((late, yesterday), (on_time, tomorrow)):
        label = f"{record._meta.app_label}.{record._meta.model_name}"
        made = add(api(org.rep), label, record, next_step="Call back", next_step_date=date)
        assert made.status_code == 201, made.json()
    flagged = api(org.rep).get(f"{url}?overdue_next_step=true").json()["results"]
    assert [r["id"] for r in flagged] == [late.pk]
    others = {r["id"] for r in api(org.rep).get(f"{url}?overdue_next_step=false").json()["results"]}
    assert late.pk not in others and on_time.pk in others
    client.force_login(org.rep)
    assert "next step overdue" in client.get(late.get_absolute_url()).content.decode()
    assert "next step overdue" not in client.get(on_time.get_absolute_url()).content.decode()
    Activity.objects.filter(subject_id=late.pk).update(next_step_done_at=timezone.now())
    assert api(org.rep).get(f"{url}?overdue_next_step=true").json()["results"] == []


@pytest.mark.parametrize("page", ["/opportunities/", "/contracts/", "/collections/"])
def test_record_lists_show_the_flag(org, client, api, make_contract, page):
    contract = make_contract()
    records = {
        "/opportunities/": OpportunityFactory(owner=org.rep),
        "/contracts/": contract,
        "/collections/": contract.payment_milestones.first(),
    }
    record = records[page]
    label = f"{record._meta.app_label}.{record._meta.model_name}"
    client.force_login(org.rep)
    assert "next step overdue" not in client.get(page).content.decode()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    add(api(org.rep), label, record, next_step="Call back", next_step_date=yesterday)
    assert "next step overdue" in client.get(page).content.decode()
