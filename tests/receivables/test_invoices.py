"""Invoices (开票): never beyond what is left to invoice on a milestone; a wrong one is
cancelled (红冲), never deleted; payments settle a milestone's invoices oldest first."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import ApplicationError
from receivables.models import Invoice, PaymentMilestone
from receivables.selectors import reconciliation
from receivables.services import invoice_issue, receipt_record

from .conftest import TODAY, milestones, pct_plan

pytestmark = pytest.mark.django_db

PLAN = pct_plan(("down_payment", 40, "on_signing", 0), ("arrival", 60, "on_arrival", 0))


@pytest.fixture
def contract(make_contract):
    return make_contract(amount="1000.00", plan=PLAN)


def issue(api, user, milestone, amount, **data):
    return api(user).post(
        "/api/v1/invoices/",
        {"milestone": milestone.pk, "amount": amount, "issued_on": str(TODAY()), **data},
        format="json",
    )


def test_invoicing_moves_a_due_milestone_to_invoiced(org, api, contract):
    down = milestones(contract)[0]
    response = issue(api, org.finance, down, "150.00", invoice_number="04400001")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "issued" and body["unpaid_amount"] == "150.00"
    assert body["tax_rate_pct"] == str(contract.tax_rate_pct)
    down.refresh_from_db()
    assert down.state == "invoiced" and down.invoiced_amount == Decimal("150.00")
    assert down.uninvoiced == Decimal("250.00")


def test_an_invoice_cannot_exceed_what_is_left_to_invoice(org, api, contract):
    down = milestones(contract)[0]
    assert issue(api, org.finance, down, "300.00").status_code == 201
    over = issue(api, org.finance, down, "100.01")
    assert over.status_code == 400
    assert "amount" in over.json()["fields"]
    assert "100.00" in over.json()["message"]
    assert issue(api, org.finance, down, "100.00").status_code == 201
    down.refresh_from_db()
    assert down.invoiced_amount == down.amount
    assert Invoice.objects.count() == 2


def test_a_planned_or_written_off_milestone_is_not_invoiced(org, api, contract):
    arrival = milestones(contract)[1]
    response = issue(api, org.finance, arrival, "10.00")
    assert response.status_code == 409 and response.json()["code"] == "milestone_not_due"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"issued_on": "2999-01-01"}, "issued_on"),
        ({"kind": "bogus"}, "kind"),
    ],
)
def test_bad_invoices_are_400s(org, api, contract, data, field):
    down = milestones(contract)[0]
    payload = {"amount": "10.00", **data}
    response = issue(api, org.finance, down, **payload)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Invoice.objects.exists()


def test_an_invoice_number_is_recorded_once(org, api, contract):
    down, _arrival = milestones(contract)
    assert issue(api, org.finance, down, "10.00", invoice_number="NO-1").status_code == 201
    again = issue(api, org.finance, down, "10.00", invoice_number="NO-1")
    assert again.status_code == 400 and "invoice_number" in again.json()["fields"]


def test_cancelling_gives_the_amount_back_and_keeps_the_invoice(org, api, contract):
    down = milestones(contract)[0]
    invoice = issue(api, org.finance, down, "400.00").json()
    refused = api(org.finance).post(f"/api/v1/invoices/{invoice['id']}/cancellation/", {})
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    response = api(org.finance).post(
        f"/api/v1/invoices/{invoice['id']}/cancellation/",
        {"reason": "Wrong tax number"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "cancelled"
    down.refresh_from_db()
    assert down.state == "due" and down.invoiced_amount == 0
    assert issue(api, org.finance, down, "400.00").status_code == 201
    twice = api(org.finance).post(
        f"/api/v1/invoices/{invoice['id']}/cancellation/", {"reason": "x"}, format="json"
    )
    assert twice.status_code == 409
    assert api(org.admin).delete(f"/api/v1/invoices/{invoice['id']}/").status_code == 405


def test_payments_settle_invoices_oldest_first(org, contract):
    down = milestones(contract)[0]
    first = invoice_issue(
        milestone=down,
        by=org.finance,
        amount=Decimal("100.00"),
        issued_on=TODAY() - dt.timedelta(3),
    )
    second = invoice_issue(
        milestone=down, by=org.finance, amount=Decimal("200.00"), issued_on=TODAY()
    )
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("150.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.paid_amount, second.paid_amount) == (Decimal("100.00"), Decimal("50.00"))
    from receivables.services import invoice_cancel

    invoice_cancel(invoice=first, by=org.finance, reason="duplicate")
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.paid_amount, second.paid_amount) == (Decimal("0.00"), Decimal("150.00"))
    assert reconciliation()["milestones"] == []


def test_paid_before_invoiced_shows_the_invoice_paid(org, contract):
    down = milestones(contract)[0]
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("400.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    invoice = invoice_issue(
        milestone=down, by=org.finance, amount=Decimal("400.00"), issued_on=TODAY()
    )
    assert invoice.paid_amount == Decimal("400.00") and invoice.unpaid_amount == 0
    down.refresh_from_db()
    assert down.state == "paid"


def test_only_finance_invoices_and_others_cannot_see(org, api, contract):
    down = milestones(contract)[0]
    assert issue(api, org.rep, down, "10.00").status_code == 403
    invoice = issue(api, org.finance, down, "10.00").json()
    assert api(org.rep).get(f"/api/v1/invoices/{invoice['id']}/").status_code == 200
    assert api(org.other_region_rep).get(f"/api/v1/invoices/{invoice['id']}/").status_code == 404
    assert issue(api, org.other_region_manager, down, "10.00").status_code == 400  # unseen id
    assert api(org.other_region_rep).get("/api/v1/invoices/").json()["results"] == []


def test_the_invoice_list_filters_and_runs_a_constant_number_of_queries(
    org, api, make_contract, django_assert_max_num_queries
):
    for n in range(5):
        contract = make_contract(amount="1000.00", plan=PLAN)
        invoice_issue(
            milestone=milestones(contract)[0],
            by=org.finance,
            amount=Decimal("400.00"),
            issued_on=TODAY(),
            invoice_number=f"N{n}",
        )
    with django_assert_max_num_queries(6):
        rows = api(org.finance).get("/api/v1/invoices/?unpaid=true").json()["results"]
    assert len(rows) == 5
    assert (
        api(org.finance).get("/api/v1/invoices/?search=N3").json()["results"][0]["invoice_number"]
        == "N3"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_finance_users_invoicing_at_once_never_over_invoice(org, make_contract):
    contract = make_contract(amount="1000.00", plan=PLAN)
    down = milestones(contract)[0]
    barrier, outcomes = threading.Barrier(2), []

    def attempt():
        try:
            barrier.wait()
            invoice_issue(
                milestone=down, by=org.finance, amount=Decimal("300.00"), issued_on=TODAY()
            )
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _n in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["invalid", "ok"]
    assert PaymentMilestone.objects.get(pk=down.pk).invoiced_amount == Decimal("300.00")
