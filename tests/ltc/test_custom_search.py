"""The search finds records by their custom text fields (issue 20.2): the global search and
every list's `q`, for the records the user may see; a key's name, a choice code or another
type's value is no hit."""

from __future__ import annotations

import pytest
from django.db import connection

from core.custom_fields.services import custom_field_create
from tests.conftest import on_postgresql
from tests.factories import ContractFactory, CustomerFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def define(org, target, key, type="text", **extra):
    data = {"target": target, "key": key, "label_en": key, "label_zh": key, "type": type}
    return custom_field_create(by=org.admin, data={**data, **extra})


def test_the_global_search_finds_a_customer_by_a_custom_text(org, client):
    define(org, "accounts.customer", "sap_code")
    define(org, "accounts.customer", "seats", type="number")
    CustomerFactory(owner=org.rep, name="Shenzhen Metro", custom={"sap_code": "SAP-4711"})
    CustomerFactory(owner=org.rep, name="Other", custom={"seats": "4711"})
    theirs = CustomerFactory(owner=org.other_region_rep, custom={"sap_code": "SAP-4711-JS"})
    client.force_login(org.rep)
    page = client.get("/search/", {"q": "sap-4711"}).content.decode()
    assert "Shenzhen Metro" in page and "Other" not in page and str(theirs) not in page
    assert "Shenzhen Metro" not in client.get("/search/", {"q": "sap_code"}).content.decode()


def test_chinese_custom_text_is_found(org, client):
    define(org, "leads.lead", "channel_note", type="long_text")
    LeadFactory(owner=org.rep, title="Metro line 5", custom={"channel_note": "经深圳代理商介绍"})
    client.force_login(org.rep)
    assert "Metro line 5" in client.get("/search/", {"q": "深圳代理"}).content.decode()


@pytest.mark.parametrize(
    ("target", "url", "make"),
    [
        ("accounts.customer", "customers", lambda org, c: CustomerFactory(owner=org.rep, custom=c)),
        ("leads.lead", "leads", lambda org, c: LeadFactory(owner=org.rep, custom=c)),
        (
            "opportunities.opportunity",
            "opportunities",
            lambda org, c: OpportunityFactory(owner=org.rep, custom=c),
        ),
        (
            "contracts.contract",
            "contracts",
            lambda org, c: ContractFactory(owner=org.rep, custom=c),
        ),
    ],
)
def test_each_lists_q_finds_records_by_custom_text(org, api, target, url, make):
    define(org, target, "po_ref")
    define(
        org,
        target,
        "tier",
        type="choice",
        choices=[{"value": "gold", "label_en": "Gold", "label_zh": "金"}],
    )
    hit = make(org, {"po_ref": "PO-Alpha-77"})
    make(org, {"tier": "gold"})
    found = api(org.rep).get(f"/api/v1/{url}/", {"q": "alpha-77"}).json()["results"]
    assert [row["id"] for row in found] == [hit.pk]
    assert api(org.rep).get(f"/api/v1/{url}/", {"q": "gold"}).json()["results"] == []


@pytest.mark.skipif(not on_postgresql(), reason="the trigram index is PostgreSQL's")
def test_the_custom_text_search_can_use_the_trigram_index(org):
    from accounts.models import Customer
    from core.custom_fields.filtering import custom_text_search

    define(org, "accounts.customer", "sap_code")
    queryset, q = custom_text_search(Customer._base_manager.all(), "SAP-1")
    sql, params = queryset.filter(q).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "accounts_customer_custom_trgm" in plan, plan
