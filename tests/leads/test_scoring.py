"""The lead score: every component, recomputed when its input changes, lists sorted by it."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import Activity
from keyaccounts.services.accounts import profile_for
from leads.models import Lead
from leads.tasks import leads_rescore_open
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def create(client, **data):
    payload = {"title": "x", "company_name": "Score Test Ltd", "source": "import", **data}
    response = client.post("/api/v1/leads/", payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def parts(lead: dict) -> dict:
    return {key: part["points"] for key, part in lead["score_breakdown"].items()}


def test_a_bare_lead_scores_only_its_source(org, api):
    lead = create(api(org.rep))
    assert parts(lead) == {"bant": 0, "source": 4, "tier": 0, "amount": 0, "activity": 0}
    assert lead["score"] == 4
    assert {p["max"] for p in lead["score_breakdown"].values()} == {40, 15}


@pytest.mark.parametrize(
    ("flags", "points"),
    [
        ({}, 0),
        ({"budget_confirmed": True}, 10),
        ({"budget_confirmed": True, "need_confirmed": True}, 20),
        (
            {
                "budget_confirmed": True,
                "need_confirmed": True,
                "authority_identified": True,
                "timeline_confirmed": True,
            },
            40,
        ),
    ],
)
def test_bant_completeness(org, api, flags, points):
    lead = create(api(org.rep), **flags)
    assert parts(lead)["bant"] == points
    assert sorted(lead["score_breakdown"]["bant"]["basis"]) == sorted(flags)


@pytest.mark.parametrize(
    ("source", "points"),
    [
        ("staff_referral", 15),
        ("customer_inbound", 13),
        ("channel_partner", 10),
        ("marketing_event", 8),
        ("web_form", 6),
        ("import", 4),
    ],
)
def test_source(org, api, source, points):
    assert parts(create(api(org.rep), source=source))["source"] == points


@pytest.mark.parametrize(("tier", "points"), [("strategic", 15), ("key", 10), ("normal", 5)])
def test_account_tier(org, api, tier, points):
    customer = CustomerFactory(owner=org.rep, tier=tier)
    lead = create(api(org.rep), customer=customer.pk, company_name="")
    assert parts(lead)["tier"] == points


@pytest.mark.parametrize(
    ("amount", "currency", "points"),
    [
        (None, "CNY", 0),
        ("500.00", "CNY", 2),
        ("100000.00", "CNY", 5),
        ("1000000.00", "CNY", 9),
        ("5000000.00", "CNY", 12),
        ("12000000.00", "CNY", 15),
        ("200000.00", "USD", 9),  # about 1.4M yuan: a band, not a conversion
    ],
)
def test_estimated_amount(org, api, amount, currency, points):
    lead = create(api(org.rep), estimated_amount=amount, currency=currency)
    assert parts(lead)["amount"] == points


def log_activity(api, user, lead_id, when=None):
    payload = {"subject_type": "leads.lead", "subject_id": lead_id, "kind": "call", "summary": "c"}
    if when:
        payload["occurred_at"] = when.isoformat()
    response = api(user).post("/api/v1/activities/", payload, format="json")
    assert response.status_code == 201, response.json()


def test_recent_activity_raises_the_score_at_once(org, api):
    lead = create(api(org.rep), owner=org.rep.pk)
    log_activity(api, org.rep, lead["id"], timezone.now() - dt.timedelta(days=20))
    assert parts(api(org.rep).get(f"/api/v1/leads/{lead['id']}/").json())["activity"] == 10
    log_activity(api, org.rep, lead["id"])
    fresh = api(org.rep).get(f"/api/v1/leads/{lead['id']}/").json()
    assert parts(fresh)["activity"] == 15 and fresh["score"] == 4 + 15
    assert fresh["last_activity_at"] is not None


def test_the_activity_part_fades_with_the_daily_rescore(org, api):
    lead = create(api(org.rep), owner=org.rep.pk)
    log_activity(api, org.rep, lead["id"])
    Activity.objects.update(occurred_at=timezone.now() - dt.timedelta(days=60))
    Lead.objects.filter(pk=lead["id"]).update(
        last_activity_at=timezone.now() - dt.timedelta(days=60)
    )
    assert leads_rescore_open.delay().get() == 1
    assert parts(api(org.rep).get(f"/api/v1/leads/{lead['id']}/").json())["activity"] == 5
    assert leads_rescore_open.delay().get() == 0


def test_editing_an_input_recomputes_the_score(org, api):
    lead = create(api(org.rep), owner=org.rep.pk)
    patched = api(org.rep).patch(
        f"/api/v1/leads/{lead['id']}/",
        {"need_confirmed": True, "source": "staff_referral"},
        format="json",
    )
    assert patched.json()["score"] == 10 + 15


def test_a_customers_new_tier_rescores_its_open_leads(org, api):
    customer = CustomerFactory(owner=org.rep, tier="normal")
    lead = create(api(org.rep), customer=customer.pk, company_name="")
    closed = LeadFactory(owner=org.rep, customer=customer)
    Lead.objects.filter(pk=closed.pk).update(state="disqualified", score=0)
    profile = profile_for(customer)  # the tier changes by a manager's override (or the criteria)
    api(org.manager).post(
        f"/api/v1/account-profiles/{profile.pk}/tier-override/",
        {"tier": "strategic", "reason": "Provincial flagship."},
        format="json",
    )
    assert parts(api(org.rep).get(f"/api/v1/leads/{lead['id']}/").json())["tier"] == 15
    assert Lead.objects.get(pk=closed.pk).score == 0  # closed leads keep their last score


def test_lists_sort_by_score(org, api):
    low = create(api(org.rep), owner=org.rep.pk)
    high = create(api(org.rep), owner=org.rep.pk, source="staff_referral", need_confirmed=True)
    middle = create(api(org.rep), owner=org.rep.pk, source="staff_referral")
    rows = api(org.rep).get("/api/v1/leads/?ordering=-score").json()["results"]
    assert [r["id"] for r in rows] == [high["id"], middle["id"], low["id"]]
    filtered = api(org.rep).get("/api/v1/leads/?min_score=15").json()["results"]
    assert {r["id"] for r in filtered} == {high["id"], middle["id"]}


def test_the_breakdown_is_shown_on_the_lead_page(org, client, api):
    lead = create(api(org.rep), owner=org.rep.pk, budget_confirmed=True)
    client.force_login(org.rep)
    page = client.get(f"/leads/{lead['id']}/").content.decode()
    assert "BANT completeness" in page and "10 / 40" in page and "4 / 15" in page


def test_activities_on_other_records_do_not_touch_leads(org, api):
    customer = CustomerFactory(owner=org.rep)
    lead = create(api(org.rep), customer=customer.pk, company_name="")
    Activity.objects.create(
        kind="call",
        subject_type=ContentType.objects.get_for_model(customer),
        subject_id=lead["id"],  # same id, another kind of record
        customer=customer,
        owner=org.rep,
        org_unit=org.gd_carrier,
        summary="x",
    )
    response = api(org.rep).post(
        "/api/v1/activities/",
        {
            "subject_type": "accounts.customer",
            "subject_id": customer.pk,
            "kind": "call",
            "summary": "c",
        },
        format="json",
    )
    assert response.status_code == 201
    assert Lead.objects.get(pk=lead["id"]).last_activity_at is None
