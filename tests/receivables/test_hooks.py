"""What collections do on earlier stages: re-plan after an amendment (contract.changed), hold
the close review until every milestone is settled, give the evaluation its figures, and show
panels on the contract and customer pages."""

import datetime as dt
from decimal import Decimal

import pytest

from core import hooks
from core.errors import Conflict
from core.models import AuditEvent
from receivables.services import (
    invoice_issue,
    receipt_record,
    write_off_approve,
    write_off_request,
)

from .conftest import TODAY, amend, milestones, pct_plan, reach

pytestmark = pytest.mark.django_db

PLAN = pct_plan(
    ("down_payment", 30, "on_signing", 0),
    ("arrival", 30, "on_arrival", 30),
    ("acceptance", 30, "on_acceptance", 30),
    ("warranty", 10, "on_warranty_end", 30),
)


def pay(org, contract, amount, on=None):
    return receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal(amount),
        received_on=on or TODAY(),
        method="bank_transfer",
    )


def amounts(contract):
    return [m.amount for m in milestones(contract)]


def test_an_increase_is_spread_over_unpaid_milestones_by_percentage(org, make_contract):
    contract = make_contract(amount="1000.00", plan=PLAN)
    pay(org, contract, "300.00")
    amend(contract, "1700.00", version=2, by=org.director)
    # 700 over arrival/acceptance/warranty by 30:30:10 → 300, 300, the remainder 100.
    assert amounts(contract) == [
        Decimal("300.00"),
        Decimal("600.00"),
        Decimal("600.00"),
        Decimal("200.00"),
    ]
    assert sum(amounts(contract)) == Decimal("1700.00")
    assert milestones(contract)[0].state == "paid"
    event = AuditEvent.objects.get(action="payment_plan.replanned")
    assert event.changes["amendment"] == 2 and event.actor == org.director
    assert event.comment == "scope change"
    assert [m.percentage for m in milestones(contract)] == [
        Decimal("17.647"),
        Decimal("35.294"),
        Decimal("35.294"),
        Decimal("11.765"),
    ]


def test_the_remainder_goes_to_the_last_open_milestone(org, make_contract):
    contract = make_contract(
        amount="100.00",
        plan=pct_plan(
            ("down_payment", 50, "on_signing", 0),
            ("custom", 25, "on_arrival", 0),
            ("custom", 25, "on_acceptance", 0),
        ),
    )
    amend(contract, "100.03")  # 0.03 by 50:25:25 → 0.015 → 0.02, 0.0075 → 0.01, the rest 0
    assert amounts(contract) == [Decimal("50.02"), Decimal("25.01"), Decimal("25.00")]
    amend(contract, "100.04", version=2)
    assert sum(amounts(contract)) == Decimal("100.04")


def test_a_decrease_keeps_what_is_invoiced_or_paid(org, make_contract):
    contract = make_contract(amount="1000.00", plan=PLAN)
    reach(contract, "arrival", TODAY())
    down, arrival, acceptance, warranty = milestones(contract)
    pay(org, contract, "350.00")  # down paid, arrival 50 paid
    invoice_issue(milestone=arrival, by=org.finance, amount=Decimal("200.00"), issued_on=TODAY())
    amend(contract, "600.00")
    down, arrival, acceptance, warranty = milestones(contract)
    assert down.amount == Decimal("300.00")
    assert arrival.amount >= Decimal("200.00")  # never below what is invoiced
    assert sum(amounts(contract)) == Decimal("600.00")
    assert all(m.paid_amount <= m.amount for m in milestones(contract))


def test_an_amendment_below_what_was_collected_is_refused(org, make_contract):
    contract = make_contract(amount="1000.00", plan=PLAN)
    reach(contract, "arrival", TODAY())
    pay(org, contract, "600.00")
    with pytest.raises(Conflict) as refused:
        amend(contract, "500.00")
    assert refused.value.code == "amendment_below_collected"


def test_a_milestone_reduced_to_nothing_leaves_the_plan(org, make_contract):
    contract = make_contract(
        amount="1000.00",
        plan=pct_plan(("down_payment", 50, "on_signing", 0), ("custom", 50, "on_arrival", 0)),
    )
    pay(org, contract, "500.00")
    amend(contract, "500.00")
    assert amounts(contract) == [Decimal("500.00")]


def test_an_increase_on_a_fully_paid_plan_adds_a_milestone(org, make_contract):
    contract = make_contract(amount="100.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))
    pay(org, contract, "100.00")
    amend(contract, "150.00", version=3)
    first, added = milestones(contract)
    assert first.state == "paid"
    assert added.amount == Decimal("50.00") and added.state == "due"
    assert "3" in added.name


def test_the_close_review_waits_for_every_milestone_settled_or_written_off(org, make_contract):
    contract = make_contract(
        amount="1000.00",
        plan=pct_plan(("down_payment", 60, "on_signing", 0), ("custom", 40, "on_signing", 0)),
    )
    blockers = hooks.failed_checks("contracts.close", contract)
    assert len(blockers) == 2 and "not settled" in blockers[0]
    pay(org, contract, "700.00")
    (only,) = hooks.failed_checks("contracts.close", contract)
    assert "300.00" in only
    second = milestones(contract)[1]
    request = write_off_request(milestone=second, by=org.rep, reason="Customer dispute lost")
    assert hooks.failed_checks("contracts.close", contract)  # asking is not enough
    write_off_approve(request=request, by=org.manager)
    assert hooks.failed_checks("contracts.close", contract) == []
    pay(org, contract, "5.00")  # money with nothing left to pay: credit to refund or apply
    (credit,) = hooks.failed_checks("contracts.close", contract)
    assert "unapplied credit" in credit


def test_the_evaluation_gets_days_to_collect_and_the_share_collected(org, make_contract):
    signed = TODAY() - dt.timedelta(days=40)
    contract = make_contract(
        amount="1000.00",
        plan=pct_plan(("down_payment", 50, "on_signing", 0), ("custom", 50, "on_signing", 0)),
        signed_on=signed,
    )
    facts = hooks.facts_for("contracts.Contract", contract)
    assert facts["collected_pct"] == Decimal("0.0") and facts["days_to_collect"] is None
    pay(org, contract, "500.00", on=signed + dt.timedelta(days=10))
    facts = hooks.facts_for("contracts.Contract", contract)
    assert facts["collected_pct"] == Decimal("50.0") and facts["days_to_collect"] is None
    assert facts["overdue_amount"] == Decimal("500.00")
    pay(org, contract, "500.00", on=signed + dt.timedelta(days=35))
    facts = hooks.facts_for("contracts.Contract", contract)
    assert facts["collected_pct"] == Decimal("100.0") and facts["days_to_collect"] == 35


def test_the_contract_and_customer_pages_show_collections(org, client, make_contract):
    contract = make_contract(amount="1000.00", plan=PLAN)
    pay(org, contract, "300.00")
    client.force_login(org.rep)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Payment plan" in page and "30.0% collected" in page
    assert f"/collections/customers/{contract.customer_id}/battle-map/" in page
    customer_page = client.get(contract.customer.get_absolute_url()).content.decode()
    assert "Open the battle map" in customer_page and "700.00" in customer_page
