"""Receipts from a bank statement: many lines in one call, each recorded once by its bank
reference within the account, allocated as asked, with per-line results."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import AuditEvent
from receivables.models import Receipt, ReceiptAllocation, StatementLine
from receivables.selectors import reconciliation
from tests.factories import CustomerFactory
from tests.receivables.conftest import TODAY, milestones, pct_plan, reach

pytestmark = pytest.mark.django_db

URL = "/api/v1/receipts/bulk/"
ACCOUNT = "6222-0210-0111"
TWO_DUE = pct_plan(
    ("down_payment", 30, "on_signing", 0),
    ("arrival", 30, "on_arrival", 0),
    ("acceptance", 40, "on_acceptance", 0),
)


@pytest.fixture
def contract(make_contract):
    contract = make_contract(amount="1000.00", plan=TWO_DUE, signed_on=TODAY() - dt.timedelta(10))
    reach(contract, "arrival", TODAY() - dt.timedelta(days=5))
    return contract


def line(reference, **data):
    return {"bank_reference": reference, "received_on": str(TODAY()), **data}


def send(client, lines, account=ACCOUNT, **extra):
    return client.post(URL, {"account": account, "lines": lines}, format="json", **extra)


def test_records_each_line_allocated_as_asked(org, api, contract):
    first, second = milestones(contract)[:2]
    response = send(
        api(org.finance),
        [
            line("CMB-001", contract=contract.pk, amount="300.00"),
            line(
                "CMB-002",
                customer=contract.customer_id,
                currency="CNY",
                amount="150.00",
                allocations=[{"milestone": second.pk, "amount": "100.00"}],
            ),
            line("CMB-003", contract=contract.pk, amount="-5"),
        ],
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["recorded"], body["duplicates"], body["errors"]) == (2, 0, 1)
    one, two, bad = body["results"]
    assert one["status"] == "recorded" and one["allocated"] == "300.00"
    assert two["status"] == "recorded" and (two["allocated"], two["unapplied"]) == (
        "100.00",
        "50.00",
    )
    assert bad["status"] == "error" and "amount" in bad["error"]["fields"]
    receipts = {r.bank_reference: r for r in Receipt.objects.all()}
    assert set(receipts) == {"CMB-001", "CMB-002"}
    assert receipts["CMB-001"].pk == one["id"] and receipts["CMB-001"].number == one["number"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.paid_amount, second.paid_amount) == (Decimal("300.00"), Decimal("100.00"))
    assert ReceiptAllocation.objects.get(receipt=receipts["CMB-002"]).milestone == second
    assert AuditEvent.objects.filter(action="receipt.recorded").count() == 1  # on the contract
    assert reconciliation() == {"milestones": [], "receipts": [], "contracts": [], "customers": []}


def test_a_line_sent_again_is_a_duplicate_not_a_second_receipt(org, api, contract):
    client = api(org.finance)
    lines = [line("CMB-001", contract=contract.pk, amount="300.00")]
    first = send(client, lines).json()["results"][0]
    again = send(client, [*lines, line("CMB-002", contract=contract.pk, amount="10.00")])
    repeated, new = again.json()["results"]
    assert repeated["status"] == "duplicate"
    assert (repeated["id"], repeated["number"]) == (first["id"], first["number"])
    assert new["status"] == "recorded"
    assert Receipt.objects.filter(bank_reference="CMB-001").count() == 1
    # twice in one statement: the second is the duplicate
    twice = send(client, [line("CMB-009", contract=contract.pk, amount="1.00")] * 2).json()
    assert [r["status"] for r in twice["results"]] == ["recorded", "duplicate"]
    assert Receipt.objects.filter(bank_reference="CMB-009").count() == 1
    # the same reference on another account is another transfer
    elsewhere = [line("CMB-001", contract=contract.pk, amount="20.00")]
    other = send(client, elsewhere, account="9555-0000").json()["results"][0]
    assert other["status"] == "recorded"
    assert Receipt.objects.filter(bank_reference="CMB-001").count() == 2


def test_a_reversed_receipt_is_not_recorded_again_by_its_line(org, api, contract):
    client = api(org.finance)
    lines = [line("CMB-001", contract=contract.pk, amount="300.00")]
    receipt_id = send(client, lines).json()["results"][0]["id"]
    reversed_ = client.post(f"/api/v1/receipts/{receipt_id}/reversal/", {"reason": "bounced"})
    assert reversed_.status_code == 200
    assert send(client, lines).json()["results"][0]["status"] == "duplicate"
    assert Receipt.objects.count() == 1


def test_a_payment_recorded_by_hand_is_reported_as_a_duplicate(org, api, contract):
    client = api(org.finance)
    by_hand = client.post(
        "/api/v1/receipts/",
        {**line("CMB-001", contract=contract.pk, amount="300.00"), "method": "bank_transfer"},
        format="json",
    )
    assert by_hand.status_code == 201
    result = send(client, [line("CMB-001", contract=contract.pk, amount="300.00")]).json()
    assert result["results"][0]["status"] == "duplicate"
    assert result["results"][0]["error"]["code"] == "duplicate_receipt"
    assert Receipt.objects.count() == 1 and not StatementLine.objects.exists()


def test_a_failing_line_leaves_nothing_behind(org, api, contract):
    second = milestones(contract)[1]
    response = send(
        api(org.finance),
        [
            line(
                "CMB-001",
                contract=contract.pk,
                amount="100.00",
                allocations=[{"milestone": second.pk, "amount": "999.00"}],  # more than open
            ),
            line("", contract=contract.pk, amount="1.00"),
            line("CMB-003", amount="1.00"),
        ],
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error", "error", "error"]
    assert results[1]["error"]["fields"] == {"bank_reference": ["Required."]}
    assert not Receipt.objects.exists() and not StatementLine.objects.exists()
    second.refresh_from_db()
    assert second.paid_amount == 0


def test_only_finance_and_admins_record_statements(org, api, issue_key, key_client, contract):
    lines = [line("CMB-001", contract=contract.pk, amount="300.00")]
    for user in (org.rep, org.manager):
        response = send(api(user), lines)
        assert response.status_code == 403, user
    hidden = CustomerFactory(owner=org.other_region_rep)
    result = send(api(org.finance), [line("CMB-002", customer=hidden.pk, amount="1.00")]).json()
    assert "customer" in result["results"][0]["error"]["fields"]  # outside finance's region
    reader = key_client(issue_key(user=org.finance, scopes=["receivables:read"]).token)
    assert send(reader, lines).status_code == 403
    writer = key_client(issue_key(user=org.finance, scopes=["receivables:write"]).token)
    first = send(writer, lines, HTTP_IDEMPOTENCY_KEY="stmt-1")
    retry = send(writer, lines, HTTP_IDEMPOTENCY_KEY="stmt-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and first.json()["recorded"] == 1
    assert Receipt.objects.count() == 1


def test_bad_statements_are_400_and_the_size_is_capped(org, api, contract):
    client = api(org.finance)
    assert send(client, []).status_code == 400
    assert (
        send(client, [line("A", contract=contract.pk, amount="1")], account="").status_code == 400
    )
    assert client.post(URL, [line("A")], format="json").status_code == 400
    too_many = [line(f"R{i}", contract=contract.pk, amount="1.00") for i in range(501)]
    response = send(client, too_many)
    assert response.status_code == 400 and "lines" in response.json()["fields"]
    assert not Receipt.objects.exists()


def test_the_schema_documents_the_bulk_endpoints_and_every_error(org, api):
    schema = api(org.admin).get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for path, request, result in (
        ("/api/v1/customers/bulk-upsert/", "CustomerBulkRequestRequest", "BulkResult"),
        ("/api/v1/contacts/bulk-upsert/", "ContactBulkRequestRequest", "BulkResult"),
        ("/api/v1/receipts/bulk/", "StatementRequestRequest", "StatementResult"),
    ):
        post = paths[path]["post"]
        body = post["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"].endswith(f"/{request}"), path
        assert body.get("examples"), path
        ok = post["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].endswith(f"/{result}"), path
        assert {"400", "401", "403", "404", "409", "422", "429"} <= set(post["responses"]), path
    lines = schema["components"]["schemas"]["StatementRequestRequest"]["properties"]["lines"]
    assert lines["maxItems"] == 500
    items = schema["components"]["schemas"]["CustomerBulkRequestRequest"]["properties"]["items"]
    assert items["maxItems"] == 1000
    assert "bank_reference" in schema["components"]["schemas"]["StatementLineRequest"]["required"]
    listing = paths["/api/v1/leads/"]["get"]["responses"]
    assert {"400", "401", "403", "404", "429"} <= set(listing) and "422" not in listing
