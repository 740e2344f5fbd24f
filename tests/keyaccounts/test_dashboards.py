"""Dashboards: every number equals the same figure computed directly from the records here,
for the viewer's scope only; bad filters are 400s; list endpoints run a bounded number of
queries."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core import gates
from core.models import AuditEvent, GateAssessment, GateReview
from opportunities.choices import DEFAULT_STAGE_PROBABILITY, OPEN_STAGES
from opportunities.models import Opportunity
from opportunities.services import opportunity_transition
from receivables.models import PaymentMilestone, Receipt
from receivables.services import payment_plan_set
from tests.factories import CustomerFactory, OpportunityFactory, team

from .conftest import on_day

pytestmark = pytest.mark.django_db
LINEAR = [*OPEN_STAGES, "won"]
D = Decimal


@pytest.fixture
def year():
    return timezone.localdate().year - 1


def make(owner, day, *, state="identified", amount="100000", sr=None, **kw):
    with on_day(day):
        return OpportunityFactory(
            owner=owner, state=state, amount=D(amount), team=team(ar=owner, sr=sr, fr=None), **kw
        )


def pass_ati(org, opportunity, day):
    with on_day(day):
        review = gates.gate_open(subject=opportunity, kind="ati", by=opportunity.owner)
        for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
            topics = {k: "ok" for k, _l in gates.GATE_TOPICS["ati"][role]}
            gates.gate_assess(
                review=review,
                by=user,
                role=role,
                verdict="go",
                confidence=70,
                risk_level="low",
                topics=topics,
            )
        gates.gate_decide(review=review, by=org.manager, decision="go")


@pytest.fixture
def book(org, year):
    """A year of opportunities in the GD carrier team, one in Jiangsu, a few last year."""
    jan, mar, jun = dt.date(year, 1, 10), dt.date(year, 3, 5), dt.date(year, 6, 1)
    full = {"sr": org.sr}
    a = make(org.rep, jan, amount="500000", **full)
    a.team.members.create(user=org.fr, role="fr")
    pass_ati(org, a, dt.date(year, 2, 1))  # identified → initiated through the gate
    a.refresh_from_db()
    assert a.state == "initiated"
    with on_day(dt.date(year, 3, 1)):
        opportunity_transition(opportunity=a, name="start_guiding", by=org.rep)
    b = make(org.rep, mar, state="initiated", amount="300000", **full)
    with on_day(dt.date(year, 4, 1)):
        opportunity_transition(opportunity=b, name="start_guiding", by=org.rep)
    with on_day(dt.date(year, 5, 1)):
        opportunity_transition(opportunity=b, name="start_bidding", by=org.rep)
    with on_day(dt.date(year, 7, 1)):
        opportunity_transition(
            opportunity=b, name="lose", by=org.rep, reason="Price", reason_code="price"
        )
    make(
        org.rep, jun, state="negotiating", amount="800000", expected_close_date=dt.date(year, 9, 1)
    )
    make(org.teammate, jun, state="bidding", amount="200000")
    with on_day(dt.date(year, 8, 1)):
        won = make(org.teammate, dt.date(year, 4, 1), state="won", amount="1000000", **full)
        Opportunity.objects.filter(pk=won.pk).update(closed_at=timezone.now())
    make(org.rep, jun, state="identified", amount="999", currency="USD")
    make(org.other_region_rep, jun, state="negotiating", amount="7000000")
    make(org.rep, dt.date(year - 1, 12, 1), state="bidding", amount="50000")  # earlier cohort
    return {"a": a, "b": b}


def in_year(moment, year):
    return timezone.localtime(moment).year == year


def expected_funnel(viewer_path, year):
    ct = ContentType.objects.get_for_model(Opportunity)
    cohort = [
        o
        for o in Opportunity.objects.select_related("org_unit")
        if o.org_unit.path.startswith(viewer_path)
        and o.currency == "CNY"
        and in_year(o.created_at, year)
    ]
    entered = {
        (e.target_id, e.to_state)
        for e in AuditEvent.objects.filter(target_type=ct, action="transition")
    }
    reached = {
        s: sum(
            1
            for o in cohort
            if (o.state in LINEAR and LINEAR.index(o.state) >= LINEAR.index(s))
            or any((o.pk, later) in entered for later in LINEAR[LINEAR.index(s) :])
        )
        for s in LINEAR
    }
    scope = [
        o
        for o in Opportunity.objects.select_related("org_unit")
        if o.org_unit.path.startswith(viewer_path) and o.currency == "CNY"
    ]
    closed = [o for o in scope if o.closed_at and in_year(o.closed_at, year)]
    won = [o for o in closed if o.state == "won"]
    reviews = [
        r
        for r in GateReview.objects.all()
        if r.subject_id in {o.pk for o in scope} and in_year(r.created_at, year)
    ]
    return {
        "count": Counter(o.state for o in cohort),
        "amount": {s: sum((o.amount for o in cohort if o.state == s), D(0)) for s in LINEAR},
        "reached": reached,
        "closed": len(closed),
        "won": len(won),
        "cycle": sum((o.closed_at - o.created_at).total_seconds() for o in won) / len(won) / 86400,
        "gates": Counter((r.kind, r.state) for r in reviews),
    }


def test_funnel_equals_the_records(org, api, book, year):
    with on_day(dt.date(year + 1, 1, 15)):
        response = api(org.manager).get("/api/v1/dashboards/funnel/", {"year": year})
    assert response.status_code == 200, response.json()
    data = response.json()
    expected = expected_funnel(org.manager.org_unit.path, year)
    for row in data["stages"]:
        assert row["count"] == expected["count"].get(row["stage"], 0), row
        if row["stage"] in expected["amount"]:
            assert D(row["amount"]) == expected["amount"][row["stage"]], row
    for row in data["conversion"]:
        assert row["reached"] == expected["reached"][row["stage"]], row
        assert row["advanced"] == expected["reached"][row["next_stage"]], row
    # By hand: all 5 CNY deals created this year were identified; a (gate), b, the
    # negotiating one, the teammate's bidding and the won one reached "initiated".
    assert expected["reached"]["identified"] == 5 and expected["reached"]["bidding"] == 4
    wins = data["wins"]
    assert (
        (wins["closed"], wins["won"], wins["lost"])
        == (2, 1, 1)
        == (expected["closed"], expected["won"], 1)
    )
    assert wins["win_rate_pct"] == "50.0"
    assert D(wins["avg_cycle_days"]) == D(expected["cycle"]).quantize(D("0.1"))
    assert {(g["kind"], g["state"]): g["count"] for g in data["gates"]} == dict(expected["gates"])
    assert data["gates"] == [{"kind": "ati", "state": "go", "count": 1, "escalated": 0}]
    ageing = {a["stage"]: a for a in data["ageing"]}
    # a has sat in "guiding" since 1 March; the dashboard was read on 15 January next year.
    a_days = (dt.date(year + 1, 1, 15) - dt.date(year, 3, 1)).days
    assert D(ageing["guiding"]["avg_days_in_stage"]) == D(a_days)
    assert ageing["guiding"]["over_30_days"] == 1
    # "initiated": a from the gate (1 Feb) to 1 Mar; b from its creation (5 Mar) to 1 Apr.
    assert ageing["bidding"]["left"] == 1
    assert D(ageing["initiated"]["avg_days_before_leaving"]) == D(
        (
            (dt.date(year, 3, 1) - dt.date(year, 2, 1)).days
            + (dt.date(year, 4, 1) - dt.date(year, 3, 5)).days
        )
        / 2
    ).quantize(D("0.1"))


def test_funnel_is_scoped_to_what_the_viewer_may_see(org, api, book, year):
    js = api(org.other_region_manager).get("/api/v1/dashboards/funnel/", {"year": year}).json()
    assert sum(s["count"] for s in js["stages"]) == 1  # only the Jiangsu deal
    rep = api(org.rep).get("/api/v1/dashboards/funnel/", {"year": year}).json()
    team_count = sum(s["count"] for s in rep["stages"])
    assert team_count == 5  # a rep views the team's deals, nothing beyond
    refused = api(org.rep).get("/api/v1/dashboards/funnel/", {"org_unit": org.js.pk})
    assert refused.status_code == 400 and "org_unit" in refused.json()["fields"]
    assert api(org.rep).get("/api/v1/dashboards/funnel/", {"currency": "XXX"}).status_code == 400
    assert (
        api(org.rep).get("/api/v1/dashboards/funnel/", {"date_from": "2026-13-01"}).status_code
        == 400
    )
    assert api().get("/api/v1/dashboards/funnel/").status_code == 401


def test_rep_pipeline_and_presales_equal_the_records(org, api, book, year):
    data = api(org.rep).get("/api/v1/dashboards/pipeline/", {"year": year}).json()
    mine = [
        o
        for o in Opportunity.objects.filter(owner=org.rep, currency="CNY")
        if o.state in OPEN_STAGES
    ]
    for row in data["stages"]:
        rows = [o for o in mine if o.state == row["stage"]]
        assert row["count"] == len(rows)
        assert D(row["weighted"]) == sum(
            (o.amount * DEFAULT_STAGE_PROBABILITY[o.state] / 100 for o in rows), D(0)
        )
    assert data["person"] == org.rep.pk
    assert [c["month"] for c in data["closing"]] == [f"{year}-09"]
    assert data["closing"][0]["weighted"] == "640000.00"  # 800,000 × 80%
    assert [d["expected_close_date"] for d in data["late_deals"]] == [f"{year}-09-01"]
    other = api(org.rep).get("/api/v1/dashboards/pipeline/", {"person": org.teammate.pk})
    assert other.status_code == 400
    teammate = (
        api(org.manager)
        .get("/api/v1/dashboards/pipeline/", {"person": org.teammate.pk, "year": year})
        .json()
    )
    assert sum(s["count"] for s in teammate["stages"]) == 1

    pre = api(org.sr).get("/api/v1/dashboards/presales/", {"year": year}).json()
    sr_deals = [
        o
        for o in Opportunity.objects.filter(currency="CNY")
        if o.team.members.filter(user=org.sr, role="sr").exists()
    ]
    assert {s["stage"]: s["count"] for s in pre["stages"] if s["count"]} == dict(
        Counter(o.state for o in sr_deals)
    )
    assert (pre["won"], pre["closed"], pre["win_rate_pct"]) == (1, 2, "50.0")
    written = GateAssessment.objects.filter(author=org.sr)
    assert [(a["kind"], a["verdict"], a["count"]) for a in pre["assessments"]] == [
        ("ati", "go", written.count())
    ]


def test_collections_equal_the_records(org, api, deal, receipt):
    today = timezone.localdate()
    year = today.year
    contract = deal(org.rep, amount="1000000", signed_on=today - dt.timedelta(days=100))
    payment_plan_set(
        contract=contract,
        by=org.finance,
        milestones=[
            {
                "kind": "down_payment",
                "percentage": D("30"),
                "trigger": "on_date",
                "trigger_date": today - dt.timedelta(days=100),
                "credit_days": 0,
            },
            {
                "kind": "arrival",
                "percentage": D("30"),
                "trigger": "on_date",
                "trigger_date": today - dt.timedelta(days=45),
                "credit_days": 0,
            },
            {
                "kind": "acceptance",
                "percentage": D("40"),
                "trigger": "on_date",
                "trigger_date": today + dt.timedelta(days=10),
                "credit_days": 0,
            },
        ],
    )
    PaymentMilestone.objects.filter(contract=contract).update(state="due")
    receipt(contract, "100000", today - dt.timedelta(days=5))
    foreign = deal(org.other_region_rep, amount="500000", signed_on=today - dt.timedelta(days=9))
    Receipt.objects.create(
        customer=foreign.customer,
        contract=foreign,
        org_unit=foreign.org_unit,
        amount=D("500000"),
        received_on=today,
        recorded_by=org.admin,
    )
    data = api(org.finance).get("/api/v1/dashboards/collections/", {"year": year}).json()
    south = [
        r
        for r in Receipt.objects.select_related("org_unit")
        if r.org_unit.path.startswith(org.south.path) and r.received_on.year == year
    ]
    assert D(data["collected_total"]) == sum((r.amount for r in south), D(0)) == D("100000")
    open_ms = list(PaymentMilestone.objects.filter(contract=contract))
    buckets = {b["bucket"]: b for b in data["ageing"]}

    def overdue(m):
        return (today - m.due_date).days

    assert (
        D(buckets["over_90"]["outstanding"])
        == sum((m.outstanding for m in open_ms if overdue(m) > 90), D(0))
        == D("200000.00")
    )  # 300,000 down payment less the 100,000 received
    assert D(buckets["31_60"]["outstanding"]) == D("300000.00")
    assert D(buckets["not_due"]["outstanding"]) == D("400000.00")
    assert data["top_overdue"][0]["overdue"] == "500000.00"
    assert (
        api(org.other_region_rep)
        .get("/api/v1/dashboards/collections/", {"year": year})
        .json()["collected_total"]
        == "500000.00"
    )  # their own team's receipt, not the south's


def test_revenue_history_recurring_new_churned_cumulative(org, api, deal):
    year = timezone.localdate().year
    a, b = CustomerFactory(owner=org.rep, name="A"), CustomerFactory(owner=org.rep, name="B")
    for customer, amount, y in (
        (a, "100", year - 3),
        (a, "400", year - 2),
        (a, "300", year - 1),
        (b, "200", year - 2),
    ):
        deal(
            org.rep,
            customer=customer,
            amount=amount,
            signed_on=dt.date(y, 2, 1),
            delivered_on=dt.date(y, 3, 1),
        )
    data = (
        api(org.manager)
        .get(
            "/api/v1/dashboards/revenue/",
            {"date_from": f"{year - 2}-01-01", "date_to": f"{year - 1}-12-31"},
        )
        .json()
    )
    rows = {c["name"]: c["periods"] for c in data["customers"]}
    # A: 100 before the window; 400 (+300 new over 100), then 300 (300 recurring, 100 churned).
    assert rows["A"] == [
        {
            "period": str(year - 2),
            "revenue": "400.00",
            "recurring": "100.00",
            "new": "300.00",
            "churned": "0.00",
            "cumulative": "500.00",
        },
        {
            "period": str(year - 1),
            "revenue": "300.00",
            "recurring": "300.00",
            "new": "0.00",
            "churned": "100.00",
            "cumulative": "800.00",
        },
    ]
    assert rows["B"][1] == {
        "period": str(year - 1),
        "revenue": "0.00",
        "recurring": "0.00",
        "new": "0.00",
        "churned": "200.00",
        "cumulative": "200.00",
    }
    assert data["totals"][1]["churned"] == "300.00"
    assert (
        api(org.other_region_manager)
        .get("/api/v1/dashboards/revenue/", {"year": year - 1})
        .json()["customers"]
        == []
    )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/account-plans/",
        "/api/v1/sales-targets/",
        "/api/v1/commitments/",
        "/api/v1/account-profiles/",
        "/api/v1/tier-criteria/",
        "/api/v1/plan-actions/",
        "/api/v1/tier-changes/",
        "/api/v1/purchase-drivers/",
    ],
)
def test_list_endpoints_run_a_bounded_number_of_queries(
    org, api, url, django_assert_max_num_queries
):
    from keyaccounts.services import (
        account_plan_create,
        commitment_save,
        customer_tier_override,
        plan_action_create,
        purchase_driver_create,
        sales_target_create,
        tier_criteria_create,
    )

    year = timezone.localdate().year + 1
    for i in range(5):
        customer = CustomerFactory(owner=org.rep)
        plan = account_plan_create(
            by=org.rep,
            data={
                "customer": customer,
                "name": "p",
                "starts_on": dt.date(year, 1, 1),
                "ends_on": dt.date(year, 12, 31),
            },
            sr=org.sr,
        )
        plan_action_create(
            plan=plan, by=org.rep, data={"title": "t", "due_on": dt.date(year, 2, 1)}
        )
        purchase_driver_create(
            customer=customer,
            by=org.rep,
            data={"name": "d", "product_line": "x", "volume": D(1), "amount_per_unit": D(2)},
        )
        commitment_save(by=org.rep, year=year, period_kind="month", period=i + 1, amount=D(1))
        sales_target_create(
            by=org.manager, year=year + i, metric="orders", user=org.rep, amount=D(12)
        )
        tier_criteria_create(
            by=org.manager,
            data={"name": f"c{i}", "org_unit": org.gd_carrier, "key_min_revenue": D(1)},
        )
        customer_tier_override(customer=customer, by=org.manager, tier="key", reason="r")
    with django_assert_max_num_queries(14):
        response = api(org.manager).get(url)
    assert response.status_code == 200 and len(response.json()["results"]) >= 1


def funnel_count(client, **params):
    response = client.get("/api/v1/dashboards/funnel/", params)
    assert response.status_code == 200, response.json()
    data = response.json()
    return sum(s["count"] for s in data["stages"]), data["filters"]


def test_funnel_filters_by_quarter_month_product_line_and_a_unit_below(org, api, book, year):
    Opportunity.objects.filter(pk=book["a"].pk).update(product_line="optical")
    manager = api(org.manager)
    assert funnel_count(manager, year=year)[0] == 5
    # Created in Q1: a (10 Jan) and b (5 Mar); in March: b alone.
    count, filters = funnel_count(manager, year=year, quarter=1)
    assert count == 2
    assert (filters["date_from"], filters["date_to"]) == (f"{year}-01-01", f"{year}-03-31")
    assert funnel_count(manager, year=year, month=3)[0] == 1
    assert funnel_count(manager, year=year, product_line="optical")[0] == 1
    # The office director may narrow to a team below the office; the result is that team's.
    director = api(org.director)
    assert funnel_count(director, year=year)[0] == 5
    count, filters = funnel_count(director, year=year, org_unit=org.gd_carrier.pk)
    assert count == 5 and filters["org_unit"] == org.gd_carrier.pk
    assert manager.get("/api/v1/dashboards/funnel/", {"quarter": 5}).status_code == 400
