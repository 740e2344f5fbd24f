"""Customer aliases (issue 17.2): the short names everyone uses (广东移动 for
中国移动通信集团广东有限公司), kept by users, and matched by duplicate search, imports and lead
capture as the customer's own name. One alias names one customer (a database constraint)."""

import pytest
from django.db import IntegrityError

from accounts.models import CustomerAlias, ImportIssue
from core.models import AuditEvent
from leads.models import Lead
from tests.factories import CustomerFactory

from .conftest import csv_bytes, upload

pytestmark = pytest.mark.django_db

FULL = "中国移动通信集团广东有限公司"


@pytest.fixture
def cmcc(org):
    return CustomerFactory(name=FULL, owner=org.rep, org_unit=org.gd_carrier)


def add(client, customer, alias):
    return client.post(
        "/api/v1/customer-aliases/", {"customer": customer.pk, "alias": alias}, format="json"
    )


def test_an_alias_is_added_audited_and_listed_with_its_customer(org, api, cmcc):
    response = add(api(org.rep), cmcc, " 廣東 移動 ")  # Traditional, with gaps
    assert response.status_code == 201, response.json()
    assert response.json()["normalised_alias"] == "广东移动"
    listed = api(org.rep).get(f"/api/v1/customer-aliases/?customer={cmcc.pk}").json()
    assert [a["alias"] for a in listed["results"]] == ["廣東 移動"]
    event = AuditEvent.objects.get(target_id=cmcc.pk, action="customer.alias_added")
    assert event.changes == {"alias": [None, "廣東 移動"]} and event.actor == org.rep

    alias_id = response.json()["id"]
    assert api(org.rep).delete(f"/api/v1/customer-aliases/{alias_id}/").status_code == 204
    assert not CustomerAlias.objects.exists()
    assert AuditEvent.objects.filter(target_id=cmcc.pk, action="customer.alias_removed").exists()


def test_one_alias_names_one_customer(org, api, cmcc):
    other = CustomerFactory(name="中国移动通信集团江苏有限公司", owner=org.rep)
    assert add(api(org.rep), cmcc, "广东移动").status_code == 201
    refused = add(api(org.rep), other, "广东 移动")
    assert refused.status_code == 400 and refused.json()["code"] == "duplicate_alias"
    refused = add(api(org.rep), other, FULL)  # another customer's own name
    assert refused.status_code == 400 and refused.json()["code"] == "duplicate_alias"
    with pytest.raises(IntegrityError):  # the rule lives in the database
        CustomerAlias.objects.create(customer=other, alias="广东移动")


def test_only_who_may_change_the_customer_keeps_its_aliases(org, api, cmcc):
    assert add(api(org.other_region_rep), cmcc, "广东移动").status_code in (400, 403, 404)
    assert not CustomerAlias.objects.exists()
    alias = CustomerAlias.objects.create(customer=cmcc, alias="广东移动")
    gone = api(org.other_region_rep).delete(f"/api/v1/customer-aliases/{alias.pk}/")
    assert gone.status_code in (403, 404) and CustomerAlias.objects.exists()


def test_duplicate_search_and_customer_create_match_an_alias(org, api, cmcc):
    CustomerAlias.objects.create(customer=cmcc, alias="广东移动")
    found = api(org.other_region_rep).get("/api/v1/customers/duplicates/?name=廣東移動").json()
    assert [c["id"] for c in found] == [cmcc.pk]
    refused = api(org.rep).post("/api/v1/customers/", {"name": "广东移动"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "duplicate_customer"


def test_an_import_row_named_by_an_alias_is_a_duplicate(org, api, cmcc):
    CustomerAlias.objects.create(customer=cmcc, alias="广东移动")
    content = csv_bytes([["name"], ["广东移动有限公司"], ["新客户有限公司"]])
    body = {"kind": "customers", "file": upload("c.csv", content)}
    job = api(org.rep).post("/api/v1/imports/", body, format="multipart").json()
    assert job["rows_duplicate"] == 1, job
    issue = ImportIssue.objects.get(job_id=job["id"])
    assert issue.matches[0]["id"] == cmcc.pk


def test_a_lead_naming_a_customer_by_its_alias_goes_to_its_account_manager(org, api, cmcc):
    cmcc.owner = org.other_team_rep
    cmcc.org_unit = org.gd_gov
    cmcc.save()
    CustomerAlias.objects.create(customer=cmcc, alias="广东移动")
    response = api(org.rep).post(
        "/api/v1/leads/", {"title": "5G core", "company_name": "廣東移動"}, format="json"
    )
    assert response.status_code == 201, response.json()
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.customer == cmcc and lead.owner == org.other_team_rep


def test_the_customer_page_lists_aliases_and_adds_one(org, browser_client, cmcc):
    client = browser_client(org.rep)
    response = client.post(f"/customers/{cmcc.pk}/aliases/new/", {"alias": "广东移动"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    page = client.get(f"/customers/{cmcc.pk}/").content.decode()
    assert "广东移动" in page and f"/customers/{cmcc.pk}/aliases/new/" in page
    assert AuditEvent.objects.filter(target_id=cmcc.pk, action="customer.alias_added").exists()
    again = client.post(f"/customers/{cmcc.pk}/aliases/new/", {"alias": "廣東移動"})
    assert again.status_code == 200 and "alias" in again.context["form"].errors
    outsider = browser_client(org.other_region_rep)
    assert outsider.post(f"/customers/{cmcc.pk}/aliases/new/", {"alias": "x"}).status_code == 404
