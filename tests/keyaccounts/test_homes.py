"""The role homes' charts: each figure, read through the home page, equals the hand-computed
figure and the report page that shows the same thing; the numbers are on the page beside the
chart (a table), and each role sees only its own pictures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core import gates
from core.models import GateReview
from keyaccounts.services import commitment_save
from receivables.models import PaymentMilestone
from receivables.services import payment_plan_set
from tests.factories import team

from .conftest import on_day, opportunity

pytestmark = pytest.mark.django_db
D = Decimal


def charts_panel(response) -> dict:
    assert response.status_code == 200
    return next(p for p in response.context["panels"] if p["template"].endswith("home_charts.html"))


def target(api, manager, unit, year, amount="12000000.00"):
    body = {"year": year, "metric": "orders", "amount": amount, "org_unit": unit.pk}
    assert api(manager).post("/api/v1/sales-targets/", body, format="json").status_code == 201


def test_a_manager_home_shows_the_team_funnel_as_the_pipeline_page_does(
    org, browser_client, year_now
):
    opportunity(org.rep, amount="5000000", state="negotiating")
    opportunity(org.teammate, amount="1000000", state="negotiating")
    opportunity(org.teammate, amount="2000000", state="bidding")
    opportunity(org.other_region_rep, amount="9000000", state="negotiating")  # not his team
    client = browser_client(org.manager)
    home = client.get("/")
    funnel = charts_panel(home)["funnel"]
    by_stage = {s["stage"]: s for s in funnel["stages"]}
    assert by_stage["negotiating"]["count"] == 2
    assert by_stage["negotiating"]["amount"] == D("6000000")
    assert by_stage["bidding"]["amount"] == D("2000000")
    assert funnel["chart"]["datasets"][0]["data"][list(by_stage).index("negotiating")] == 6000000
    page = home.content.decode()
    assert 'data-testid="home-funnel"' in page and "¥6,000,000.00" in page  # numbers beside it
    # The pipeline page of a manager is his team's (it once filtered to himself: empty).
    pipeline = client.get("/key-accounts/pipeline/")
    assert pipeline.context["person"] is None
    assert pipeline.context["data"]["stages"] == funnel["stages"]
    assert "My pipeline" not in pipeline.content.decode()  # the tab says "Sales pipeline"
    # The rep's home keeps his own pipeline table, without the manager's charts.
    rep_home = browser_client(org.rep).get("/")
    assert not any(p["template"].endswith("home_charts.html") for p in rep_home.context["panels"])


def test_a_rep_pipeline_page_is_still_his_own(org, browser_client):
    opportunity(org.rep, amount="5000000", state="negotiating")
    opportunity(org.teammate, amount="1000000", state="negotiating")
    response = browser_client(org.rep).get("/key-accounts/pipeline/")
    assert response.context["person"] == org.rep
    negotiating = next(s for s in response.context["data"]["stages"] if s["stage"] == "negotiating")
    assert negotiating["amount"] == D("5000000")


def test_a_manager_home_shows_this_quarters_coverage_of_the_team_target(
    org, api, browser_client, deal, year_now
):
    year = year_now
    target(api, org.manager, org.gd_carrier, year)  # 1M a month: 3M in Q3
    deal(org.rep, amount="1000000", signed_on=dt.date(year, 7, 10))
    deal(org.rep, amount="4000000", signed_on=dt.date(year, 5, 10))  # Q2: not this quarter
    opportunity(org.rep, amount="5000000", state="negotiating", close=dt.date(year, 9, 20))
    opportunity(org.rep, amount="7000000", state="negotiating", close=dt.date(year, 10, 20))
    with on_day(dt.date(year, 8, 15)):
        response = browser_client(org.manager).get("/")
        coverage = charts_panel(response)["coverage"]
    assert coverage["quarter"] == 3
    assert coverage["period_target"] == D("3000000.00")
    assert coverage["actual"] == D("1000000.00")
    assert coverage["remaining"] == D("2000000.00")
    assert coverage["weighted_pipeline"] == D("4000000.00")  # 5M × 80%, closing in Q3
    assert coverage["coverage"] == D("2.00")
    page = response.content.decode()
    assert 'data-testid="coverage-ratio"' in page and "2.00×" in page
    assert "¥4,000,000.00" in page


@pytest.fixture
def year_now():
    return timezone.localdate().year


def escalate(review, unit, days_ago):
    GateReview.objects.filter(pk=review.pk).update(
        escalated=True,
        authority_unit=unit,
        created_at=timezone.now() - dt.timedelta(days=days_ago, hours=1),
    )


def test_a_director_home_shows_escalations_and_the_office_commit(
    org, api, browser_client, deal, year_now
):
    year = year_now
    target(api, org.director, org.gd, year)  # 3M a quarter
    with on_day(dt.date(year, 7, 1)):
        commitment_save(
            by=org.teammate, year=year, period_kind="month", period=7, amount=D("400000")
        )
    with on_day(dt.date(year, 8, 15)):
        for amount, days in (("1000000", 5), ("2000000", 1)):
            deal_ = opportunity(
                org.rep,
                amount=amount,
                state="identified",
                team=team(ar=org.rep, sr=org.sr, fr=org.fr),
            )
            escalate(gates.gate_open(subject=deal_, kind="ati", by=org.rep), org.gd, days)
        js = opportunity(
            org.other_region_rep,
            amount="1000000",
            team=team(ar=org.other_region_rep, sr=org.sr, fr=org.fr),
        )
        escalate(gates.gate_open(subject=js, kind="ati", by=org.other_region_rep), org.js, 9)
        commitment_save(by=org.rep, year=year, period_kind="quarter", period=3, amount=D("2000000"))
        commitment_save(by=org.rep, year=year, period_kind="month", period=8, amount=D("500000"))
        for month, amount in ((8, "600000"), (10, "900000")):
            commitment_save(
                by=org.teammate, year=year, period_kind="month", period=month, amount=D(amount)
            )
        commitment_save(
            by=org.other_region_rep, year=year, period_kind="quarter", period=3, amount=D("8")
        )
        deal(org.rep, amount="1500000", signed_on=dt.date(year, 7, 10))
        response = browser_client(org.director).get("/")
    panel = charts_panel(response)
    assert panel["escalations"] == {"count": 2, "oldest_days": 5}
    commit = panel["commit"]
    # the rep's quarter commitment (not his month's) + the teammate's July and August
    assert commit["committed"] == D("3000000")
    assert commit["target"] == D("3000000.00") and commit["won"] == D("1500000.00")
    assert commit["commit_pct"] == D("100.0")
    page = response.content.decode()
    assert 'data-testid="escalations-count">2<' in page
    assert "¥3,000,000.00" in page and "¥1,500,000.00" in page
    assert "funnel" in panel and "coverage" not in panel
    assert "escalations" not in charts_panel(browser_client(org.manager).get("/"))


def test_a_finance_home_shows_ageing_and_cash_in_as_the_reports_do(
    org, browser_client, deal, receipt
):
    today = timezone.localdate()
    contract = deal(org.rep, amount="1000000", signed_on=today - dt.timedelta(days=120))
    payment_plan_set(
        contract=contract,
        by=org.finance,
        milestones=[
            {
                "kind": "down_payment",
                "percentage": D(pct),
                "trigger": "on_date",
                "trigger_date": today + dt.timedelta(days=days),
                "credit_days": 0,
            }
            for pct, days in (("30", -100), ("30", -40), ("40", 0))
        ],
    )
    PaymentMilestone.objects.filter(contract=contract).update(state="due")
    receipt(contract, "100000", today)
    client = browser_client(org.finance)
    panel = charts_panel(client.get("/"))
    reports = client.get("/collections/reports/").context["ageing"]["totals"]
    (chart,) = panel["ageing"]["charts"]
    assert [b["amount"] for b in chart["bars"]] == reports[0]["cells"]
    assert chart["total"] == reports[0]["total"] == D("900000.00")
    assert chart["spec"]["datasets"][0]["tones"][1:] == ["loss"] * 4
    cash = panel["cash_in"]
    due_this_month = PaymentMilestone.objects.filter(
        contract=contract, due_date__year=today.year, due_date__month=today.month
    )
    assert cash["planned"] == sum(m.amount for m in due_this_month)
    month_start = today.replace(day=1)
    dashboard = client.get(
        "/key-accounts/collections/",
        {"date_from": month_start.isoformat(), "date_to": today.isoformat()},
    )
    assert cash["received"] == dashboard.context["data"]["collected_total"] == D("100000")
    assert "funnel" not in panel and "escalations" not in panel
