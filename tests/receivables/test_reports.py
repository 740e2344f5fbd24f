"""Ageing (not due, 1–30, 31–60, 61–90, 90+) by org unit, customer and AR; DSO; collection
rate; expected cash-in by month — in SQL, per currency, over what the user may see."""

import datetime as dt
from decimal import Decimal

import pytest

from receivables.services import receipt_record

from .conftest import TODAY, pct_plan

pytestmark = pytest.mark.django_db


def on_date(days_ago, pct=20, credit=0):
    return {
        "kind": "custom",
        "percentage": pct,
        "trigger": "on_date",
        "trigger_date": TODAY() - dt.timedelta(days=days_ago),
        "credit_days": credit,
    }


@pytest.fixture
def book(org, make_contract):
    """CNY: 200 each due today, 10, 45, 75 and 120 days ago, 250 paid (oldest first).
    USD: 500 due 40 days ago. CNY 300 not yet receivable: 150 due in 40 days, 150 waiting
    for arrival. Another region's contract finance in the south never sees."""
    a = make_contract(
        amount="1000.00", plan=[on_date(0), on_date(10), on_date(45), on_date(75), on_date(120)]
    )
    receipt_record(
        by=org.finance,
        contract=a,
        amount=Decimal("250.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    b = make_contract(
        amount="500.00",
        currency="USD",
        owner=org.teammate,
        plan=pct_plan(("down_payment", 100, "on_signing", 0)),
        signed_on=TODAY() - dt.timedelta(days=40),
    )
    d = make_contract(
        amount="300.00",
        plan=[on_date(-40, pct=50), {"kind": "arrival", "percentage": 50, "trigger": "on_arrival"}],
    )
    e = make_contract(amount="999.00", owner=org.other_region_rep, plan=[on_date(5, pct=100)])
    return {"a": a, "b": b, "d": d, "e": e}


def test_ageing_by_customer(org, api, book):
    response = api(org.finance).get("/api/v1/receivables/ageing/?group=customer")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [b["key"] for b in body["buckets"]] == [
        "not_due",
        "d1_30",
        "d31_60",
        "d61_90",
        "d90_plus",
    ]
    rows = {(r["label"], r["currency"]): r for r in body["rows"]}
    a = rows[(book["a"].customer.name, "CNY")]
    assert (a["not_due"], a["d1_30"], a["d31_60"], a["d61_90"], a["d90_plus"]) == (
        "200.00",
        "200.00",
        "200.00",
        "150.00",
        "0.00",
    )
    assert a["total"] == "750.00" and a["overdue"] == "550.00" and a["count"] == 4
    b = rows[(book["b"].customer.name, "USD")]
    assert b["d31_60"] == "500.00" and b["total"] == "500.00"
    assert len(rows) == 2  # not-yet-receivable and other-region contracts are not there
    totals = {t["currency"]: t["total"] for t in body["totals"]}
    assert totals == {"CNY": "750.00", "USD": "500.00"}


def test_ageing_by_owner_and_org_unit(org, api, book):
    by_owner = api(org.manager).get("/api/v1/receivables/ageing/?group=owner").json()["rows"]
    assert {(r["key"], r["currency"], r["total"]) for r in by_owner} == {
        (org.rep.pk, "CNY", "750.00"),
        (org.teammate.pk, "USD", "500.00"),
    }
    by_unit = api(org.director).get("/api/v1/receivables/ageing/?group=org_unit").json()["rows"]
    assert {(r["label"], r["currency"]) for r in by_unit} == {
        ("GD carrier team", "CNY"),
        ("GD carrier team", "USD"),
    }
    theirs = api(org.other_region_manager).get("/api/v1/receivables/ageing/").json()
    assert [t["total"] for t in theirs["totals"]] == ["999.00"]


def test_ageing_as_of_another_day(org, api, book):
    later = (TODAY() + dt.timedelta(days=30)).isoformat()
    body = api(org.finance).get(f"/api/v1/receivables/ageing/?as_of={later}").json()
    cny = next(t for t in body["totals"] if t["currency"] == "CNY")
    assert cny["not_due"] == "0.00" and cny["d1_30"] == "200.00" and cny["d31_60"] == "200.00"


def test_kpis_dso_and_collection_rate(org, api, book):
    rows = {k["currency"]: k for k in api(org.finance).get("/api/v1/receivables/kpis/").json()}
    cny = rows["CNY"]
    assert cny["receivables"] == "750.00" and cny["overdue"] == "550.00"
    assert cny["fell_due"] == "800.00"  # what fell due in the last 90 days
    assert cny["dso_days"] == "84.4"  # 750 / 800 × 90
    assert cny["due_in_period"] == "800.00" and cny["collected_in_period"] == "50.00"
    assert cny["collection_rate_pct"] == "6.3"
    assert rows["USD"]["dso_days"] == "90.0" and rows["USD"]["collection_rate_pct"] == "0.0"
    short = api(org.finance).get("/api/v1/receivables/kpis/?period_days=30").json()
    assert {k["currency"]: k["fell_due"] for k in short} == {"CNY": "400.00", "USD": "0.00"}


def test_expected_cash_in_by_month(org, api, book):
    body = api(org.finance).get("/api/v1/receivables/forecast/?months=6").json()
    this_month = TODAY().strftime("%Y-%m")
    in_40 = (TODAY() + dt.timedelta(days=40)).strftime("%Y-%m")
    months = {(m["month"], m["currency"]): m["amount"] for m in body["months"]}
    assert months[(this_month, "CNY")] == "200.00"
    assert months.get((in_40, "CNY")) == "150.00" or in_40 == this_month
    assert {(o["currency"], o["amount"]) for o in body["overdue"]} == {
        ("CNY", "550.00"),
        ("USD", "500.00"),
    }
    assert body["unscheduled"] == [{"currency": "CNY", "amount": "150.00", "count": 1}]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/receivables/ageing/?group=bogus",
        "/api/v1/receivables/ageing/?as_of=yesterday",
        "/api/v1/receivables/kpis/?period_days=0",
        "/api/v1/receivables/kpis/?period_days=x",
        "/api/v1/receivables/forecast/?months=40",
    ],
)
def test_bad_report_parameters_are_400s(org, api, url):
    response = api(org.finance).get(url)
    assert response.status_code == 400 and response.json()["fields"]


def test_reconciliation_is_for_finance_and_empty_when_the_books_balance(org, api, book):
    assert api(org.rep).get("/api/v1/receivables/reconciliation/").status_code == 403
    body = api(org.finance).get("/api/v1/receivables/reconciliation/").json()
    assert body == {"milestones": [], "receipts": [], "contracts": [], "customers": []}


def test_reconciliation_finds_a_tampered_total(org, api, book):
    from receivables.models import PaymentMilestone

    milestone = PaymentMilestone.objects.filter(contract=book["a"], paid_amount__gt=0).first()
    PaymentMilestone.objects.filter(pk=milestone.pk).update(paid_amount=Decimal("1.00"))
    body = api(org.finance).get("/api/v1/receivables/reconciliation/").json()
    assert [m["id"] for m in body["milestones"]] == [milestone.pk]
    assert [c["id"] for c in body["customers"]] == [book["a"].customer_id]


def test_the_reports_page_and_its_csv(org, client, book):
    client.force_login(org.finance)
    page = client.get("/collections/reports/?group=owner").content.decode()
    assert "Receivables ageing" in page and "84.4" in page and "550.00" in page
    response = client.get("/collections/export/ageing.csv?group=customer")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert book["a"].customer.name in text and "750.00" in text
    api_csv = client.get("/api/v1/receivables/ageing/export/?group=owner")
    assert api_csv.status_code == 200
    assert "750.00" in b"".join(api_csv.streaming_content).decode("utf-8-sig")
