"""Check-then-insert races on PostgreSQL: the same thing sent many times at once is recorded
once, and every loser gets the error a later, lone repeat gets (ADR 12).

Each test fires 20 identical requests through the API at the same instant (threads, each with
its own connection; see `racing.py`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from accounts.models import Contact, Customer
from integrations.models import WebhookEvent
from integrations.services import publish_milestone_events
from leads.models import Lead
from receivables.models import Receipt
from receivables.reminders import scan
from receivables.selectors import reconciliation
from tests.accounts.conftest import csv_bytes, upload
from tests.api.test_webhooks import Receiver
from tests.factories import CustomerFactory
from tests.receivables.conftest import TODAY, pct_plan
from tests.trust.racing import race, stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]

BOOKS_BALANCE = {"milestones": [], "receipts": [], "contracts": [], "customers": []}


def statuses(responses) -> Counter:
    return Counter(r.status_code for r in responses)


def test_a_payment_arriving_twenty_times_at_once_is_recorded_once(org, api, make_contract):
    plan = pct_plan(("down_payment", 100, "on_signing", 0))
    contract = make_contract(amount="1000.00", plan=plan, signed_on=TODAY() - dt.timedelta(3))
    body = {
        "contract": contract.pk,
        "amount": "250.00",
        "received_on": str(TODAY()),
        "method": "bank_transfer",
        "bank_reference": "ICBC-20261207-0042",
    }

    responses = stampede(lambda: api(org.finance).post("/api/v1/receipts/", body, format="json"))

    assert statuses(responses) == {201: 1, 409: 19}, [r.json() for r in responses]
    number = next(r for r in responses if r.status_code == 201).json()["number"]
    for loser in (r.json() for r in responses if r.status_code == 409):
        assert loser["code"] == "duplicate_receipt" and number in loser["message"], loser
    assert Receipt.objects.filter(bank_reference=body["bank_reference"]).count() == 1
    assert reconciliation() == BOOKS_BALANCE


def test_identical_payments_recorded_at_once_on_purpose_are_all_kept(org, api, make_contract):
    contract = make_contract(amount="1000.00", signed_on=TODAY() - dt.timedelta(3))
    body = {
        "contract": contract.pk,
        "amount": "10.00",
        "received_on": str(TODAY()),
        "method": "bank_transfer",
        "bank_reference": "BOC-STANDING-ORDER",
        "allow_duplicate": True,
    }

    responses = stampede(
        lambda: api(org.finance).post("/api/v1/receipts/", body, format="json"), times=5
    )

    assert statuses(responses) == {201: 5}, [r.json() for r in responses]
    recorded = Receipt.objects.filter(bank_reference=body["bank_reference"])
    assert sorted(recorded.values_list("occurrence", flat=True)) == [1, 2, 3, 4, 5]
    assert reconciliation() == BOOKS_BALANCE


def test_a_customer_created_twenty_times_at_once_exists_once(org, api):
    names = [f"Guangzhou Metro Group {suffix}" for suffix in ("Co., Ltd.", "co ltd", "CO. LTD")]

    def create(i=iter(range(1000))):
        name = names[next(i) % len(names)]  # the same company, typed three ways
        return api(org.rep).post("/api/v1/customers/", {"name": name}, format="json")

    responses = stampede(create)

    assert statuses(responses) == {201: 1, 400: 19}, [r.json() for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    for loser in (r.json() for r in responses if r.status_code == 400):
        assert loser["code"] == "duplicate_customer", loser
        assert loser["fields"]["name"] == [f"#{winner['id']} {winner['name']}"], loser
    assert Customer.objects.count() == 1


def test_bulk_upserts_at_once_create_each_customer_once(org, api):
    def upsert(i):
        items = [
            {"external_id": "ERP-SAME", "name": "Shenzhen Bus Group"},
            {"external_id": f"ERP-{i}", "name": "Dongguan Rail Transit Co., Ltd."},
        ]
        return lambda: api(org.rep).post(
            "/api/v1/customers/bulk-upsert/", {"items": items}, format="json"
        )

    responses = race(*(upsert(i) for i in range(10)))

    assert statuses(responses) == {200: 10}
    first, second = zip(*(r.json()["results"] for r in responses), strict=True)
    assert Counter(r["status"] for r in first) == {"created": 1, "unchanged": 9}, first
    assert Counter(r["status"] for r in second) == {"created": 1, "error": 9}, second
    assert {r["error"]["code"] for r in second if r["status"] == "error"} == {"duplicate_customer"}
    assert Customer.objects.count() == 2


def test_contact_bulk_upserts_at_once_create_the_contact_once(org, api):
    customer = CustomerFactory(owner=org.rep)
    items = [{"external_id": "ERP-P-1", "customer": customer.pk, "name": "Li Wei"}]

    responses = stampede(
        lambda: api(org.rep).post("/api/v1/contacts/bulk-upsert/", {"items": items}, format="json"),
        times=10,
    )

    assert statuses(responses) == {200: 10}
    results = [r.json()["results"][0] for r in responses]
    assert Counter(r["status"] for r in results) == {"created": 1, "unchanged": 9}, results
    assert Contact.objects.count() == 1


def test_imports_and_single_creates_at_once_create_each_customer_once(org, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rows = [["名称"], ["Zhongshan Gas Co., Ltd."], ["Jiangmen Port Group"]]
    jobs = []
    for _ in range(5):
        job = api(org.rep).post(
            "/api/v1/imports/",
            {"kind": "customers", "file": upload("customers.csv", csv_bytes(rows))},
            format="multipart",
        )
        assert job.json()["status"] == "validated", job.json()
        jobs.append(job.json()["id"])

    def commit(pk):
        return lambda: api(org.rep).post(f"/api/v1/imports/{pk}/commit/", {"mode": "valid"})

    def create(name):
        return lambda: api(org.rep).post("/api/v1/customers/", {"name": name}, format="json")

    creates = [create(name) for name in ("Zhongshan Gas Co Ltd", "JIANGMEN PORT GROUP") * 5]
    responses = race(*(commit(pk) for pk in jobs), *creates)

    committed = [r.json() for r in responses[: len(jobs)]]
    assert {job["status"] for job in committed} == {"done"}, committed
    created = sum(job["rows_created"] for job in committed)
    created += sum(r.status_code == 201 for r in responses[len(jobs) :])
    assert created == 2
    assert sorted(Customer.objects.values_list("normalised_name", flat=True)) == [
        "jiangmenportgroup",
        "zhongshangas",
    ]


def test_a_milestone_falling_due_is_announced_once_by_runs_at_once(org, api, make_contract):
    receiver = Receiver()
    try:
        subscription = api(org.admin).post(
            "/api/v1/webhook-subscriptions/",
            {"name": "ERP", "url": receiver.url, "events": ["milestone.due"], "user": org.rep.pk},
        )
        assert subscription.status_code == 201, subscription.json()
        make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))
        scan(today=TODAY())  # the collections ladder claims the milestone's "due" step

        published = race(*[lambda: publish_milestone_events(today=TODAY())] * 5)

        assert sum(published) == 1
        assert WebhookEvent.objects.filter(name="milestone.due").count() == 1
        assert receiver.events() == ["milestone.due"]
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_lead_imports_committed_at_once_write_each_lead_once(org, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rows = [["标题", "公司"], ["Smart meters", "Foshan Water Co., Ltd."], ["Pumps", "Zhuhai Port"]]
    jobs = []
    for _ in range(5):
        job = api(org.rep).post(
            "/api/v1/imports/",
            {"kind": "leads", "file": upload("leads.csv", csv_bytes(rows))},
            format="multipart",
        )
        assert job.json()["status"] == "validated", job.json()
        jobs.append(job.json()["id"])

    committed = race(
        *(
            lambda pk=pk: api(org.rep).post(f"/api/v1/imports/{pk}/commit/", {"mode": "valid"})
            for pk in jobs
        )
    )

    assert {r.json()["status"] for r in committed} == {"done"}
    assert sum(r.json()["rows_created"] for r in committed) == 2
    assert sorted(Lead.objects.values_list("title", flat=True)) == ["Pumps", "Smart meters"]
