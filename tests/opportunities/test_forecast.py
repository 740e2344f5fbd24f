"""The forecast: probability per stage (configurable per org unit), weighted amounts, and the
weighted pipeline per month and quarter that reps commit on (承诺)."""

import datetime as dt
from decimal import Decimal

import pytest

from opportunities.forecast import Period, forecast_by_period, weighted_pipeline
from opportunities.models import Opportunity, StageProbability
from tests.factories import OpportunityFactory, team

from .conftest import advance

pytestmark = pytest.mark.django_db


def deal(org, amount, close, category="pipeline", owner=None, currency="CNY", probability=50):
    owner = owner or org.rep
    opportunity = OpportunityFactory(
        owner=owner,
        team=team(ar=owner, sr=org.sr, fr=org.fr),
        amount=Decimal(amount),
        currency=currency,
        expected_close_date=close,
        forecast_category=category,
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(probability_pct=probability)
    return opportunity


def test_periods_parse_months_and_quarters():
    assert Period.parse("2026-02") == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert Period.parse("2026-q4") == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert Period.containing(dt.date(2026, 8, 15)) == Period.parse("2026-Q3")
    with pytest.raises(Exception) as excinfo:
        Period.parse("2026-13")
    assert excinfo.value.fields == {"period": ["Use 2026-07 or 2026-Q3."]}


def test_weighted_pipeline_sums_per_category_and_currency_in_a_period(org):
    deal(org, "1000000", dt.date(2026, 7, 10), "commit", probability=80)
    deal(org, "500000", dt.date(2026, 8, 31), "best_case", probability=40)
    deal(org, "300000", dt.date(2026, 9, 1), "commit", probability=60)
    deal(org, "100", dt.date(2026, 9, 2), "commit", currency="USD", probability=50)
    deal(org, "999999", dt.date(2026, 10, 1), "commit")  # next quarter
    deal(org, "777777", dt.date(2026, 7, 2), "commit", owner=org.teammate)
    rows = weighted_pipeline(user=org.rep, period=Period.parse("2026-Q3"), owner=org.rep)
    assert [
        (r["currency"], r["forecast_category"], r["count"], r["amount"], r["weighted_amount"])
        for r in rows
    ] == [
        ("CNY", "best_case", 1, Decimal("500000.00"), Decimal("200000.00")),
        ("CNY", "commit", 2, Decimal("1300000.00"), Decimal("980000.00")),
        ("USD", "commit", 1, Decimal("100.00"), Decimal("50.00")),
    ]
    july = weighted_pipeline(user=org.manager, period=Period.parse("2026-07"), org_unit=org.gd)
    assert sum(r["count"] for r in july) == 2  # rep's and teammate's July deals
    assert weighted_pipeline(user=org.other_region_rep, period=Period.parse("2026-Q3")) == []


def test_forecast_by_period_splits_by_month_or_quarter(org):
    deal(org, "100", dt.date(2026, 7, 10), "commit", probability=100)
    deal(org, "200", dt.date(2026, 8, 10), "commit", probability=50)
    deal(org, "400", dt.date(2026, 11, 10), "pipeline", probability=25)
    months = forecast_by_period(
        user=org.rep, start=dt.date(2026, 7, 1), end=dt.date(2026, 12, 31), granularity="month"
    )
    assert [(r["period"].month, r["weighted_amount"]) for r in months] == [
        (7, Decimal("100.00")),
        (8, Decimal("100.00")),
        (11, Decimal("100.00")),
    ]
    quarters = forecast_by_period(
        user=org.rep, start=dt.date(2026, 7, 1), end=dt.date(2026, 12, 31), granularity="quarter"
    )
    assert [(r["period"].month, r["count"]) for r in quarters] == [(7, 2), (10, 1)]


def test_the_forecast_endpoint(org, api):
    deal(org, "1000", dt.date(2026, 7, 10), "commit", probability=80)
    response = api(org.rep).get("/api/v1/opportunities/forecast/?period=2026-Q3")
    assert response.status_code == 200
    assert response.json() == [
        {
            "currency": "CNY",
            "forecast_category": "commit",
            "count": 1,
            "amount": "1000.00",
            "weighted_amount": "800.00",
        }
    ]
    split = api(org.manager).get(
        f"/api/v1/opportunities/forecast/?from=2026-07-01&to=2026-12-31&granularity=quarter"
        f"&org_unit={org.gd.pk}"
    )
    assert split.json()[0]["period"] == "2026-07-01"
    for bad in ("period=soon", "from=2026-07-01", "from=x&to=y", "owner=abc", "org_unit=999999"):
        response = api(org.rep).get(f"/api/v1/opportunities/forecast/?{bad}")
        assert response.status_code == 400, bad


def test_stage_probabilities_are_configured_by_administrators_and_reweigh_open_deals(
    org, api, opportunity
):
    advance(api, org, opportunity, "guiding")
    assert Opportunity.objects.get(pk=opportunity.pk).probability_pct == Decimal("35")
    refused = api(org.manager).post(
        "/api/v1/stage-probabilities/", {"stage": "guiding", "probability_pct": "50"}, format="json"
    )
    assert refused.status_code == 403
    response = api(org.admin).post(
        "/api/v1/stage-probabilities/",
        {"org_unit": org.south.pk, "stage": "guiding", "probability_pct": "42.5"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Opportunity.objects.get(pk=opportunity.pk).probability_pct == Decimal("42.5")
    replaced = api(org.admin).post(
        "/api/v1/stage-probabilities/",
        {"org_unit": org.south.pk, "stage": "guiding", "probability_pct": "45"},
        format="json",
    )
    assert replaced.status_code == 201
    assert StageProbability.objects.count() == 1
    assert Opportunity.objects.get(pk=opportunity.pk).probability_pct == Decimal("45")
    bad = api(org.admin).post(
        "/api/v1/stage-probabilities/",
        {"stage": "guiding", "probability_pct": "140"},
        format="json",
    )
    assert bad.status_code == 400
