"""One source for stage probabilities (issue 17.3, ADR 6): every page and API that shows a
weighted amount or a stage probability shows the same figure, the one the opportunities carry
from `StageProbability`, never a table of its own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from core.templatetags.ltc_tags import money
from opportunities.models import Opportunity

from .conftest import on_day, opportunity

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def book(org, api, year):
    """The rep's open deals, closing after 1 July; then the office configures its own
    probabilities (guiding 45%, negotiating 70%: neither the built-in defaults nor the old
    key-account table), which re-weighs them."""
    deals = [
        opportunity(org.rep, amount="1000000", state="guiding", close=dt.date(year, 9, 30)),
        opportunity(org.rep, amount="2000000", state="negotiating", close=dt.date(year, 10, 15)),
        opportunity(org.rep, amount="500000", state="identified", close=dt.date(year, 11, 20)),
    ]
    admin = api(org.admin)
    for stage, pct in (("guiding", "45"), ("negotiating", "70")):
        body = {"org_unit": org.gd.pk, "stage": stage, "probability_pct": pct}
        assert admin.post("/api/v1/stage-probabilities/", body, format="json").status_code == 201
    target = {"year": year, "metric": "orders", "amount": "12000000.00", "user": org.rep.pk}
    assert api(org.manager).post("/api/v1/sales-targets/", target, format="json").status_code == 201
    return [Opportunity.objects.get(pk=o.pk) for o in deals]


def test_every_page_and_api_shows_the_same_weighted_pipeline(org, api, browser_client, book, year):
    expected = {o.pk: o.amount * o.probability_pct / 100 for o in book}
    assert sorted(expected.values()) == [D("50000"), D("450000"), D("1400000")]
    total = sum(expected.values())  # 1,900,000
    client = api(org.rep)

    # The opportunity itself: detail and list.
    for o in book:
        body = client.get(f"/api/v1/opportunities/{o.pk}/").json()
        assert D(body["weighted_amount"]) == expected[o.pk]
    listed = client.get("/api/v1/opportunities/", {"page_size": 100}).json()["results"]
    assert sum(D(r["weighted_amount"]) for r in listed) == total

    # The forecast (MO).
    rows = client.get("/api/v1/opportunities/forecast/").json()
    assert sum(D(r["weighted_amount"]) for r in rows if r["currency"] == "CNY") == total

    with on_day(dt.date(year, 7, 1)):
        # The rep's pipeline dashboard (key accounts): by stage and by month of closing.
        pipeline = client.get("/api/v1/dashboards/pipeline/", {"year": year}).json()
        by_stage = {r["stage"]: D(r["weighted"]) for r in pipeline["stages"]}
        assert by_stage["guiding"] == D("450000") and by_stage["negotiating"] == D("1400000")
        assert sum(by_stage.values()) == total
        assert sum(D(c["weighted"]) for c in pipeline["closing"]) == total

        # Funnel coverage of the rep's orders target.
        rows = api(org.manager).get("/api/v1/sales-targets/coverage/", {"year": year}).json()
        mine = next(r for r in rows if r["user"] == org.rep.pk)
        assert D(mine["weighted_pipeline"]) == total

        # The funnel names the probabilities in force for the unit: the opportunities' own.
        funnel = api(org.manager).get(
            "/api/v1/dashboards/funnel/", {"year": year, "org_unit": org.gd_carrier.pk}
        )
        shown = {p["stage"]: D(p["probability"]) for p in funnel.json()["probabilities"]}
        for o in book:
            assert shown[o.state] == o.probability_pct

        # The pages show the same figures.
        with override("en"):
            page = browser_client(org.rep)
            formatted = money(total, "CNY")
            forecast = page.get("/opportunities/forecast/").content.decode()
            for quarter in (D("450000"), D("1450000")):  # Q3: guiding; Q4: the other two
                assert money(quarter, "CNY") in forecast
            pipeline_page = page.get(f"/key-accounts/pipeline/?year={year}").content.decode()
            for weighted in expected.values():  # one stage each
                assert money(weighted, "CNY") in pipeline_page
            assert formatted in page.get(f"/key-accounts/targets/?year={year}").content.decode()
            for o in book:
                html = page.get(f"/opportunities/{o.pk}/").content.decode()
                assert money(expected[o.pk], "CNY") in html
