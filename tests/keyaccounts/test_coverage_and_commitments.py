"""Funnel coverage (risk margin) and commitments (承诺), against hand-computed fixtures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.audit import timeline
from keyaccounts.models import Commitment

from .conftest import on_day, opportunity

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def funnel_book(org, api, deal, year):
    """The rep's orders target is 12M (1M a month); 2M was signed in March. Open deals on
    1 July: 5M negotiating (80%) closing in September, 10M bidding (50%) in December, 20M
    identified (10%) in August; excluded: one closing next year, one that slipped (May), the
    teammate's 1M negotiating in October (only in the team's figure), a USD deal."""
    for who, unit in ((org.rep, None), (None, org.gd_carrier)):
        body = {"year": year, "metric": "orders", "amount": "12000000.00"}
        body.update({"user": who.pk} if who else {"org_unit": unit.pk})
        assert (
            api(org.manager).post("/api/v1/sales-targets/", body, format="json").status_code == 201
        )
    deal(org.rep, amount="2000000", signed_on=dt.date(year, 3, 1))
    opportunity(org.rep, amount="5000000", state="negotiating", close=dt.date(year, 9, 30))
    opportunity(org.rep, amount="10000000", state="bidding", close=dt.date(year, 12, 1))
    opportunity(org.rep, amount="20000000", state="identified", close=dt.date(year, 8, 1))
    opportunity(org.rep, amount="3000000", state="guiding", close=dt.date(year + 1, 1, 15))
    opportunity(org.rep, amount="4000000", state="initiated", close=dt.date(year, 5, 1))
    opportunity(org.teammate, amount="1000000", state="negotiating", close=dt.date(year, 10, 1))
    opportunity(
        org.rep, amount="9000000", state="negotiating", close=dt.date(year, 9, 1), currency="USD"
    )


def coverage(api, user, **params):
    response = api(user).get("/api/v1/sales-targets/coverage/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_coverage_of_the_year_for_the_rep_and_the_team(org, api, funnel_book, year):
    with on_day(dt.date(year, 7, 1)):
        rows = coverage(api, org.manager, year=year)
    person = next(r for r in rows if r["user"] == org.rep.pk)
    assert person["remaining"] == "10000000.00"  # 12M − 2M
    assert person["pipeline"] == "35000000.00"
    assert person["weighted_pipeline"] == "11000000.00"  # 4M + 5M + 2M
    assert person["coverage"] == "1.10" and person["required"] == "3.00"
    assert person["gap"] == "19000000.00" and person["short"] is True
    team = next(r for r in rows if r["user"] is None)
    assert team["weighted_pipeline"] == "11800000.00"  # + the teammate's 1M × 80%
    with on_day(dt.date(year, 7, 1)):
        mine = coverage(api, org.rep, year=year)
    assert {r["user"] for r in mine} == {org.rep.pk, None}
    assert coverage(api, org.other_region_manager, year=year) == []


def test_coverage_of_a_quarter_against_the_units_required_ratio(org, api, funnel_book, year):
    with on_day(dt.date(year, 7, 1)):
        row = next(
            r for r in coverage(api, org.manager, year=year, quarter=3) if r["user"] == org.rep.pk
        )
        assert row["period_target"] == "3000000.00" and row["remaining"] == "3000000.00"
        assert row["weighted_pipeline"] == "6000000.00" and row["coverage"] == "2.00"
        assert row["short"] is True and row["gap"] == "3000000.00"
        refused = api(org.rep).post(
            "/api/v1/planning-settings/",
            {"org_unit": org.gd_carrier.pk, "coverage_ratio": "1.50"},
            format="json",
        )
        assert refused.status_code == 403
        saved = api(org.manager).post(
            "/api/v1/planning-settings/",
            {"org_unit": org.gd_carrier.pk, "coverage_ratio": "1.50"},
            format="json",
        )
        assert saved.status_code == 201, saved.json()
        row = next(
            r for r in coverage(api, org.manager, year=year, quarter=3) if r["user"] == org.rep.pk
        )
        only_short = coverage(api, org.manager, year=year, quarter=3, short="true")
    assert row["required"] == "1.50" and row["short"] is False and row["gap"] == "0.00"
    assert org.rep.pk not in {r["user"] for r in only_short}


def test_bad_period_is_a_400(org, api):
    response = api(org.manager).get("/api/v1/sales-targets/coverage/", {"quarter": "7"})
    assert response.status_code == 400 and "quarter" in response.json()["fields"]


@pytest.fixture
def commitments(org, api, deal, year):
    last = year - 1
    with on_day(dt.date(last, 1, 1)):
        for kind, period, amount in (
            ("month", 1, "100000"),
            ("month", 2, "200000"),
            ("quarter", 1, "500000"),
        ):
            response = api(org.rep).post(
                "/api/v1/commitments/",
                {"year": last, "period_kind": kind, "period": period, "amount": amount},
                format="json",
            )
            assert response.status_code == 201, response.json()
    deal(org.rep, amount="90000", signed_on=dt.date(last, 1, 10))
    deal(org.rep, amount="20000", signed_on=dt.date(last, 1, 20))
    deal(org.rep, amount="150000", signed_on=dt.date(last, 2, 5))
    deal(org.rep, amount="100000", signed_on=dt.date(last, 3, 5))
    deal(org.teammate, amount="777000", signed_on=dt.date(last, 1, 5))
    return last


def test_commit_against_actual_and_accuracy_over_time(org, api, commitments, year):
    rows = api(org.rep).get("/api/v1/commitments/", {"year": commitments}).json()["results"]
    found = {(r["period_kind"], r["period"]): r for r in rows}
    assert found[("month", 1)]["actual"] == "110000.00"
    assert found[("month", 1)]["accuracy_pct"] == "90.0"  # missed by 10%
    assert found[("month", 2)]["actual"] == "150000.00"
    assert found[("month", 2)]["accuracy_pct"] == "75.0"
    assert found[("quarter", 1)]["actual"] == "360000.00"
    assert found[("quarter", 1)]["accuracy_pct"] == "72.0"
    assert all(r["closed"] for r in rows)
    current = api(org.rep).post(
        "/api/v1/commitments/",
        {"year": year + 1, "period_kind": "quarter", "period": 1, "amount": "1"},
        format="json",
    )
    assert current.status_code == 201
    accuracy = api(org.manager).get("/api/v1/commitments/accuracy/", {"user": org.rep.pk}).json()
    # Σ committed 800,000; Σ|miss| 10,000 + 50,000 + 140,000 = 200,000 → 75%; the open one
    # does not count.
    assert accuracy == [
        {
            "user": org.rep.pk,
            "name": str(org.rep),
            "currency": "CNY",
            "periods": 3,
            "committed": "800000.00",
            "actual": "620000.00",
            "accuracy_pct": "75.0",
        }
    ]


def test_commitments_are_the_reps_and_close_with_their_period(org, api, commitments, year):
    closed = api(org.rep).post(
        "/api/v1/commitments/",
        {"year": commitments, "period_kind": "month", "period": 1, "amount": "1"},
        format="json",
    )
    assert closed.status_code == 409
    body = {"year": year + 1, "period_kind": "month", "period": 2, "amount": "1000"}
    for_another = api(org.teammate).post(
        "/api/v1/commitments/", {**body, "user": org.rep.pk}, format="json"
    )  # a person one may not commit for: the access policy's 400, naming the field
    assert for_another.status_code == 400 and for_another.json()["code"] == "out_of_scope"
    assert "user" in for_another.json()["fields"]
    first = api(org.rep).post("/api/v1/commitments/", body, format="json")
    again = api(org.rep).post("/api/v1/commitments/", {**body, "amount": "1500"}, format="json")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    commitment = Commitment.objects.get(pk=first.json()["id"])
    assert commitment.amount == D("1500")
    assert any(e.changes.get("amount") == ["1000.00", "1500.00"] for e in timeline(commitment))
    foreign = opportunity(org.teammate, amount="10")
    refused = api(org.rep).post(
        "/api/v1/commitments/", {**body, "opportunities": [foreign.pk]}, format="json"
    )
    assert refused.status_code == 400 and "opportunities" in refused.json()["fields"]
    hidden = opportunity(org.other_region_rep, amount="10")
    assert (
        api(org.rep)
        .post("/api/v1/commitments/", {**body, "opportunities": [hidden.pk]}, format="json")
        .status_code
        == 400
    )
    bad = api(org.rep).post(
        "/api/v1/commitments/", {**body, "period_kind": "quarter", "period": 5}, format="json"
    )
    assert bad.status_code == 400
    assert api(org.other_region_rep).get(f"/api/v1/commitments/{commitment.pk}/").status_code == 404
