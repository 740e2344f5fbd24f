"""Bulk upsert of customers and contacts by external id: per-item results, each item on its
own, the same checks, audit and access policy as one at a time, safe to retry."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Contact, Customer
from core.audit import timeline
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/bulk-upsert/"
CONTACTS = "/api/v1/contacts/bulk-upsert/"


def upsert(client, items, path=CUSTOMERS, **extra):
    return client.post(path, {"items": items, **extra}, format="json")


def test_creates_updates_and_reports_each_item(org, api):
    mine = CustomerFactory(owner=org.rep, external_id="ERP-1", name="Foshan Water Co., Ltd.")
    same = CustomerFactory(owner=org.rep, external_id="ERP-2", name="Zhuhai Port Group")
    response = upsert(
        api(org.rep),
        [
            {"external_id": "ERP-1", "name": "Foshan Water Supply Co., Ltd.", "region": "广东"},
            {"external_id": "ERP-2", "name": "Zhuhai Port Group"},
            {"external_id": "ERP-3", "name": "Shantou Metro Corp."},
            {"external_id": "ERP-4", "name": "Jieyang Grid", "email": "not-an-email"},
        ],
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["updated", "unchanged", "created", "error"]
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (1, 1, 1, 1)
    assert [r["index"] for r in body["results"]] == [0, 1, 2, 3]
    assert body["results"][0]["id"] == mine.pk and body["results"][1]["id"] == same.pk
    error = body["results"][3]
    assert error["id"] is None and error["error"]["code"] == "invalid"
    assert set(error["error"]["fields"]) == {"email"}

    mine.refresh_from_db()
    assert (mine.name, mine.region, mine.version) == ("Foshan Water Supply Co., Ltd.", "广东", 2)
    same.refresh_from_db()
    assert same.version == 1
    created = Customer.objects.get(external_id="ERP-3")
    assert created.pk == body["results"][2]["id"]
    assert (created.owner, created.org_unit) == (org.rep, org.rep.org_unit)
    assert not Customer.objects.filter(external_id="ERP-4").exists()
    assert timeline(mine).filter(action="updated").exists()  # audited like a single update
    assert timeline(created).filter(action="created").exists()


def test_items_are_checked_like_single_creates(org, api):
    CustomerFactory(owner=org.teammate, name="Foshan Water Co., Ltd.")
    client = api(org.rep)
    item = {"external_id": "ERP-9", "name": "Foshan Water Co., Ltd"}
    result = upsert(client, [item]).json()["results"][0]
    assert result["status"] == "error" and result["error"]["code"] == "duplicate_customer"
    result = upsert(client, [item], allow_duplicate=True).json()["results"][0]
    assert result["status"] == "created"


def test_a_failing_item_leaves_nothing_and_the_others_apply(org, api):
    response = upsert(
        api(org.rep),
        [
            {"external_id": "ERP-1", "name": "Shantou Metro Corp."},
            {"external_id": "ERP-1", "name": "Shantou Metro Corp. again"},
            {"name": "No key Ltd."},
            {"external_id": "ERP-2", "name": ""},
            {"external_id": "ERP-3", "name": "Jieyang Grid"},
        ],
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error", "error", "created"]
    assert results[1]["error"]["code"] == "duplicate_item"
    assert results[2]["error"]["fields"] == {"external_id": ["Required."]}
    assert "name" in results[3]["error"]["fields"]
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"ERP-1", "ERP-3"}
    assert Customer.objects.get(external_id="ERP-1").name == "Shantou Metro Corp."


def test_records_one_may_not_change_or_see_are_per_item_errors(org, api):
    teams = CustomerFactory(owner=org.teammate, external_id="ERP-TEAM", name="Team Co.")
    hidden = CustomerFactory(owner=org.other_region_rep, external_id="ERP-JS", name="JS Co.")
    response = upsert(
        api(org.rep),
        [
            {"external_id": "ERP-TEAM", "name": "Taken over"},
            {"external_id": "ERP-JS", "name": "Taken over"},
        ],
    )
    forbidden, unseen = response.json()["results"]
    assert forbidden["error"]["code"] == "forbidden" and forbidden["id"] is None
    assert unseen["error"]["code"] == "external_id_unavailable" and unseen["id"] is None
    assert str(hidden.pk) not in str(unseen) and "JS Co." not in str(unseen)
    teams.refresh_from_db()
    hidden.refresh_from_db()
    assert (teams.name, hidden.name) == ("Team Co.", "JS Co.")
    # whoever may change them (the unit's manager, an administrator) updates them
    results = upsert(api(org.admin), [{"external_id": "ERP-JS", "name": "Renamed"}]).json()
    assert results["results"][0]["status"] == "updated"


def test_bad_envelopes_are_400_and_the_size_is_capped(org, api):
    client = api(org.rep)
    assert client.post(CUSTOMERS, {"items": []}, format="json").status_code == 400
    assert client.post(CUSTOMERS, {"items": "x"}, format="json").status_code == 400
    assert client.post(CUSTOMERS, [{"external_id": "A"}], format="json").status_code == 400
    too_many = [{"external_id": f"E{i}", "name": f"C {i}"} for i in range(1001)]
    response = upsert(client, too_many)
    assert response.status_code == 400
    assert "items" in response.json()["fields"]
    assert not Customer.objects.exists()


def test_existing_records_are_fetched_at_once_not_per_item(org, api):
    for i in range(30):
        CustomerFactory(owner=org.rep, external_id=f"ERP-{i}", name=f"Customer {i}")
    client = api(org.rep)

    def queries(count):
        items = [{"external_id": f"ERP-{i}", "tier": "normal"} for i in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert upsert(client, items).json()["unchanged"] == count
        return [q["sql"] for q in captured.captured_queries]

    few, many = queries(3), queries(30)
    lookups = [sql for sql in many if '"external_id"' in sql and "SELECT" in sql]
    assert len(lookups) == 1 and "IN (" in lookups[0]
    # the rest is each item's own work (savepoint, row lock, write): the same for every item
    per_item, remainder = divmod(len(many) - len(few), 27)
    assert remainder == 0 and per_item <= 8


def test_contacts_by_external_id_at_customers_named_by_theirs(org, api):
    customer = CustomerFactory(owner=org.rep, external_id="ERP-C-1")
    other = CustomerFactory(owner=org.other_region_rep, external_id="ERP-C-JS")
    known = ContactFactory(customer=customer, external_id="ERP-P-1", name="Li Wei")
    response = upsert(
        api(org.rep),
        [
            {"external_id": "ERP-P-1", "title": "CIO"},
            {"external_id": "ERP-P-2", "customer_external_id": "ERP-C-1", "name": "Wang Fang"},
            {"external_id": "ERP-P-3", "customer": customer.pk, "name": "Zhao Lei"},
            {"external_id": "ERP-P-4", "customer_external_id": "ERP-C-JS", "name": "Sun Li"},
            {"external_id": "ERP-P-5", "customer": other.pk, "name": "Sun Li"},
            {"external_id": "ERP-P-6", "name": "Nobody's"},
        ],
        path=CONTACTS,
    )
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "updated",
        "created",
        "created",
        "error",
        "error",
        "error",
    ]
    assert results[3]["error"]["fields"] == {"customer_external_id": ["No such customer."]}
    assert "customer" in results[4]["error"]["fields"]  # unseen is the same as missing
    assert results[5]["error"]["fields"] == {"customer": ["Required."]}
    known.refresh_from_db()
    assert (known.title, known.name) == ("CIO", "Li Wei")
    assert set(customer.contacts.values_list("external_id", flat=True)) == {
        "ERP-P-1",
        "ERP-P-2",
        "ERP-P-3",
    }
    assert not other.contacts.exists()


def test_contacts_of_customers_one_may_only_view_are_not_changed(org, api):
    teams = CustomerFactory(owner=org.teammate)
    ContactFactory(customer=teams, external_id="ERP-P-T", name="Li Wei")
    response = upsert(
        api(org.rep),
        [
            {"external_id": "ERP-P-T", "name": "Changed"},
            {"external_id": "ERP-P-N", "customer": teams.pk, "name": "New"},
        ],
        path=CONTACTS,
    )
    forbidden, refused = response.json()["results"]
    assert forbidden["error"]["code"] == "forbidden"
    # a customer one may see but not change: a 403 naming it, as adding to it by hand is
    assert refused["error"]["code"] == "forbidden" and set(refused["error"]["fields"]) == {
        "customer"
    }
    assert list(Contact.objects.values_list("name", flat=True)) == ["Li Wei"]


def test_api_keys_need_write_on_accounts_and_retries_are_idempotent(org, issue_key, key_client):
    reader = key_client(issue_key(scopes=["accounts:read"]).token)
    items = [{"external_id": "ERP-1", "name": "Shantou Metro Corp."}]
    assert upsert(reader, items).status_code == 403
    writer = key_client(issue_key(scopes=["accounts:write"]).token)
    first = writer.post(CUSTOMERS, {"items": items}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    retry = writer.post(CUSTOMERS, {"items": items}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and first.json()["created"] == 1
    assert retry["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(external_id="ERP-1").count() == 1
    again = writer.post(CUSTOMERS, {"items": items}, format="json", HTTP_IDEMPOTENCY_KEY="b-2")
    assert again.json()["unchanged"] == 1  # without the key the upsert is still harmless
