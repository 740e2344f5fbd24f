"""Duplicate contacts: refused on create, listed, and merged into one (API and pages)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import AccountChainMember, Activity, Contact, Customer
from core.models import AuditEvent
from opportunities.models import DecisionChainMember
from tests.factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    return CustomerFactory(name="Acme Ltd", owner=org.rep)


@pytest.fixture
def pair(customer):
    keep = ContactFactory(customer=customer, name="Zhang San", email="zhang@acme.cn")
    dupe = ContactFactory(
        customer=customer,
        name="ZHANG  san",
        phone="13800138000",
        title="CTO",
        department="IT",
        external_id="CRM-9",
    )
    return keep, dupe


def create(client, customer, **data):
    return client.post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "Li Si", **data}, format="json"
    )


def merge(client, keep, dupe):
    return client.post(f"/api/v1/contacts/{keep.pk}/merge/", {"source": dupe.pk}, format="json")


# --- Creating a twin -----------------------------------------------------------------------------


def test_a_contact_with_an_e_mail_the_customer_has_is_refused_naming_it(org, api, customer):
    existing = ContactFactory(customer=customer, name="Li Si", email="li.si@acme.cn")
    response = create(api(org.rep), customer, email=" LI.SI@acme.cn ")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_contact"
    assert body["fields"]["duplicate_of"] == [str(existing.pk)]
    assert f"#{existing.pk}" in body["message"]
    assert Contact.objects.filter(customer=customer).count() == 1


def test_a_contact_with_the_same_phone_written_otherwise_is_refused(org, api, customer):
    existing = ContactFactory(customer=customer, phone="+86 138-0013-8000")
    response = create(api(org.rep), customer, phone="13800138000")
    assert response.status_code == 409
    assert f"#{existing.pk}" in response.json()["fields"]["phone"][0]
    assert response.json()["fields"]["duplicate_of"] == [str(existing.pk)]


def test_the_same_person_at_another_customer_is_not_a_duplicate(org, api, customer):
    ContactFactory(customer=customer, email="li.si@acme.cn")
    other = CustomerFactory(name="Other Ltd", owner=org.rep)
    assert create(api(org.rep), other, email="li.si@acme.cn").status_code == 201


def test_a_manager_may_add_a_twin_on_purpose_and_a_rep_may_not(org, api, customer):
    ContactFactory(customer=customer, email="li.si@acme.cn")
    refused = create(api(org.rep), customer, email="li.si@acme.cn", allow_duplicate=True)
    assert refused.status_code == 403
    allowed = create(api(org.manager), customer, email="li.si@acme.cn", allow_duplicate=True)
    assert allowed.status_code == 201, allowed.json()
    assert Contact.objects.filter(customer=customer, email="li.si@acme.cn").count() == 2
    # Without a twin the flag changes nothing, for anyone.
    fresh = create(api(org.rep), customer, email="wang@acme.cn", allow_duplicate=True)
    assert fresh.status_code == 201


def test_the_contact_page_refuses_a_twin_with_the_reason(org, browser_client, customer):
    existing = ContactFactory(customer=customer, name="Li Si", email="li.si@acme.cn")
    response = browser_client(org.rep).post(
        f"/customers/{customer.pk}/contacts/new/", {"name": "Li Si 2", "email": "li.si@acme.cn"}
    )
    assert response.status_code == 200
    assert f"#{existing.pk}" in response.content.decode()
    assert Contact.objects.filter(customer=customer).count() == 1


# --- Listing duplicates --------------------------------------------------------------------------


def test_duplicates_lists_same_name_e_mail_or_phone_at_the_customer_only(org, api, customer):
    me = ContactFactory(customer=customer, name="Wang Wu", email="ww@acme.cn", phone="13900000000")
    by_name = ContactFactory(customer=customer, name="wang wu")
    by_mail = ContactFactory(customer=customer, name="W. Wu", email="WW@acme.cn")
    by_phone = ContactFactory(customer=customer, name="Boss", phone="+86 139 0000 0000")
    ContactFactory(customer=customer, name="Someone else")
    ContactFactory(customer=CustomerFactory(owner=org.rep), name="Wang Wu", email="ww@acme.cn")
    response = api(org.rep).get(f"/api/v1/contacts/{me.pk}/duplicates/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [by_name.pk, by_mail.pk, by_phone.pk]


def test_duplicates_of_a_contact_one_may_not_see_is_a_404(org, api, pair):
    keep, _ = pair
    assert (
        api(org.other_region_rep).get(f"/api/v1/contacts/{keep.pk}/duplicates/").status_code == 404
    )


def test_the_customer_page_shows_duplicate_contacts_with_a_merge_action(
    org, browser_client, customer, pair
):
    keep, dupe = pair
    page = browser_client(org.rep).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="contact-duplicates"' in page
    assert f"/customers/contacts/{keep.pk}/merge/?source={dupe.pk}" in page


# --- Merging -------------------------------------------------------------------------------------


def test_merging_moves_everything_to_the_survivor_and_fills_its_blanks(org, api, customer, pair):
    keep, dupe = pair
    activity = Activity.objects.create(
        kind="call",
        subject_type=ContentType.objects.get_for_model(Customer),
        subject_id=customer.pk,
        customer=customer,
        contact=dupe,
        owner=org.rep,
        org_unit=org.gd_carrier,
        summary="Called",
    )
    lead = LeadFactory(owner=org.rep, customer=customer, contact=dupe)
    chain = AccountChainMember.objects.create(
        customer=customer, contact=dupe, role="decision_maker"
    )
    opportunity = OpportunityFactory(owner=org.rep, customer=customer)
    deal_chain = DecisionChainMember.objects.create(
        opportunity=opportunity, contact=dupe, role="decision_maker"
    )

    response = merge(api(org.rep), keep, dupe)
    assert response.status_code == 200, response.json()

    for record in (activity, lead, chain, deal_chain):
        record.refresh_from_db()
        assert record.contact_id == keep.pk, record
    keep.refresh_from_db()
    assert (keep.phone, keep.title, keep.department) == ("13800138000", "CTO", "IT")
    assert keep.email == "zhang@acme.cn"  # the survivor's own value stays
    assert keep.external_id == "CRM-9"
    dupe = Contact.all_objects.get(pk=dupe.pk)
    assert dupe.merged_into == keep and dupe.merged_at is not None and dupe.external_id == ""


def test_the_duplicate_is_a_tombstone_leading_to_the_survivor(org, api, customer, pair):
    keep, dupe = pair
    merge(api(org.rep), keep, dupe)
    client = api(org.rep)
    listed = client.get(f"/api/v1/contacts/?customer={customer.pk}").json()["results"]
    assert [row["id"] for row in listed] == [keep.pk]
    assert client.get(f"/api/v1/contacts/{dupe.pk}/").json()["merged_into"] == keep.pk


def test_both_timelines_record_the_merge(org, api, pair):
    keep, dupe = pair
    merge(api(org.rep), keep, dupe)
    contact_type = ContentType.objects.get_for_model(Contact)
    kept = AuditEvent.objects.get(
        target_type=contact_type, target_id=keep.pk, action="contact.merged"
    )
    assert kept.changes["merged"] == dupe.pk
    assert AuditEvent.objects.filter(
        target_type=contact_type, target_id=dupe.pk, action="contact.merged_into"
    ).exists()
    timeline = api(org.rep).get(f"/api/v1/contacts/{keep.pk}/timeline/").json()
    assert {"contact.merged", "contact.merged_into"} <= {e["action"] for e in timeline}


def test_contacts_of_different_customers_are_not_merged(org, api, customer):
    keep = ContactFactory(customer=customer)
    other = ContactFactory(customer=CustomerFactory(owner=org.rep))
    response = merge(api(org.rep), keep, other)
    assert response.status_code == 400
    assert "source" in response.json()["fields"]


def test_a_contact_is_not_merged_into_itself_nor_twice(org, api, pair):
    keep, dupe = pair
    client = api(org.rep)
    assert merge(client, keep, keep).status_code == 400
    assert merge(client, keep, dupe).status_code == 200
    again = merge(client, keep, dupe)
    assert again.status_code == 400
    assert again.json()["fields"]["source"]


def test_a_rep_cannot_merge_contacts_outside_their_scope(org, api, pair):
    keep, dupe = pair
    assert merge(api(org.other_region_rep), keep, dupe).status_code == 404
    theirs = ContactFactory(customer=CustomerFactory(owner=org.other_region_rep))
    mine = ContactFactory(customer=CustomerFactory(owner=org.rep))
    response = merge(api(org.rep), mine, theirs)
    assert response.status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_a_contact_one_may_see_but_not_change_is_not_merged(org, api, pair):
    keep, dupe = pair
    response = merge(api(org.finance), keep, dupe)
    assert response.status_code in (403, 404)
    assert Contact.objects.filter(pk=dupe.pk).exists()


def test_both_on_one_decision_chain_is_a_conflict_to_resolve_first(org, api, customer, pair):
    keep, dupe = pair
    AccountChainMember.objects.create(customer=customer, contact=keep, role="decision_maker")
    AccountChainMember.objects.create(customer=customer, contact=dupe, role="user")
    response = merge(api(org.rep), keep, dupe)
    assert response.status_code == 409
    assert response.json()["code"] == "merge_conflict"
    assert Contact.objects.filter(pk=dupe.pk).exists()


def test_the_merge_page_merges_the_duplicate(org, browser_client, customer, pair):
    keep, dupe = pair
    client = browser_client(org.rep)
    assert client.get(f"/customers/contacts/{keep.pk}/merge/?source={dupe.pk}").status_code == 200
    response = client.post(f"/customers/contacts/{keep.pk}/merge/", {"source": dupe.pk})
    assert response.status_code == 302
    assert Contact.all_objects.get(pk=dupe.pk).merged_into_id == keep.pk


def test_the_merge_page_of_another_customer_contact_says_why(org, browser_client, customer):
    keep = ContactFactory(customer=customer)
    other = ContactFactory(customer=CustomerFactory(owner=org.rep))
    response = browser_client(org.rep).post(
        f"/customers/contacts/{keep.pk}/merge/", {"source": other.pk}
    )
    assert response.status_code == 200
    assert not Contact.all_objects.get(pk=other.pk).is_merged


def test_the_merge_page_of_a_contact_outside_ones_scope_is_a_404(org, browser_client, pair):
    keep, dupe = pair
    response = browser_client(org.other_region_rep).get(f"/customers/contacts/{keep.pk}/merge/")
    assert response.status_code == 404
