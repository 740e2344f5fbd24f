"""Receipts and invoices are state machines (issue 18.3, ADR 3): reversing a receipt and
cancelling an invoice are declared django-fsm-2 transitions, run through the one transition path
(audited, the version bumped), shown on the timeline in words and in Chinese; what is not
declared is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from core.audit import timeline
from core.errors import TransitionNotAllowed
from core.fsm import transition_run
from core.timeline import describe
from core.transitions import transitions_of
from receivables.models import Invoice, Receipt
from receivables.services import invoice_issue, receipt_record

from .conftest import TODAY, milestones, pct_plan

pytestmark = pytest.mark.django_db

PLAN = pct_plan(("down_payment", 40, "on_signing", 0), ("arrival", 60, "on_arrival", 0))


@pytest.fixture
def contract(make_contract):
    return make_contract(amount="1000.00", plan=PLAN, signed_on=TODAY() - dt.timedelta(10))


def a_receipt(org, contract, amount="300.00") -> Receipt:
    return receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal(amount),
        received_on=TODAY(),
        method="bank_transfer",
    )


def an_invoice(org, contract, amount="200.00") -> Invoice:
    down = milestones(contract)[0]
    return invoice_issue(milestone=down, by=org.finance, amount=Decimal(amount), issued_on=TODAY())


def assert_error_shape(response, status: int, code: str):
    assert response.status_code == status, response.json()
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code and body["message"]


def test_the_transitions_are_declared_once_on_the_models():
    assert set(transitions_of(Receipt)) == {"reverse"}
    assert set(transitions_of(Invoice)) == {"cancel"}
    for model, name in ((Receipt, "reverse"), (Invoice, "cancel")):
        meta = next(iter(transitions_of(model)[name]._django_fsm.transitions.values()))
        assert meta.custom["internal"] and meta.custom["reason_required"]


def test_a_receipt_is_reversed_through_the_transition_and_the_timeline_says_so(org, api, contract):
    receipt = a_receipt(org, contract)
    version = receipt.version
    response = api(org.finance).post(
        f"/api/v1/receipts/{receipt.pk}/reversal/", {"reason": "Bill bounced"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "reversed"
    receipt.refresh_from_db()
    assert receipt.state == "reversed" and receipt.allocated_amount == 0
    assert receipt.reversed_by == org.finance and receipt.reversal_reason == "Bill bounced"
    assert receipt.version > version

    events = api(org.finance).get(f"/api/v1/receipts/{receipt.pk}/timeline/").json()
    rows = events["results"] if isinstance(events, dict) else events
    reversal = next(e for e in rows if e["transition"] == "reverse")
    assert (reversal["from_state"], reversal["to_state"], reversal["actor"]) == (
        "posted",
        "reversed",
        org.finance.username,
    )
    assert reversal["comment"] == "Bill bounced"

    event = timeline(receipt).get(transition="reverse")
    finance = org.finance.get_full_name()
    assert describe(event)["title"] == f"{finance} moved the receipt from Posted to Reversed."
    assert "Step: Receipt reversed" in describe(event)["lines"]
    with translation.override("zh-hans"):
        assert describe(event)["title"] == f"{finance}将收款从“已入账”转为“已冲销”。"


def test_the_receipt_page_shows_the_reversal_on_its_timeline_in_chinese(org, client, contract):
    receipt = a_receipt(org, contract)
    org.finance.language = "zh-hans"
    org.finance.save()
    client.force_login(org.finance)
    client.post(f"/collections/receipts/{receipt.pk}/reverse/", {"reason": "重复录入"})
    page = client.get(receipt.get_absolute_url()).content.decode()
    assert "将收款从“已入账”转为“已冲销”。" in page and "重复录入" in page


def test_a_reversed_receipt_cannot_be_reversed_again(org, api, contract):
    receipt = a_receipt(org, contract)
    url = f"/api/v1/receipts/{receipt.pk}/reversal/"
    assert api(org.finance).post(url, {"reason": "x"}, format="json").status_code == 200
    assert_error_shape(
        api(org.finance).post(url, {"reason": "again"}, format="json"), 409, "already_reversed"
    )
    receipt.refresh_from_db()
    # The machine itself refuses it, whoever calls, and the state cannot be set by hand.
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_run(
            receipt, "reverse", by=org.finance, reason="again", internal=True, check_policy=False
        )
    assert "state" in refused.value.fields
    with pytest.raises(AttributeError):
        receipt.state = "posted"
    assert timeline(receipt).filter(transition="reverse").count() == 1


def test_a_reversal_needs_a_reason(org, api, contract):
    receipt = a_receipt(org, contract)
    response = api(org.finance).post(f"/api/v1/receipts/{receipt.pk}/reversal/", {})
    assert_error_shape(response, 400, "invalid")
    assert "reason" in response.json()["fields"]
    receipt.refresh_from_db()
    assert receipt.state == "posted" and not timeline(receipt).filter(transition="reverse")


def test_an_invoice_is_cancelled_through_the_transition_and_the_timeline_says_so(
    org, api, contract
):
    invoice = an_invoice(org, contract)
    version = invoice.version
    response = api(org.finance).post(
        f"/api/v1/invoices/{invoice.pk}/cancellation/", {"reason": "Wrong buyer"}, format="json"
    )
    assert response.status_code == 200, response.json()
    invoice.refresh_from_db()
    assert invoice.state == "cancelled" and invoice.paid_amount == 0
    assert invoice.cancelled_by == org.finance and invoice.cancel_reason == "Wrong buyer"
    assert invoice.version > version

    events = api(org.finance).get(f"/api/v1/invoices/{invoice.pk}/timeline/").json()
    rows = events["results"] if isinstance(events, dict) else events
    cancel = next(e for e in rows if e["transition"] == "cancel")
    assert (cancel["from_state"], cancel["to_state"]) == ("issued", "cancelled")
    event = timeline(invoice).get(transition="cancel")
    finance = org.finance.get_full_name()
    assert describe(event)["title"] == (
        f"{finance} moved the invoice from Issued to Cancelled (red-letter)."
    )
    with translation.override("zh-hans"):
        assert describe(event)["title"] == f"{finance}将发票从“已开具”转为“已红冲”。"


def test_the_invoice_page_shows_the_cancellation_on_its_timeline(org, client, contract):
    invoice = an_invoice(org, contract)
    client.force_login(org.finance)
    client.post(f"/collections/invoices/{invoice.pk}/cancel/", {"reason": "Wrong buyer"})
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "moved the invoice from Issued to Cancelled (red-letter)." in page


def test_a_cancelled_invoice_cannot_be_cancelled_again(org, api, contract):
    invoice = an_invoice(org, contract)
    url = f"/api/v1/invoices/{invoice.pk}/cancellation/"
    assert api(org.finance).post(url, {"reason": "x"}, format="json").status_code == 200
    assert_error_shape(
        api(org.finance).post(url, {"reason": "y"}, format="json"), 409, "invoice_cancelled"
    )
    invoice.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        transition_run(
            invoice, "cancel", by=org.finance, reason="y", internal=True, check_policy=False
        )
    assert timeline(invoice).filter(transition="cancel").count() == 1


def test_the_transitions_run_only_through_their_services(org, contract):
    receipt = a_receipt(org, contract)
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_run(receipt, "reverse", by=org.admin, reason="x")
    assert refused.value.code == "transition_internal"
    receipt.refresh_from_db()
    assert receipt.state == "posted"
