"""Receipts: allocated oldest first or by hand, overpayments held as credit (or refused),
credit applied later, corrections by reversal, never by delete; totals reconcile."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import AuditEvent, Notification
from receivables.models import Receipt, ReceiptAllocation
from receivables.selectors import reconciliation
from receivables.services import invoice_issue
from tests.factories import CustomerFactory

from .conftest import TODAY, milestones, pct_plan, reach

pytestmark = pytest.mark.django_db

TWO_DUE = pct_plan(
    ("down_payment", 30, "on_signing", 0),
    ("arrival", 30, "on_arrival", 0),
    ("acceptance", 40, "on_acceptance", 0),
)


def post_receipt(api, user, **data):
    payload = {"amount": "0", "received_on": str(TODAY()), "method": "bank_transfer", **data}
    return api(user).post("/api/v1/receipts/", payload, format="json")


def states(contract):
    return [(m.state, m.paid_amount) for m in milestones(contract)]


def assert_books_balance():
    assert reconciliation() == {"milestones": [], "receipts": [], "contracts": [], "customers": []}


@pytest.fixture
def contract(make_contract):
    contract = make_contract(amount="1000.00", plan=TWO_DUE, signed_on=TODAY() - dt.timedelta(10))
    reach(contract, "arrival", TODAY() - dt.timedelta(days=5))
    return contract


def test_oldest_due_first_then_unapplied_credit(org, api, contract):
    response = post_receipt(api, org.finance, contract=contract.pk, amount="700.00")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["allocated_amount"] == "600.00" and body["unapplied_amount"] == "100.00"
    assert [a["amount"] for a in body["allocations"]] == ["300.00", "300.00"]
    assert states(contract) == [
        ("paid", Decimal("300.00")),
        ("paid", Decimal("300.00")),
        ("planned", Decimal("0.00")),  # not due yet: money waits as credit
    ]
    assert Notification.objects.filter(recipient=org.rep, kind="receipt.recorded").exists()
    assert_books_balance()


def test_partial_payment_makes_a_milestone_partly_paid(org, api, contract):
    post_receipt(api, org.finance, contract=contract.pk, amount="400.00")
    assert states(contract)[:2] == [("paid", Decimal("300.00")), ("partly_paid", Decimal("100.00"))]


def test_allocation_by_hand_to_milestones_and_invoices(org, api, contract):
    down, arrival, acceptance = milestones(contract)
    invoice = invoice_issue(
        milestone=arrival, by=org.finance, amount=Decimal("300.00"), issued_on=TODAY()
    )
    response = post_receipt(
        api,
        org.finance,
        contract=contract.pk,
        amount="500.00",
        allocations=[
            {"invoice": invoice.pk, "amount": "300.00"},
            {"milestone": acceptance.pk, "amount": "150.00"},
        ],
    )
    assert response.status_code == 201, response.json()
    assert response.json()["unapplied_amount"] == "50.00"
    assert states(contract) == [
        ("due", Decimal("0.00")),
        ("paid", Decimal("300.00")),
        ("partly_paid", Decimal("150.00")),
    ]
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("300.00")
    assert_books_balance()


@pytest.mark.parametrize(
    "allocations",
    [
        "over-outstanding",
        "over-receipt",
        "other-customer",
        "zero",
        "neither",
    ],
)
def test_bad_allocations_are_refused_and_nothing_is_written(
    org, api, contract, make_contract, allocations
):
    down, arrival, acceptance = milestones(contract)
    other = milestones(make_contract(amount="500.00", plan=TWO_DUE))[0]
    items = {
        "over-outstanding": [{"milestone": down.pk, "amount": "300.01"}],
        "over-receipt": [
            {"milestone": down.pk, "amount": "300.00"},
            {"milestone": arrival.pk, "amount": "300.00"},
        ],
        "other-customer": [{"milestone": other.pk, "amount": "10.00"}],
        "zero": [{"milestone": down.pk, "amount": "0.00"}],
        "neither": [{"amount": "10.00"}],
    }[allocations]
    response = post_receipt(
        api, org.finance, contract=contract.pk, amount="500.00", allocations=items
    )
    assert response.status_code == 400, response.json()
    assert any(k.startswith("allocations") for k in response.json()["fields"])
    assert not Receipt.objects.exists() and not ReceiptAllocation.objects.exists()
    assert states(contract)[0] == ("due", Decimal("0.00"))


def test_an_overpayment_is_refused_when_asked(org, api, contract):
    response = post_receipt(
        api, org.finance, contract=contract.pk, amount="700.00", overpayment="refuse"
    )
    assert response.status_code == 400
    assert "amount" in response.json()["fields"]
    assert not Receipt.objects.exists()
    assert states(contract)[0] == ("due", Decimal("0.00"))


def test_unapplied_credit_is_applied_later_by_hand_or_oldest_first(org, api, contract):
    receipt = post_receipt(
        api, org.finance, contract=contract.pk, amount="800.00", auto_allocate=False
    ).json()
    assert receipt["unapplied_amount"] == "800.00"
    acceptance = milestones(contract)[2]
    by_hand = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/allocations/",
        {"allocations": [{"milestone": acceptance.pk, "amount": "400.00"}]},
        format="json",
    )
    assert by_hand.status_code == 200, by_hand.json()
    assert by_hand.json()["unapplied_amount"] == "400.00"
    oldest = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/allocations/", {}, format="json"
    )
    assert oldest.status_code == 200
    assert oldest.json()["unapplied_amount"] == "0.00"
    assert [s for s, _p in states(contract)] == ["paid", "partly_paid", "paid"]
    nothing_left = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/allocations/", {}, format="json"
    )
    assert nothing_left.status_code == 409 and nothing_left.json()["code"] == "no_credit"
    assert_books_balance()


def test_a_receipt_for_the_customer_only_is_held_then_applied(org, api, contract):
    response = post_receipt(
        api,
        org.finance,
        customer=contract.customer.pk,
        currency="CNY",
        amount="250.00",
        auto_allocate=False,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contract"] is None and body["unapplied_amount"] == "250.00"
    applied = api(org.finance).post(
        f"/api/v1/receipts/{body['id']}/allocations/", {}, format="json"
    )
    assert applied.json()["unapplied_amount"] == "0.00"
    assert states(contract)[0] == ("partly_paid", Decimal("250.00"))
    assert_books_balance()


def test_reversing_an_allocation_returns_the_money_to_credit(org, api, contract):
    receipt = post_receipt(api, org.finance, contract=contract.pk, amount="600.00").json()
    first = receipt["allocations"][0]["id"]
    response = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/allocation-reversal/",
        {"allocation": first, "reason": "Meant for the arrival payment"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["unapplied_amount"] == "300.00"
    assert states(contract)[0] == ("due", Decimal("0.00"))
    again = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/allocation-reversal/",
        {"allocation": first, "reason": "twice"},
        format="json",
    )
    assert again.status_code == 409
    assert ReceiptAllocation.objects.filter(pk=first, reversed_at__isnull=False).exists()
    assert_books_balance()


def test_reversing_a_receipt_rolls_milestones_back_and_keeps_the_record(org, api, contract):
    down, arrival, _acceptance = milestones(contract)
    invoice_issue(milestone=arrival, by=org.finance, amount=Decimal("300.00"), issued_on=TODAY())
    receipt = post_receipt(api, org.finance, contract=contract.pk, amount="450.00").json()
    assert states(contract)[:2] == [("paid", Decimal("300.00")), ("partly_paid", Decimal("150.00"))]
    no_reason = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/reversal/", {}, format="json"
    )
    assert no_reason.status_code == 400
    response = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/reversal/", {"reason": "Bill bounced"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "reversed" and body["unapplied_amount"] == "0.00"
    assert all(a["reversed_at"] for a in body["allocations"])
    assert states(contract)[:2] == [("due", Decimal("0.00")), ("invoiced", Decimal("0.00"))]
    down.refresh_from_db()
    assert down.settled_at is None
    # The receipt's own trail records the transition; its contract's, the reversal.
    assert (
        AuditEvent.objects.filter(
            transition="reverse", from_state="posted", to_state="reversed", comment="Bill bounced"
        ).count()
        == 1
    )
    assert AuditEvent.objects.filter(action="receipt.reversed", comment="Bill bounced").count() == 1
    assert Receipt.objects.filter(pk=receipt["id"]).exists()
    twice = api(org.finance).post(
        f"/api/v1/receipts/{receipt['id']}/reversal/", {"reason": "again"}, format="json"
    )
    assert twice.status_code == 409
    assert_books_balance()


def test_there_is_no_way_to_delete_money(org, api, contract):
    receipt = post_receipt(api, org.finance, contract=contract.pk, amount="100.00").json()
    assert api(org.admin).delete(f"/api/v1/receipts/{receipt['id']}/").status_code == 405
    assert api(org.admin).put(f"/api/v1/receipts/{receipt['id']}/", {}).status_code == 405


def test_the_same_payment_entered_twice_is_caught(org, api, contract):
    data = {"contract": contract.pk, "amount": "100.00", "bank_reference": "ICBC-9"}
    assert post_receipt(api, org.finance, **data).status_code == 201
    twin = post_receipt(api, org.finance, **data)
    assert twin.status_code == 409 and twin.json()["code"] == "duplicate_receipt"
    assert post_receipt(api, org.finance, allow_duplicate=True, **data).status_code == 201


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"contract": None}, "contract"),
        ({"currency": "USD"}, "currency"),
    ],
)
def test_bad_receipts_are_400s(org, api, contract, data, field):
    payload = {"contract": contract.pk, "amount": "100.00", **data}
    response = post_receipt(api, org.finance, **payload)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Receipt.objects.exists()


def test_only_finance_moves_money(org, api, contract):
    assert post_receipt(api, org.rep, contract=contract.pk, amount="1.00").status_code == 403
    assert post_receipt(api, org.manager, contract=contract.pk, amount="1.00").status_code == 403
    receipt = post_receipt(api, org.finance, contract=contract.pk, amount="1.00").json()
    assert (
        api(org.rep)
        .post(f"/api/v1/receipts/{receipt['id']}/reversal/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )


def test_receipts_are_scoped_by_the_policy(org, api, make_contract):
    contract = make_contract(amount="1000.00", plan=TWO_DUE)
    other = make_contract(amount="1000.00", plan=TWO_DUE, owner=org.other_region_rep)
    mine = post_receipt(api, org.finance, contract=contract.pk, amount="10.00").json()
    theirs = post_receipt(api, org.admin, contract=other.pk, amount="10.00").json()
    assert post_receipt(api, org.finance, contract=other.pk, amount="1.00").status_code == 400

    def seen(user):
        return {r["id"] for r in api(user).get("/api/v1/receipts/").json()["results"]}

    assert seen(org.rep) == {mine["id"]}
    assert seen(org.finance) == {mine["id"]}
    assert seen(org.other_region_rep) == {theirs["id"]}
    assert api(org.other_region_rep).get(f"/api/v1/receipts/{mine['id']}/").status_code == 404
    assert (
        api(org.other_region_manager)
        .post(f"/api/v1/receipts/{mine['id']}/reversal/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )


def test_the_receipt_list_runs_a_constant_number_of_queries(
    org, api, make_contract, django_assert_max_num_queries
):
    for _n in range(6):
        contract = make_contract(amount="1000.00", plan=TWO_DUE)
        post_receipt(api, org.finance, contract=contract.pk, amount="500.00")
    with django_assert_max_num_queries(8):
        response = api(org.finance).get("/api/v1/receipts/")
    assert len(response.json()["results"]) == 6


def test_receipts_filter_by_unapplied_credit_and_search(org, api, contract):
    post_receipt(api, org.finance, contract=contract.pk, amount="10.00", bank_reference="ICBC-2")
    post_receipt(api, org.finance, contract=contract.pk, amount="700.00", bank_reference="BOC-1")
    finance = api(org.finance)
    credit = finance.get("/api/v1/receipts/?unapplied=true").json()["results"]
    assert [r["bank_reference"] for r in credit] == ["BOC-1"]
    found = finance.get("/api/v1/receipts/?search=ICBC").json()["results"]
    assert [r["bank_reference"] for r in found] == ["ICBC-2"]


def test_a_customer_receipt_needs_a_visible_customer(org, api):
    stranger = CustomerFactory(owner=org.other_region_rep)
    response = post_receipt(api, org.finance, customer=stranger.pk, currency="CNY", amount="5.00")
    assert response.status_code == 400
    assert "customer" in response.json()["fields"]
