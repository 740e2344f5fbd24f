"""Dedupe races on PostgreSQL: two merges of one duplicate at the same instant give one merge
and one 409 `merge_conflict`; a contact or lead sent many times at once is created once, and
every loser gets the 409 a later, lone repeat gets (threads, each with its own connection; see
`racing.py`)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from accounts.models import Contact
from core.models import AuditEvent
from leads.models import Lead
from tests.factories import ContactFactory, CustomerFactory, LeadFactory
from tests.trust.racing import race, stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]


def outcome(responses) -> tuple[Counter, list]:
    return Counter(r.status_code for r in responses), [r.json() for r in responses]


def test_two_merges_of_one_contact_at_once_merge_it_once(org, api):
    customer = CustomerFactory(owner=org.rep)
    keep = ContactFactory(customer=customer, name="Zhang San")
    other = ContactFactory(customer=customer, name="Zhang San (2)")
    dupe = ContactFactory(customer=customer, name="zhang san", phone="13800138000")

    def merge_into(target):
        return lambda: api(org.rep).post(
            f"/api/v1/contacts/{target.pk}/merge/", {"source": dupe.pk}, format="json"
        )

    statuses, bodies = outcome(race(merge_into(keep), merge_into(other)))
    assert statuses == Counter({200: 1, 409: 1}), bodies
    assert next(b for b in bodies if "code" in b)["code"] == "merge_conflict"
    dupe = Contact.all_objects.get(pk=dupe.pk)
    assert dupe.merged_into_id in (keep.pk, other.pk)
    assert AuditEvent.objects.filter(action="contact.merged_into", target_id=dupe.pk).count() == 1


def test_the_same_contact_merge_sent_twice_at_once_merges_once(org, api):
    customer = CustomerFactory(owner=org.rep)
    keep = ContactFactory(customer=customer)
    dupe = ContactFactory(customer=customer)

    def call():
        return api(org.rep).post(
            f"/api/v1/contacts/{keep.pk}/merge/", {"source": dupe.pk}, format="json"
        )

    statuses, bodies = outcome(race(call, call))
    assert statuses == Counter({200: 1, 409: 1}), bodies
    assert AuditEvent.objects.filter(action="contact.merged", target_id=keep.pk).count() == 1


def test_a_contact_created_twenty_times_at_once_exists_once(org, api):
    customer = CustomerFactory(owner=org.rep)
    body = {"customer": customer.pk, "name": "Li Si", "email": "li.si@acme.cn"}
    responses = stampede(lambda: api(org.rep).post("/api/v1/contacts/", body, format="json"))
    statuses, bodies = outcome(responses)
    assert statuses == Counter({201: 1, 409: 19}), bodies
    assert {b["code"] for b in bodies if "code" in b} == {"duplicate_contact"}
    assert Contact.objects.filter(customer=customer).count() == 1


def test_two_merges_of_one_lead_at_once_merge_it_once(org, api):
    company = "Shenzhen Metro Group"
    keep = LeadFactory(owner=org.rep, company_name=company)
    other = LeadFactory(owner=org.rep, company_name=company)
    dupe = LeadFactory(owner=org.rep, company_name=company)

    def merge_into(target):
        return lambda: api(org.rep).post(
            f"/api/v1/leads/{target.pk}/merge/", {"source": dupe.pk}, format="json"
        )

    statuses, bodies = outcome(race(merge_into(keep), merge_into(other)))
    assert statuses == Counter({200: 1, 409: 1}), bodies
    assert next(b for b in bodies if "code" in b)["code"] in ("merge_conflict", "concurrent_update")
    dupe.refresh_from_db()
    assert dupe.state == "merged" and dupe.merged_into_id in (keep.pk, other.pk)


def test_a_lead_captured_twenty_times_at_once_exists_once(org, api):
    body = {
        "title": "Station Wi-Fi",
        "company_name": "Shenzhen Metro Group",
        "contact_phone": "13800138000",
    }
    responses = stampede(lambda: api(org.rep).post("/api/v1/leads/", body, format="json"))
    statuses, bodies = outcome(responses)
    assert statuses == Counter({201: 1, 409: 19}), bodies
    assert {b["code"] for b in bodies if "code" in b} == {"duplicate_lead"}
    assert Lead.objects.count() == 1
