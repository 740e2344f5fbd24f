"""Payment plans: amounts or percentages totalling the contract exactly, and the triggers
(signing, delivery milestones, fixed dates) plus credit days that make milestones due."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import AuditEvent
from receivables.models import PaymentMilestone
from receivables.reminders import scan
from receivables.services import receipt_record
from tests.factories import ContractFactory

from .conftest import TODAY, milestones, pct_plan, reach

pytestmark = pytest.mark.django_db


def post_plan(api, user, contract, rows):
    return api(user).post(
        "/api/v1/payment-plans/", {"contract": contract.pk, "milestones": rows}, format="json"
    )


def test_percentages_round_to_cents_and_the_last_takes_the_remainder(org, api):
    contract = ContractFactory(owner=org.rep, amount=Decimal("100000.01"))
    response = post_plan(
        api,
        org.rep,
        contract,
        [
            {"kind": "down_payment", "percentage": "33.333"},
            {"kind": "arrival", "percentage": "33.333", "trigger": "on_arrival"},
            {"kind": "warranty", "percentage": "33.334", "trigger": "on_warranty_end"},
        ],
    )
    assert response.status_code == 201, response.json()
    amounts = [Decimal(m["amount"]) for m in response.json()]
    assert amounts == [Decimal("33333.00"), Decimal("33333.00"), Decimal("33334.01")]
    assert sum(amounts) == contract.amount


def test_amounts_must_total_the_contract_exactly(org, api):
    contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"))
    short = post_plan(
        api,
        org.rep,
        contract,
        [{"kind": "down_payment", "amount": "300.00"}, {"kind": "custom", "amount": "699.99"}],
    )
    assert short.status_code == 400
    assert "milestones" in short.json()["fields"]
    assert not PaymentMilestone.objects.filter(contract=contract).exists()
    exact = post_plan(
        api,
        org.rep,
        contract,
        [{"kind": "down_payment", "amount": "300.00"}, {"kind": "custom", "amount": "700.00"}],
    )
    assert exact.status_code == 201
    assert [m["percentage"] for m in exact.json()] == [None, None]


@pytest.mark.parametrize(
    "rows",
    [
        [{"kind": "down_payment", "percentage": "50"}, {"kind": "custom", "amount": "500.00"}],
        [{"kind": "down_payment", "percentage": "60"}, {"kind": "custom", "percentage": "50"}],
        [{"kind": "down_payment", "percentage": "50", "amount": "500.00"}],
        [{"kind": "custom", "percentage": "100", "trigger": "on_date"}],
        [],
    ],
    ids=["mixed", "over-100", "both", "date-missing", "empty"],
)
def test_a_bad_plan_is_a_400_with_field_messages_and_writes_nothing(org, api, rows):
    contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"))
    response = post_plan(api, org.rep, contract, rows)
    assert response.status_code == 400, response.json()
    assert response.json()["fields"]
    assert not PaymentMilestone.objects.filter(contract=contract).exists()


def test_only_who_may_change_the_contract_or_finance_sets_its_plan(org, api):
    contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"))
    rows = [{"kind": "down_payment", "percentage": "100"}]
    assert post_plan(api, org.other_region_rep, contract, rows).status_code == 400  # unseen id
    assert post_plan(api, org.sr, contract, rows).status_code == 403
    assert post_plan(api, org.finance, contract, rows).status_code == 201


def test_signing_makes_signing_milestones_due_after_their_credit_days(make_contract):
    signed = TODAY() - dt.timedelta(days=5)
    contract = make_contract(
        plan=pct_plan(("down_payment", 30, "on_signing", 15), ("arrival", 70, "on_arrival", 30)),
        signed_on=signed,
    )
    down, arrival = milestones(contract)
    assert down.state == "due" and down.triggered_on == signed
    assert down.due_date == signed + dt.timedelta(days=15)
    assert arrival.state == "planned" and arrival.due_date is None
    assert AuditEvent.objects.filter(target_id=down.pk, transition="become_due").exists()


@pytest.mark.parametrize(
    ("kind", "trigger"),
    [
        ("arrival", "on_arrival"),
        ("acceptance", "on_acceptance"),
        ("warranty_end", "on_warranty_end"),
    ],
)
def test_a_reached_delivery_milestone_makes_its_payment_due(make_contract, kind, trigger, org):
    contract = make_contract(
        plan=pct_plan(("down_payment", 50, "on_signing", 0), ("custom", 50, trigger, 20))
    )
    reached_on = TODAY() - dt.timedelta(days=3)
    reach(contract, kind, reached_on, by=org.fr)
    second = milestones(contract)[1]
    assert second.state == "due"
    assert second.due_date == reached_on + dt.timedelta(days=20)
    event = AuditEvent.objects.filter(target_id=second.pk, transition="become_due").get()
    assert event.actor == org.fr


@pytest.mark.parametrize("kind", ["shipment", "installation", "warranty_start"])
def test_other_delivery_milestones_trigger_no_payment(make_contract, kind):
    contract = make_contract(plan=pct_plan(("arrival", 100, "on_arrival", 0)))
    reach(contract, kind, TODAY())
    assert milestones(contract)[0].state == "planned"


def test_a_trigger_reached_before_the_plan_is_set_is_remembered(org):
    from contracts.services import contract_transition
    from receivables.services import payment_plan_set

    contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"), signed_on=TODAY())
    contract_transition(contract=contract, name="sign", by=org.rep)
    reach(contract, "arrival", TODAY() - dt.timedelta(days=2))
    payment_plan_set(
        contract=contract,
        by=org.rep,
        milestones=pct_plan(
            ("down_payment", 40, "on_signing", 0), ("arrival", 60, "on_arrival", 10)
        ),
    )
    down, arrival = milestones(contract)
    assert down.state == "due" and arrival.state == "due"
    assert arrival.due_date == TODAY() + dt.timedelta(days=8)


def test_milestones_of_an_unsigned_contract_do_not_fall_due(org):
    contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"))
    from receivables.services import payment_plan_set

    payment_plan_set(
        contract=contract,
        by=org.rep,
        milestones=[
            {
                "kind": "custom",
                "percentage": 100,
                "trigger": "on_date",
                "trigger_date": TODAY() - dt.timedelta(days=1),
            },
        ],
    )
    reach(contract, "arrival", TODAY())
    scan(today=TODAY())
    assert milestones(contract)[0].state == "planned"


def test_the_daily_scan_makes_fixed_date_milestones_due_on_their_date(make_contract):
    later = TODAY() + dt.timedelta(days=10)
    contract = make_contract(
        plan=[
            {
                "kind": "custom",
                "percentage": 100,
                "trigger": "on_date",
                "trigger_date": later,
                "credit_days": 5,
            },
        ]
    )
    (m,) = milestones(contract)
    assert m.state == "planned" and m.due_date == later + dt.timedelta(days=5)
    assert scan(today=later - dt.timedelta(days=1)).made_due == 0
    assert scan(today=later).made_due == 1
    m.refresh_from_db()
    assert m.state == "due" and m.triggered_on == later and m.version == 2
    assert AuditEvent.objects.filter(target_id=m.pk, transition="become_due", via="system").exists()
    assert scan(today=later).made_due == 0


def test_a_plan_money_has_touched_is_changed_by_amendment_not_replaced(make_contract, org, api):
    contract = make_contract(amount="1000.00")
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("100.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    response = post_plan(api, org.rep, contract, [{"kind": "down_payment", "percentage": "100"}])
    assert response.status_code == 409
    assert response.json()["code"] == "plan_has_money"
    assert len(milestones(contract)) == 4


def test_the_plan_page_takes_amounts_and_adds_rows(org, client):
    contract = ContractFactory(owner=org.rep, amount=Decimal("1000.00"))
    client.force_login(org.rep)
    page = client.get(f"/collections/contracts/{contract.pk}/plan/?rows=5")
    assert page.status_code == 200 and page.context["form"].total_form_count() == 5
    data = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "50",
        "form-0-kind": "down_payment",
        "form-0-amount": "250.00",
        "form-0-trigger": "on_signing",
        "form-0-credit_days": "0",
        "form-1-kind": "custom",
        "form-1-amount": "750.00",
        "form-1-trigger": "on_date",
        "form-1-trigger_date": str(TODAY()),
        "form-1-credit_days": "7",
        "form-2-kind": "custom",
        "form-2-percentage": "10",
        "form-2-trigger": "on_signing",
        "form-2-credit_days": "0",
        "form-2-DELETE": "on",
    }
    response = client.post(f"/collections/contracts/{contract.pk}/plan/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [m.amount for m in milestones(contract)] == [Decimal("250.00"), Decimal("750.00")]
    data["form-1-amount"] = "700.00"
    bad = client.post(f"/collections/contracts/{contract.pk}/plan/", data)
    assert bad.status_code == 200
    assert "add up to" in bad.content.decode()
