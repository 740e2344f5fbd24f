"""Nobody files or moves a record outside their own scope (issue 16.2).

A rep files records only under their own unit and as their own; a manager within their
subtree; an administrator anywhere. Seats go to colleagues of the record's office, a
record's parent is one the user may change, and every way in holds to it: the API, bulk
upsert, imports and the pages. A unit, owner or seat outside the scope is a 400 `out_of_scope`
naming each field, a record one may see but not change to add to is a 403 naming it, and
either leaves nothing behind. The generated matrix (`test_access_matrix.py`) walks every
resource; these are the cases the issue names, end to end.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Contact, Customer
from contracts.models import Contract
from core.models import AuditEvent
from keyaccounts.models import AccountPlan
from leads.models import Lead
from opportunities.models import Opportunity
from tests.factories import (
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    LeadFactory,
    OpportunityFactory,
    team,
)

from ..accounts.conftest import csv_bytes, upload

pytestmark = pytest.mark.django_db


def refused(response, *fields: str, status: int = 400) -> dict:
    """The response is a 400 `out_of_scope` (a unit, owner or seat one may not give) or a 403
    (a record one may see but not change, to add to or move into) naming these fields."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert body["code"] == ("out_of_scope" if status == 400 else "forbidden"), body
    assert set(fields) <= set(body["fields"]), body
    return body


# --- Customers: create, move, bulk upsert, import, page -----------------------------------------


def test_a_rep_files_customers_only_under_their_own_unit_and_as_their_own(org, api):
    rep = api(org.rep)
    url = "/api/v1/customers/"
    refused(rep.post(url, {"name": "Nanjing Water Co", "org_unit": org.js_carrier.pk}), "org_unit")
    refused(rep.post(url, {"name": "Nanjing Water Co", "owner": org.other_region_rep.pk}), "owner")
    refused(rep.post(url, {"name": "Foshan Water Co", "owner": org.teammate.pk}), "owner")
    assert not Customer.objects.exists()
    made = rep.post(url, {"name": "Foshan Water Co"})
    assert made.status_code == 201
    assert (made.json()["owner"], made.json()["org_unit"]) == (org.rep.pk, org.gd_carrier.pk)


def test_a_rep_cannot_move_their_customer_to_another_region_and_owner(org, api):
    customer = CustomerFactory(owner=org.rep)
    url = f"/api/v1/customers/{customer.pk}/"
    response = api(org.rep).patch(
        url, {"org_unit": org.js_carrier.pk, "owner": org.other_region_rep.pk}, format="json"
    )
    refused(response, "org_unit", "owner")
    refused(api(org.rep).put(url, {"name": customer.name, "org_unit": org.js.pk}), "org_unit")
    customer.refresh_from_db()
    assert (customer.org_unit, customer.owner, customer.version) == (org.gd_carrier, org.rep, 1)
    assert not AuditEvent.objects.filter(target_id=customer.pk, action="updated").exists()


def test_managers_move_customers_within_their_subtree_and_administrators_anywhere(org, api):
    customer = CustomerFactory(owner=org.rep)
    url = f"/api/v1/customers/{customer.pk}/"
    director = api(org.director)
    refused(director.patch(url, {"org_unit": org.js_carrier.pk}, format="json"), "org_unit")
    refused(director.patch(url, {"owner": org.other_region_rep.pk}, format="json"), "owner")
    moved = director.patch(
        url, {"org_unit": org.gd_gov.pk, "owner": org.other_team_rep.pk}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    anywhere = api(org.admin).patch(
        url, {"org_unit": org.js_carrier.pk, "owner": org.other_region_rep.pk}, format="json"
    )
    assert anywhere.status_code == 200
    customer.refresh_from_db()
    assert (customer.org_unit, customer.owner) == (org.js_carrier, org.other_region_rep)


def test_bulk_upsert_holds_every_item_to_the_scope(org, api):
    mine = CustomerFactory(owner=org.rep, external_id="ERP-1")
    items = [
        {"external_id": "ERP-1", "org_unit": org.js_carrier.pk, "owner": org.other_region_rep.pk},
        {"external_id": "ERP-2", "name": "Wuxi Port Group", "org_unit": org.js_carrier.pk},
        {"external_id": "ERP-3", "name": "Zhuhai Port Group", "owner": org.teammate.pk},
        {"external_id": "ERP-4", "name": "Shantou Port Group"},
    ]
    response = api(org.rep).post("/api/v1/customers/bulk-upsert/", {"items": items}, format="json")
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error", "error", "error", "created"]
    assert [r["error"]["code"] for r in results[:3]] == ["out_of_scope"] * 3
    assert set(results[0]["error"]["fields"]) == {"org_unit", "owner"}
    assert set(results[1]["error"]["fields"]) == {"org_unit"}
    assert set(results[2]["error"]["fields"]) == {"owner"}
    mine.refresh_from_db()
    assert (mine.org_unit, mine.owner, mine.version) == (org.gd_carrier, org.rep, 1)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"ERP-1", "ERP-4"}


def test_an_import_files_rows_only_where_the_importer_may(org, api):
    rows = [
        ["名称", "客户经理", "组织"],
        ["Alpha Ltd", "", ""],
        ["Beta Ltd", org.other_region_rep.username, ""],
        ["Gamma Ltd", "", "js-carrier"],
    ]
    client = api(org.rep)
    job = client.post(
        "/api/v1/imports/",
        {"kind": "customers", "file": upload("c.csv", csv_bytes(rows))},
        format="multipart",
    ).json()
    assert job["rows_error"] == 2, job
    client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"}, format="json")
    filed = list(Customer.objects.values_list("name", "org_unit"))
    assert filed == [("Alpha Ltd", org.gd_carrier.pk)]


def test_the_customer_page_offers_and_takes_only_owners_one_may_assign(org, client):
    customer = CustomerFactory(owner=org.rep, name="Foshan Water Co")
    client.force_login(org.rep)
    page = client.get(f"/customers/{customer.pk}/edit/")
    owners = list(page.context["form"].fields["owner"].queryset)
    assert owners == [org.rep]
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {"name": customer.name, "industry": customer.industry, "owner": org.other_region_rep.pk},
    )
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    customer.refresh_from_db()
    assert (customer.owner, customer.version) == (org.rep, 1)


# --- Contacts: a customer one may change ----------------------------------------------------------


def test_a_contact_is_added_to_or_moved_to_only_a_customer_one_may_change(org, api):
    mine, teams = CustomerFactory(owner=org.rep), CustomerFactory(owner=org.teammate)
    contact = ContactFactory(customer=mine)
    rep = api(org.rep)
    added = rep.post("/api/v1/contacts/", {"customer": teams.pk, "name": "Li Wei"})
    refused(added, "customer", status=403)
    moved = rep.patch(f"/api/v1/contacts/{contact.pk}/", {"customer": teams.pk}, format="json")
    refused(moved, "customer", status=403)
    contact.refresh_from_db()
    assert contact.customer == mine and Contact.objects.count() == 1


# --- Leads ----------------------------------------------------------------------------------------


def test_a_rep_files_and_moves_leads_only_within_their_unit(org, api):
    rep = api(org.rep)
    lead = {"title": "Smart meters", "company_name": "Nanjing Power Co"}
    refused(rep.post("/api/v1/leads/", {**lead, "org_unit": org.js_carrier.pk}), "org_unit")
    assert not Lead.objects.exists()
    pool = LeadFactory(owner=None, org_unit=org.gd_carrier)
    url = f"/api/v1/leads/{pool.pk}/"
    refused(rep.patch(url, {"org_unit": org.js_carrier.pk}, format="json"), "org_unit")
    pool.refresh_from_db()
    assert (pool.org_unit, pool.version) == (org.gd_carrier, 1)


# --- Opportunities and their iron triangle --------------------------------------------------------


def test_a_rep_files_opportunities_in_their_unit_with_colleagues_of_their_office(org, api):
    customer = CustomerFactory(owner=org.rep)
    rep = api(org.rep)
    url = "/api/v1/opportunities/"
    deal = {"name": "Core network", "customer": customer.pk, "amount": "1000", "currency": "CNY"}
    refused(rep.post(url, {**deal, "org_unit": org.js_carrier.pk}), "org_unit")
    refused(rep.post(url, {**deal, "sr": org.other_region_rep.pk}), "sr")
    refused(rep.post(url, {**deal, "fr": org.other_region_manager.pk}), "fr")
    assert not Opportunity.objects.exists()
    made = rep.post(url, {**deal, "sr": org.sr.pk, "fr": org.other_team_rep.pk})
    assert made.status_code == 201, made.json()
    moved = rep.patch(f"{url}{made.json()['id']}/", {"org_unit": org.js.pk}, format="json")
    refused(moved, "org_unit")
    assert Opportunity.objects.get().org_unit == org.gd_carrier


def test_the_iron_triangle_takes_only_colleagues_the_changer_may_seat(org, api):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
    url = f"/api/v1/opportunities/{opportunity.pk}/team/"
    rep = api(org.rep)
    refused(rep.put(url, {"fr": org.other_region_rep.pk}, format="json"), "fr")
    refused(rep.put(url, {"members": [org.other_region_rep.pk]}, format="json"), "members")
    refused(rep.put(url, {"ar": org.teammate.pk}, format="json"), "ar")  # a manager's call
    assert opportunity.team.members.count() == 2
    assert rep.put(url, {"fr": org.fr.pk}, format="json").status_code == 200
    handed = api(org.manager).put(url, {"ar": org.teammate.pk}, format="json")
    assert handed.status_code == 200
    opportunity.refresh_from_db()
    assert opportunity.owner == org.teammate


# --- Contracts and their delivery work ------------------------------------------------------------


def test_a_rep_files_contracts_in_their_unit_and_gives_delivery_work_to_its_team(org, api):
    customer = CustomerFactory(owner=org.rep)
    rep = api(org.rep)
    deal = {"title": "Maintenance", "customer": customer.pk, "amount": "1000", "currency": "CNY"}
    refused(rep.post("/api/v1/contracts/", {**deal, "org_unit": org.js.pk}), "org_unit")
    refused(rep.post("/api/v1/contracts/", {**deal, "fr": org.other_region_rep.pk}), "fr")
    assert not Contract.objects.exists()
    contract = ContractFactory(owner=org.rep, team=team(ar=org.rep, fr=org.fr))
    work = {"contract": contract.pk, "name": "Routers", "due_on": "2031-01-31"}
    refused(rep.post("/api/v1/deliverables/", {**work, "owner": org.teammate.pk}), "owner")
    assert rep.post("/api/v1/deliverables/", {**work, "owner": org.fr.pk}).status_code == 201


# --- Key-account plans ----------------------------------------------------------------------------


def test_an_account_plan_is_for_a_customer_one_may_change_run_by_whom_one_may_seat(org, api):
    customer, teams = CustomerFactory(owner=org.rep), CustomerFactory(owner=org.teammate)
    year = dt.date.today().year
    plan = {"name": str(year), "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"}
    rep = api(org.rep)
    url = "/api/v1/account-plans/"
    refused(rep.post(url, {**plan, "customer": teams.pk}), "customer")
    refused(rep.post(url, {**plan, "customer": customer.pk, "owner": org.teammate.pk}), "owner")
    refused(rep.post(url, {**plan, "customer": customer.pk, "sr": org.other_region_rep.pk}), "sr")
    assert not AccountPlan.objects.exists()
    made = rep.post(url, {**plan, "customer": customer.pk, "sr": org.sr.pk})
    assert made.status_code == 201, made.json()
    moved = rep.patch(f"{url}{made.json()['id']}/", {"customer": teams.pk}, format="json")
    refused(moved, "customer")
    action = {"plan": made.json()["id"], "title": "POC", "due_on": f"{year}-03-31"}
    refused(rep.post("/api/v1/plan-actions/", {**action, "owner": org.teammate.pk}), "owner")
    on_team = rep.post("/api/v1/plan-actions/", {**action, "owner": org.sr.pk})
    assert on_team.status_code == 201, on_team.json()
