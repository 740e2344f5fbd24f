"""One figure, one source: what the collections pages, the close review and the battle map say
about money collected or receivable comes from the same milestones, so they cannot disagree."""

import datetime as dt
from decimal import Decimal

import pytest

from contracts.scripted import contract_run_to
from contracts.services import close_review_open
from receivables.models import PaymentMilestone
from receivables.services import receipt_record
from tests.factories import ContractFactory, team

from .conftest import TODAY, pct_plan

pytestmark = pytest.mark.django_db


def pay(org, contract, amount):
    return receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal(amount),
        received_on=TODAY(),
        method="bank_transfer",
    )


def delivered(org, make_contract=None, **kw):
    seats = team(ar=org.rep, sr=org.sr, fr=org.fr)
    if make_contract is None:
        contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"), team=seats)
    else:
        contract = make_contract(amount="1000.00", team=seats, **kw)
    return contract_run_to(contract, "delivered")


def test_the_close_review_shows_what_the_battle_map_shows(org, client, make_contract):
    paid = delivered(org, make_contract, plan=pct_plan(("down_payment", 100, "on_signing", 0)))
    pay(org, paid, "1000.00")
    unplanned = delivered(org)  # no payment plan: nothing is recorded as collected
    client.force_login(org.manager)
    for contract, plan, share in ((paid, "¥1,000.00", "100.0"), (unplanned, "¥0.00", "—")):
        review = close_review_open(contract=contract, by=org.fr)
        assert Decimal(review.facts["planned_amount"]) == Decimal(plan.strip("¥").replace(",", ""))
        page = client.get(f"/gates/{review.pk}/").content.decode()
        assert "Payment plan total" in page and plan in page
        assert f"<dd>{share}</dd>" in page
    battle_map = client.get(f"/collections/customers/{paid.customer_id}/battle-map/")
    assert "100.0%" in battle_map.content.decode()
    battle_map = client.get(f"/collections/customers/{unplanned.customer_id}/battle-map/")
    text = battle_map.content.decode()
    assert "No payment plan: nothing recorded as collected." in text
    assert "None%" not in text and "· 0%" not in text


def test_the_board_and_the_ageing_tab_count_receivables_alike(org, client, make_contract):
    """The board's "Receivables" card is the ageing tab's figure (what fell due and is unpaid);
    what waits for its trigger is shown apart, named as such."""
    contract = make_contract(
        amount="1000.00",
        plan=pct_plan(("down_payment", 30, "on_signing", 0), ("arrival", 70, "on_arrival", 30)),
        signed_on=TODAY() - dt.timedelta(days=10),
    )
    assert PaymentMilestone.objects.filter(contract=contract, state="planned").count() == 1
    client.force_login(org.finance)
    board = client.get("/collections/")
    reports = client.get("/collections/reports/")
    (kpi,) = reports.context["kpis"]
    (card,) = board.context["summary"]["receivable"]
    (planned,) = board.context["summary"]["planned"]
    assert card["outstanding"] == kpi["receivables"] == Decimal("300.00")
    assert planned["outstanding"] == Decimal("700.00")
    page = board.content.decode()
    assert "Receivables" in page and "¥300.00" in page
    assert "Waiting for their trigger" in page and "¥700.00" in page
    assert "Open receivables" not in page
    # The key-account collections dashboard ages the same receivables, bucket by bucket.
    dashboard = client.get("/key-accounts/collections/").context["data"]["ageing"]
    assert [b["outstanding"] for b in dashboard] == reports.context["ageing"]["totals"][0]["cells"]
    assert [b["label"] for b in dashboard] == [
        b["label"] for b in reports.context["ageing"]["buckets"]
    ]
