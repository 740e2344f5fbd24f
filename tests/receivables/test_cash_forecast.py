"""The cash-in forecast from payment history (ADR 29): predictions from a customer's own
days late, the pool a new customer falls back to, the chance of payment by the due date,
a curve that adds up to what is open, the viewer's scope, the page in both languages, and
the backtest beating the plan on generated history."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from receivables.models import PaymentMilestone, Receipt, ReceiptAllocation
from receivables.tasks import refresh_cash_forecast
from tests.factories import ContractFactory, CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cash-forecast/"
TODAY = timezone.localdate


def paid(contract, kind: str, late: int, *, due_days_ago: int = 200, amount="1000.00"):
    """A milestone of `kind` paid `late` days after its due date (a receipt allocated)."""
    due = TODAY() - dt.timedelta(days=due_days_ago)
    amount = Decimal(amount)
    milestone = PaymentMilestone.objects.create(
        contract=contract,
        kind=kind,
        name=kind,
        amount=amount,
        currency=contract.currency,
        triggered_on=due,
        due_date=due,
        state="paid",
        invoiced_amount=amount,
        paid_amount=amount,
    )
    receipt = Receipt.objects.create(
        customer=contract.customer,
        contract=contract,
        org_unit=contract.org_unit,
        amount=amount,
        currency=contract.currency,
        received_on=due + dt.timedelta(days=late),
        allocated_amount=amount,
        recorded_by=contract.owner,
    )
    ReceiptAllocation.objects.create(receipt=receipt, milestone=milestone, amount=amount)
    return milestone


def open_one(contract, kind: str, due_in: int | None, amount="5000.00", currency=None):
    due = TODAY() + dt.timedelta(days=due_in) if due_in is not None else None
    return PaymentMilestone.objects.create(
        contract=contract,
        kind=kind,
        name=kind,
        amount=Decimal(amount),
        currency=currency or contract.currency,
        triggered_on=due,
        due_date=due,
        state="invoiced" if due else "planned",
        invoiced_amount=Decimal(amount) if due else Decimal(0),
    )


@pytest.fixture
def book(org):
    """A slow payer (acceptance always 60 days late), five prompt payers of the same tier,
    and a new customer of that tier; all on the rep's team, one USD milestone too."""

    def contract(tier="key"):
        return ContractFactory(owner=org.rep, customer=CustomerFactory(owner=org.rep, tier=tier))

    slow = contract()
    for _i in range(4):
        paid(slow, "acceptance", 60)
    prompt = [contract() for _i in range(5)]
    for i, c in enumerate(prompt):
        paid(c, "acceptance", i - 2)  # -2 … +2 days
        paid(c, "down_payment", 0)
    new = contract()
    other = ContractFactory(owner=org.other_team_rep)
    paid(other, "acceptance", 5)
    return {
        "slow": open_one(slow, "acceptance", 30),
        "prompt": open_one(prompt[0], "acceptance", 30),
        "prompt_down": open_one(prompt[1], "down_payment", 10),
        "overdue": open_one(prompt[2], "acceptance", -20),
        "new": open_one(new, "acceptance", 30),
        "usd": open_one(prompt[3], "acceptance", 60, amount="700.00", currency="USD"),
        "unscheduled": open_one(prompt[4], "warranty", None, amount="300.00"),
        "other": open_one(other, "acceptance", 15, amount="999.00"),
    }


def predictions(api, user) -> dict[int, dict]:
    response = api(user).get(URL + "milestones/", {"limit": 500})
    assert response.status_code == 200, response.json()
    return {row["id"]: row for row in response.json()}


def test_refresh_is_a_beat_job_and_a_slow_payer_is_predicted_slow(org, api, book):
    schedule = settings.CELERY_BEAT_SCHEDULE["receivables-refresh-cash-forecast"]
    assert schedule["task"] == "receivables.tasks.refresh_cash_forecast"
    assert refresh_cash_forecast.delay().get() == 7  # every open milestone with a due date
    slow = predictions(api, org.finance)[book["slow"].pk]
    assert 55 <= slow["days_late"] <= 65
    assert slow["basis"] == "customer" and slow["own_count"] == 4
    assert "4" in slow["explanation"]
    assert dt.date.fromisoformat(slow["predicted_on"]) == book["slow"].due_date + dt.timedelta(
        days=slow["days_late"]
    )


def test_a_new_customer_falls_back_to_its_tier_and_says_so(org, api, book):
    refresh_cash_forecast()
    new = predictions(api, org.finance)[book["new"].pk]
    assert new["basis"] == "tier" and new["own_count"] == 0
    assert new["pool_count"] == 9  # the tier's paid acceptance milestones
    assert new["explanation"].startswith("New here")
    assert abs(new["days_late"]) <= 60


def test_the_chance_of_payment_by_the_due_date_is_ordered_sensibly(org, api, book):
    refresh_cash_forecast()
    rows = predictions(api, org.finance)
    p = {name: Decimal(rows[book[name].pk]["p_by_due"]) for name in book if book[name].due_date}
    assert p["prompt_down"] == 1  # down payments of that customer: always on the day
    assert p["slow"] < Decimal("0.2") < p["prompt"]
    assert p["overdue"] == 0  # already past its due date
    assert p["slow"] <= p["new"] <= p["prompt_down"]


@pytest.mark.parametrize("period", ["week", "month"])
def test_the_curve_adds_up_to_what_is_open_per_currency(org, api, book, period):
    refresh_cash_forecast()
    body = api(org.finance).get(URL, {"period": period}).json()
    assert body["refreshed_at"] is not None
    by_code = {c["currency"]: c for c in body["currencies"]}
    assert set(by_code) == {"CNY", "USD"}
    expected = {
        "CNY": Decimal("5000.00") * 5 + Decimal("300.00") + Decimal("999.00"),
        "USD": Decimal("700.00"),
    }
    for code, cur in by_code.items():
        assert Decimal(cur["open_amount"]) == expected[code]
        for key in ("predicted", "plan"):
            total = sum(Decimal(p[key]) for p in cur["periods"]) + Decimal(cur["later"][key])
            assert total + Decimal(cur["unscheduled"]) == expected[code], (code, key)
        for p in cur["periods"]:
            assert Decimal(p["low"]) <= Decimal(p["predicted"]) <= Decimal(p["high"])
    # the slow payer's acceptance moves cash later than the plan puts it
    cny = by_code["CNY"]["periods"]
    assert sum(Decimal(p["predicted"]) for p in cny[:2]) < sum(Decimal(p["plan"]) for p in cny[:2])
    csv = api(org.finance).get(URL + "export/", {"period": period})
    assert csv.status_code == 200
    assert "CNY" in b"".join(csv.streaming_content).decode()


def test_each_viewer_sees_the_forecast_of_their_scope(org, api, book):
    refresh_cash_forecast()
    finance = predictions(api, org.finance)
    assert book["slow"].pk in finance and book["other"].pk in finance  # the south region
    theirs = predictions(api, org.other_team_rep)
    assert set(theirs) == {book["other"].pk}
    curve = api(org.other_team_rep).get(URL).json()
    assert [(c["currency"], c["open_amount"]) for c in curve["currencies"]] == [("CNY", "999.00")]
    assert api(org.other_region_rep).get(URL).json()["currencies"] == []
    assert book["other"].pk not in predictions(api, org.rep)


@pytest.mark.parametrize(
    ("language", "title", "age"),
    [("en", "Cash-in forecast", "minutes ago"), ("zh-hans", "回款预测", "分钟前")],
)
def test_the_page_in_both_languages(org, client, book, language, title, age):
    org.finance.language = language
    org.finance.save(update_fields=["language"])
    client.force_login(org.finance)
    page = client.get("/collections/cash-forecast/").content.decode()
    assert "Not computed yet" in page or "尚未计算" in page
    refresh_cash_forecast()
    page = client.get("/collections/cash-forecast/?period=week").content.decode()
    assert f"<h1>{title}</h1>" in page
    assert age in page
    assert 'id="cash-forecast-chart-0"' in page and "cash_forecast.js" in page
    assert book["slow"].contract.number in page
    csv = client.get("/collections/cash-forecast/export.csv")
    assert csv.status_code == 200


def test_bad_period_is_a_400(org, api):
    response = api(org.finance).get(URL, {"period": "decade"})
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message", "fields"}


def test_the_backtest_beats_the_plan_on_generated_history(db):
    counts = dict(users=20, customers=25, leads=40, opportunities=160, contracts=150)
    args = [f"--{name}={n}" for name, n in counts.items()]
    call_command(
        "generate_scale_data", *args, "--milestones=450", "--activities=0", stdout=StringIO()
    )
    out = StringIO()
    call_command("backtest_cash_forecast", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["paid_in_holdout"] >= 10
    assert result["date_mae_model"] < result["date_mae_naive"]
    monthly = result["monthly"][0]
    assert Decimal(monthly["mae_model"]) < Decimal(monthly["mae_naive"])
