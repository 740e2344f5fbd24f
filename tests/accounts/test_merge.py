"""Merging a duplicate customer keeps every related record and the history of both."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import Activity, Contact, Customer
from core.models import AuditEvent
from receivables.models import Receipt
from tests.factories import (
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    LeadFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    keep = CustomerFactory(name="中国移动通信集团广东有限公司", owner=org.rep, tier="strategic")
    dupe = CustomerFactory(
        name="中国移动通信集团广东 有限责任公司",
        owner=org.teammate,
        credit_code="91440000719275374C",
        phone="020-12345678",
        external_id="ERP-7",
    )
    return keep, dupe


def merge(client, keep, dupe):
    return client.post(f"/api/v1/customers/{keep.pk}/merge/", {"source": dupe.pk}, format="json")


def test_every_related_record_moves_to_the_survivor(org, api, pair):
    keep, dupe = pair
    contact = ContactFactory(customer=dupe, name="林晓")
    lead = LeadFactory(owner=org.teammate, customer=dupe)
    opportunity = OpportunityFactory(owner=org.teammate, customer=dupe)
    contract = ContractFactory(owner=org.teammate, customer=dupe)
    receipt = Receipt.objects.create(
        customer=dupe,
        org_unit=org.gd_carrier,
        amount=Decimal("100.00"),
        received_on=dt.date(2026, 1, 5),
        recorded_by=org.rep,
    )
    subsidiary = CustomerFactory(name="Sub Ltd", owner=org.rep, parent=dupe)
    activity = Activity.objects.create(
        kind="call",
        subject_type=ContentType.objects.get_for_model(Customer),
        subject_id=dupe.pk,
        customer=dupe,
        owner=org.teammate,
        org_unit=org.gd_carrier,
        summary="Called",
    )

    response = merge(api(org.manager), keep, dupe)
    assert response.status_code == 200, response.json()

    for record in (contact, lead, opportunity, contract, receipt, activity):
        record.refresh_from_db()
        assert record.customer_id == keep.pk, record
    activity.refresh_from_db()
    assert activity.subject_id == keep.pk
    subsidiary.refresh_from_db()
    assert subsidiary.parent_id == keep.pk


def test_the_duplicate_stays_as_a_tombstone_that_leads_to_the_survivor(org, api, client, pair):
    keep, dupe = pair
    merge(api(org.manager), keep, dupe)
    dupe = Customer.all_objects.get(pk=dupe.pk)
    assert dupe.merged_into == keep and dupe.merged_at is not None
    assert not Customer.objects.filter(pk=dupe.pk).exists()

    old_link = api(org.rep).get(f"/api/v1/customers/{dupe.pk}/")
    assert old_link.status_code == 200 and old_link.json()["merged_into"] == keep.pk
    listed = {c["id"] for c in api(org.manager).get("/api/v1/customers/").json()["results"]}
    assert dupe.pk not in listed and keep.pk in listed
    duplicates = api(org.rep).get(f"/api/v1/customers/duplicates/?name={dupe.name}").json()
    assert [d["id"] for d in duplicates] == [keep.pk]  # the tombstone is never matched

    client.force_login(org.rep)
    page = client.get(f"/customers/{dupe.pk}/")
    assert page.status_code == 302 and page["Location"] == keep.get_absolute_url()


def test_blank_fields_are_filled_and_unique_codes_move(org, api, pair):
    keep, dupe = pair
    merged = merge(api(org.manager), keep, dupe).json()
    assert merged["credit_code"] == "91440000719275374C"
    assert merged["external_id"] == "ERP-7"
    assert merged["phone"] == "020-12345678"
    assert merged["tier"] == "strategic"  # the survivor's own values win
    tombstone = Customer.all_objects.get(pk=dupe.pk)
    assert tombstone.credit_code == "" and tombstone.external_id == ""


def test_both_timelines_record_the_merge(org, api, pair):
    keep, dupe = pair
    merge(api(org.manager), keep, dupe)
    on_keep = AuditEvent.objects.get(target_id=keep.pk, action="customer.merged")
    on_dupe = AuditEvent.objects.get(target_id=dupe.pk, action="customer.merged_into")
    assert on_keep.changes["merged"] == dupe.pk and on_keep.actor == org.manager
    assert on_dupe.changes["merged_into"] == keep.pk
    assert on_dupe.changes["credit_code"] == ["91440000719275374C", ""]
    timeline = api(org.manager).get(f"/api/v1/customers/{keep.pk}/timeline/").json()
    actions = [event["action"] for event in timeline]
    assert "customer.merged" in actions and "customer.merged_into" in actions


def test_only_managers_and_admins_merge(org, api, pair):
    keep, dupe = pair
    assert merge(api(org.rep), keep, dupe).status_code == 403
    assert merge(api(org.admin), keep, dupe).status_code == 200


def test_both_customers_must_be_changeable_by_the_manager(org, api, pair):
    keep, _dupe = pair
    elsewhere = CustomerFactory(name="中国移动广东", owner=org.other_region_rep)
    response = merge(api(org.manager), keep, elsewhere)
    assert response.status_code == 404  # not even visible to them
    assert "source" in response.json()["fields"]
    assert merge(api(org.other_region_manager), elsewhere, keep).status_code == 404
    assert Customer.all_objects.get(pk=elsewhere.pk).merged_into is None


@pytest.mark.parametrize("case", ["itself", "already merged", "unknown"])
def test_bad_merges_are_refused_without_changes(org, api, pair, case):
    keep, dupe = pair
    client = api(org.manager)
    if case == "itself":
        response = merge(client, keep, keep)
        assert response.status_code == 400
    elif case == "already merged":
        merge(client, keep, dupe)
        third = CustomerFactory(name="Third Ltd", owner=org.rep)
        response = client.post(f"/api/v1/customers/{third.pk}/merge/", {"source": dupe.pk})
        assert response.status_code == 400
    else:
        response = client.post(f"/api/v1/customers/{keep.pk}/merge/", {"source": "x"})
        assert response.status_code == 400 and "source" in response.json()["fields"]
    assert Contact.objects.filter(customer__merged_into__isnull=False).count() == 0


def test_the_merge_page_for_managers(org, client, pair):
    keep, dupe = pair
    client.force_login(org.rep)
    assert client.get(f"/customers/{keep.pk}/merge/").status_code == 403
    client.force_login(org.manager)
    page = client.get(f"/customers/{keep.pk}/").content.decode()
    assert f"/customers/{keep.pk}/merge/?source={dupe.pk}" in page  # offered as a duplicate
    response = client.post(f"/customers/{keep.pk}/merge/", {"source": dupe.pk})
    assert response.status_code == 302
    assert Customer.all_objects.get(pk=dupe.pk).merged_into == keep
    again = client.post(f"/customers/{keep.pk}/merge/", {"source": dupe.pk})
    assert again.status_code == 200 and "Already merged." in again.content.decode()
