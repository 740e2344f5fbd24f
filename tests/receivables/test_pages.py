"""The collections pages: board, the rep's own milestones, fast receipt entry with allocation
by hand, receipt / invoice / write-off pages and their actions, CSV exports."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from receivables.models import Invoice, PaymentMilestone, Receipt, WriteOffRequest
from receivables.services import invoice_issue, receipt_record, write_off_request
from tests.factories import CustomerFactory

from .conftest import TODAY, milestones, pct_plan

pytestmark = pytest.mark.django_db

PLAN = pct_plan(("down_payment", 50, "on_signing", 0), ("acceptance", 50, "on_acceptance", 0))


@pytest.fixture
def contract(make_contract):
    return make_contract(amount="1000.00", plan=PLAN, signed_on=TODAY() - dt.timedelta(days=20))


def money_out(org, contract, amount="200.00"):
    return receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal(amount),
        received_on=TODAY(),
        method="bank_transfer",
    )


PAGES = [
    "/collections/",
    "/collections/mine/",
    "/collections/invoices/",
    "/collections/receipts/",
    "/collections/receipts/new/",
    "/collections/write-offs/",
    "/collections/reports/",
]


@pytest.mark.parametrize("who", ["rep", "sr", "manager", "director", "finance", "admin"])
def test_every_collections_page_renders_for_every_role(org, client, contract, who):
    receipt = money_out(org, contract)
    invoice = invoice_issue(
        milestone=milestones(contract)[0],
        by=org.finance,
        amount=Decimal("10.00"),
        issued_on=TODAY(),
    )
    client.force_login(getattr(org, who))
    for url in [
        *PAGES,
        milestones(contract)[0].get_absolute_url(),
        receipt.get_absolute_url(),
        invoice.get_absolute_url(),
        f"/collections/customers/{contract.customer_id}/battle-map/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_the_board_shows_due_overdue_by_age_and_by_owner(org, client, contract):
    client.force_login(org.finance)
    page = client.get("/collections/").content.decode()
    assert "Receivables by age" in page and "Overdue by owner" in page
    assert "20 days overdue" in page
    assert str(org.rep) in page
    filtered = client.get("/collections/?age=d1_30").content.decode()
    assert contract.number in filtered
    assert contract.number not in client.get("/collections/?age=d31_60").content.decode()


def test_a_rep_sees_their_own_milestones_to_chase(org, client, contract, make_contract):
    theirs = make_contract(amount="10.00", plan=PLAN, owner=org.teammate)
    client.force_login(org.rep)
    page = client.get("/collections/mine/").content.decode()
    assert contract.number in page and theirs.number not in page


def test_fast_receipt_entry_by_hand(org, client, contract):
    down, acceptance = milestones(contract)
    client.force_login(org.finance)
    form = client.get(f"/collections/receipts/new/?contract={contract.pk}").content.decode()
    assert f'name="alloc-{down.pk}"' in form and "autofocus" in form
    table = client.get(f"/collections/receipts/new/allocations/?contract={contract.pk}")
    assert f'name="alloc-{acceptance.pk}"' in table.content.decode()
    data = {
        "contract": contract.pk,
        "amount": "600.00",
        "received_on": str(TODAY()),
        "method": "bank_transfer",
        "bank_reference": "ICBC-77",
        "allocation": "by_hand",
        f"alloc-{down.pk}": "100.00",
        f"alloc-{acceptance.pk}": "450.00",
    }
    response = client.post("/collections/receipts/new/", {**data, "_another": "1"})
    assert response.status_code == 302 and response["Location"] == "/collections/receipts/new/"
    receipt = Receipt.objects.get()
    assert receipt.allocated_amount == Decimal("550.00") and receipt.unapplied_amount == 50
    down.refresh_from_db(), acceptance.refresh_from_db()
    assert (down.paid_amount, acceptance.paid_amount) == (Decimal("100.00"), Decimal("450.00"))


def test_a_bad_allocation_comes_back_on_the_form_and_writes_nothing(org, client, contract):
    down, _acceptance = milestones(contract)
    client.force_login(org.finance)
    response = client.post(
        "/collections/receipts/new/",
        {
            "contract": contract.pk,
            "amount": "100.00",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
            "allocation": "by_hand",
            f"alloc-{down.pk}": "900.00",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "outstanding" in page and 'value="900.00"' in page
    assert not Receipt.objects.exists()
    garbage = client.post(
        "/collections/receipts/new/",
        {"contract": contract.pk, "amount": "x", "received_on": "nope", "method": "cash"},
    )
    assert garbage.status_code == 200 and not Receipt.objects.exists()


def test_a_rep_cannot_record_receipts_on_the_page(org, client, contract):
    client.force_login(org.rep)
    response = client.post(
        "/collections/receipts/new/",
        {
            "contract": contract.pk,
            "amount": "10.00",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
        },
    )
    assert response.status_code == 200 and "Only finance" in response.content.decode()
    assert not Receipt.objects.exists()


def test_credit_is_applied_and_allocations_reversed_on_the_receipt_page(org, client, contract):
    receipt = receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("300.00"),
        received_on=TODAY(),
        method="bank_transfer",
        auto_allocate=False,
    )
    down = milestones(contract)[0]
    client.force_login(org.finance)
    page = client.get(receipt.get_absolute_url()).content.decode()
    assert "Apply the unapplied credit" in page
    client.post(
        f"/collections/receipts/{receipt.pk}/apply/",
        {"allocation": "by_hand", f"alloc-{down.pk}": "120.00"},
    )
    receipt.refresh_from_db()
    assert receipt.allocated_amount == Decimal("120.00")
    allocation = receipt.allocations.get()
    no_reason = client.post(
        f"/collections/receipts/{receipt.pk}/allocations/{allocation.pk}/reverse/", {}
    )
    assert no_reason.status_code == 302
    allocation.refresh_from_db()
    assert allocation.reversed_at is None
    client.post(
        f"/collections/receipts/{receipt.pk}/allocations/{allocation.pk}/reverse/",
        {"reason": "Wrong milestone"},
    )
    allocation.refresh_from_db()
    assert allocation.reversed_at is not None
    client.post(f"/collections/receipts/{receipt.pk}/reverse/", {"reason": "Duplicate entry"})
    receipt.refresh_from_db()
    assert receipt.state == "reversed"
    assert "Reverse receipt" not in client.get(receipt.get_absolute_url()).content.decode()


def test_invoices_are_issued_and_cancelled_on_the_pages(org, client, contract):
    down = milestones(contract)[0]
    client.force_login(org.finance)
    page = client.get(down.get_absolute_url()).content.decode()
    assert "Issue an invoice" in page
    response = client.post(
        f"/collections/milestones/{down.pk}/invoice/",
        {"amount": "600.00", "issued_on": str(TODAY()), "kind": "vat_special"},
    )
    assert response.status_code == 200 and "At most 500.00" in response.content.decode()
    response = client.post(
        f"/collections/milestones/{down.pk}/invoice/",
        {
            "amount": "500.00",
            "issued_on": str(TODAY()),
            "kind": "vat_special",
            "invoice_number": "44001",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == invoice.get_absolute_url()
    client.post(f"/collections/invoices/{invoice.pk}/cancel/", {"reason": "Wrong buyer"})
    invoice.refresh_from_db()
    assert invoice.state == "cancelled"
    client.force_login(org.rep)
    assert "Issue an invoice" not in client.get(down.get_absolute_url()).content.decode()


def test_a_write_off_is_asked_and_decided_on_the_milestone_page(org, client, contract):
    down = milestones(contract)[0]
    client.force_login(org.rep)
    page = client.get(down.get_absolute_url()).content.decode()
    assert "Request a write-off" in page
    client.post(f"/collections/milestones/{down.pk}/write-off/", {"reason": "Bankrupt"})
    request = WriteOffRequest.objects.get()
    page = client.get(down.get_absolute_url()).content.decode()
    assert "Write-off awaiting approval" in page and "Approve write-off" not in page
    client.post(f"/collections/write-offs/{request.pk}/approve/", {})
    request.refresh_from_db()
    assert request.state == "pending"  # the requester cannot approve
    client.force_login(org.manager)
    assert "yours to decide" in client.get("/collections/write-offs/").content.decode()
    assert "Approve write-off" in client.get(down.get_absolute_url()).content.decode()
    client.post(f"/collections/write-offs/{request.pk}/approve/", {"comment": "ok"})
    down.refresh_from_db()
    assert down.state == "written_off"


def test_a_finance_approver_sees_the_decision_buttons(org, client, contract):
    from tests.factories import UserFactory

    approver = UserFactory(username="fa", role="finance", org_unit=org.south)
    approver.user_permissions.add(Permission.objects.get(codename="approve_writeoff"))
    down = milestones(contract)[0]
    write_off_request(milestone=down, by=org.rep, reason="x")
    client.force_login(org.finance)
    assert "Approve write-off" not in client.get(down.get_absolute_url()).content.decode()
    client.force_login(approver)
    assert "Approve write-off" in client.get(down.get_absolute_url()).content.decode()


def test_exports_stream_scoped_csv_with_formulas_neutralised(org, client, make_contract):
    hostile = CustomerFactory(owner=org.rep, name='=HYPERLINK("http://evil","x")')
    contract = make_contract(
        amount="1000.00",
        customer=hostile,
        plan=[{"kind": "custom", "name": "+SUM(A1:A9)", "percentage": 100}],
    )
    make_contract(amount="50.00", owner=org.other_region_rep, plan=PLAN)
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("10.00"),
        received_on=TODAY(),
        method="bank_transfer",
        bank_reference="@cmd",
        note="-2+3",
    )
    client.force_login(org.finance)
    response = client.get("/collections/export/milestones.csv")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Contract,Customer,Milestone")
    assert len(lines) == 2  # the other region's milestones are not exported
    assert "'=HYPERLINK" in text and "'+SUM(A1:A9)" in text
    assert not re.search(r'(^|,)"?[=+@-]', lines[1])  # no cell starts like a formula
    receipts = b"".join(client.get("/collections/export/receipts.csv").streaming_content)
    assert "'@cmd" in receipts.decode("utf-8-sig") and "'-2+3" in receipts.decode("utf-8-sig")
    api = client.get("/api/v1/payment-milestones/export/?overdue=false")
    assert api.status_code == 200 and "'+SUM" in b"".join(api.streaming_content).decode()
    assert client.get("/collections/export/nothing.csv").status_code == 404


def test_the_battle_map_puts_the_account_on_one_page(org, client, make_contract):
    parent = CustomerFactory(owner=org.rep, name="China Mobile Guangdong", tier="key")
    child = CustomerFactory(owner=org.rep, name="China Mobile Shenzhen", parent=parent)
    first = make_contract(
        amount="1000.00", plan=PLAN, customer=parent, payment_terms="30% on signing"
    )
    second = make_contract(amount="500.00", plan=PLAN, customer=child)
    money_out(org, first, "500.00")
    invoice_issue(
        milestone=milestones(second)[0], by=org.finance, amount=Decimal("250.00"), issued_on=TODAY()
    )
    client.force_login(org.rep)
    page = client.get(f"/collections/customers/{parent.pk}/battle-map/").content.decode()
    for text in (
        first.number,
        second.number,
        "30% on signing",
        "50.0%",
        "Unpaid invoices",
        "with 1 subsidiary",
    ):
        assert text in page, text
    client.force_login(org.other_region_rep)
    assert client.get(f"/collections/customers/{parent.pk}/battle-map/").status_code == 404


def test_the_battle_map_api_runs_a_constant_number_of_queries(
    org, api, make_contract, django_assert_max_num_queries
):
    customer = CustomerFactory(owner=org.rep)
    for _n in range(2):
        money_out(org, make_contract(amount="100.00", plan=PLAN, customer=customer), "60.00")
    with django_assert_max_num_queries(20) as few:
        api(org.rep).get(f"/api/v1/receivables/battle-map/{customer.pk}/")
    for _n in range(4):
        money_out(org, make_contract(amount="100.00", plan=PLAN, customer=customer), "60.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api(org.rep).get(f"/api/v1/receivables/battle-map/{customer.pk}/").json()
    assert len(body["contracts"]) == 6
    assert body["progress"][0]["paid"] == "300.00"  # 50 due on each; 10 each held
    assert (
        api(org.other_region_rep).get(f"/api/v1/receivables/battle-map/{customer.pk}/").status_code
        == 404
    )


def test_the_milestone_api_is_scoped_filtered_and_constant_in_queries(
    org, api, make_contract, django_assert_max_num_queries
):
    for _n in range(5):
        make_contract(amount="100.00", plan=PLAN, signed_on=TODAY() - dt.timedelta(days=40))
    make_contract(amount="100.00", plan=PLAN, owner=org.other_region_rep)
    with django_assert_max_num_queries(6):
        rows = api(org.finance).get("/api/v1/payment-milestones/").json()["results"]
    assert len(rows) == 10
    overdue = api(org.rep).get("/api/v1/payment-milestones/?age=d31_60").json()["results"]
    assert len(overdue) == 5 and all(r["days_overdue"] == 40 for r in overdue)
    mine = api(org.rep).get("/api/v1/payment-milestones/mine/?state=planned").json()["results"]
    assert len(mine) == 5
    assert api(org.other_region_rep).get("/api/v1/payment-milestones/mine/").json()[
        "results"
    ] and all(
        r["owner"] == org.other_region_rep.pk
        for r in api(org.other_region_rep).get("/api/v1/payment-milestones/").json()["results"]
    )
    assert PaymentMilestone.objects.count() == 12


def test_the_collections_pages_speak_chinese(org, client, contract):
    org.finance.language = "zh-hans"
    org.finance.save()
    client.force_login(org.finance)
    board = client.get("/collections/").content.decode()
    assert "应收账款账龄" in board and "逾期 20 天" in board
    assert "Receivables by age" not in board
    battle = client.get(f"/collections/customers/{contract.customer_id}/battle-map/")
    assert "作战地图" in battle.content.decode()


def test_an_export_with_bad_filters_is_a_400(org, client, contract):
    client.force_login(org.finance)
    response = client.get("/collections/export/milestones.csv?due_after=someday")
    assert response.status_code == 400 and "due_after" in response.content.decode()
    api = client.get("/api/v1/invoices/export/?issued_after=someday")
    assert api.status_code == 400


def test_the_board_runs_a_constant_number_of_queries(
    org, client, make_contract, django_assert_max_num_queries
):
    client.force_login(org.finance)
    make_contract(amount="100.00", plan=PLAN)
    with django_assert_max_num_queries(40) as few:
        client.get("/collections/")
    for _n in range(6):
        make_contract(amount="100.00", plan=PLAN, owner=org.teammate)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/collections/").content.decode()
    assert page.count("/collections/milestones/") >= 14
    week = client.get("/collections/?open=true&due_after=2000-01-01&due_before=2999-01-01")
    assert week.status_code == 200
