"""Targets (定 / 收 / 回): decomposition by hand-computed fixtures, adjustments with their reason,
attainment equal to the records, and who may set and see them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from keyaccounts.models import SalesTarget, TargetAdjustment

pytestmark = pytest.mark.django_db
D = Decimal


def create(api, actor, **body):
    return api(actor).post("/api/v1/sales-targets/", {"metric": "orders", **body}, format="json")


def test_even_split_puts_the_rounding_remainder_on_december(org, api):
    response = create(api, org.manager, year=2026, org_unit=org.gd_carrier.pk, amount="1000000.00")
    assert response.status_code == 201, response.json()
    months = [D(m) for m in response.json()["months"]]
    assert months == [D("83333.33")] * 11 + [D("83333.37")]
    assert sum(months) == D("1000000.00") == D(response.json()["amount"])


def test_quarter_weights_split_each_quarter_evenly_over_its_months(org, api):
    response = create(
        api,
        org.manager,
        year=2026,
        user=org.rep.pk,
        amount="1000000.00",
        split="quarters",
        quarter_weights=["10", "20", "30", "40"],
    )
    assert response.status_code == 201, response.json()
    months = [D(m) for m in response.json()["months"]]
    # Q1 100,000 → 33,333.33 ×2 + 33,333.34; Q2 200,000 → 66,666.67 ×2 + 66,666.66; ...
    assert months[:3] == [D("33333.33"), D("33333.33"), D("33333.34")]
    assert months[3:6] == [D("66666.67"), D("66666.67"), D("66666.66")]
    assert months[6:9] == [D("100000.00")] * 3
    assert months[9:] == [D("133333.33"), D("133333.33"), D("133333.34")]
    target = SalesTarget.objects.get(pk=response.json()["id"])
    assert target.org_unit == org.gd_carrier and target.user == org.rep


def test_month_by_month_must_add_up(org, api):
    months = [str(100 * i) for i in range(1, 13)]
    ok = create(
        api,
        org.manager,
        year=2026,
        org_unit=org.gd_carrier.pk,
        split="months",
        months=months,
        metric="collections",
    )
    assert ok.status_code == 201 and D(ok.json()["amount"]) == D("7800")
    wrong = create(
        api,
        org.manager,
        year=2026,
        org_unit=org.gd_carrier.pk,
        split="months",
        months=months,
        amount="1.00",
        metric="revenue",
    )
    assert wrong.status_code == 400 and "amount" in wrong.json()["fields"]
    bad = create(
        api,
        org.manager,
        year=2026,
        org_unit=org.gd_carrier.pk,
        split="quarters",
        amount="100",
        quarter_weights=["50", "50", "10", "10"],
    )
    assert bad.status_code == 400 and "quarter_weights" in bad.json()["fields"]
    twice = create(
        api,
        org.manager,
        year=2026,
        org_unit=org.gd_carrier.pk,
        split="months",
        months=months,
        metric="collections",
    )
    assert twice.status_code == 400
    assert SalesTarget.objects.count() == 1


def test_only_a_manager_over_the_unit_sets_targets_and_others_cannot_see_them(org, api):
    assert create(api, org.rep, year=2026, user=org.rep.pk, amount="1").status_code == 403
    outside = create(
        api, org.other_region_manager, year=2026, org_unit=org.gd_carrier.pk, amount="1"
    )
    # a unit outside the manager's subtree: the access policy's 400, naming the field
    assert outside.status_code == 400 and outside.json()["code"] == "out_of_scope"
    assert set(outside.json()["fields"]) == {"org_unit"}
    target = create(api, org.manager, year=2026, user=org.rep.pk, amount="1200").json()
    assert api(org.rep).get(f"/api/v1/sales-targets/{target['id']}/").status_code == 200
    assert (
        api(org.other_region_rep).get(f"/api/v1/sales-targets/{target['id']}/").status_code == 404
    )
    assert api(org.other_region_manager).get("/api/v1/sales-targets/").json()["results"] == []


def test_adjustment_needs_a_reason_and_is_kept(org, api):
    target = create(api, org.manager, year=2026, user=org.rep.pk, amount="1200.00").json()
    url = f"/api/v1/sales-targets/{target['id']}/adjust/"
    missing = api(org.manager).post(url, {"months": {"3": "300.00"}}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    assert (
        api(org.rep).post(url, {"months": {"3": "0"}, "reason": "x"}, format="json").status_code
        == 403
    )
    bad = api(org.manager).post(url, {"months": {"13": "1"}, "reason": "x"}, format="json")
    assert bad.status_code == 400
    done = api(org.manager).post(
        url,
        {"months": {"3": "300.00", "4": "0"}, "reason": "Big deal slipped from April to March."},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["amount_before"] == "1200.00" and done.json()["amount_after"] == "1300.00"
    assert done.json()["changes"] == {"3": ["100.00", "300.00"], "4": ["100.00", "0.00"]}
    detail = api(org.rep).get(f"/api/v1/sales-targets/{target['id']}/").json()
    assert detail["amount"] == "1300.00" and detail["months"][2] == "300.00"
    history = api(org.rep).get(f"/api/v1/sales-targets/{target['id']}/adjustments/").json()
    assert [h["reason"] for h in history] == ["Big deal slipped from April to March."]
    assert TargetAdjustment.objects.count() == 1


def test_attainment_equals_the_records_per_month_and_quarter(org, api, deal, receipt):
    year = timezone.localdate().year - 1
    create(api, org.manager, year=year, user=org.rep.pk, amount="1200000.00")
    create(api, org.manager, year=year, user=org.rep.pk, amount="1200000.00", metric="revenue")
    create(api, org.manager, year=year, user=org.rep.pk, amount="1200000.00", metric="collections")
    jan, feb, may = dt.date(year, 1, 15), dt.date(year, 2, 10), dt.date(year, 5, 20)
    a = deal(org.rep, amount="300000", signed_on=jan, delivered_on=may)
    deal(org.rep, amount="50000", signed_on=feb)
    deal(org.teammate, amount="999999", signed_on=jan, delivered_on=feb)  # someone else's
    terminated = deal(org.rep, amount="700000", signed_on=feb)
    from contracts.services import contract_transition

    contract_transition(contract=terminated, name="terminate", by=org.manager, reason="Void")
    receipt(a, "120000", dt.date(year, 5, 30))
    targets = {t.metric: t for t in SalesTarget.objects.filter(user=org.rep)}

    def figures(metric):
        return api(org.rep).get(f"/api/v1/sales-targets/{targets[metric].pk}/attainment/").json()

    orders = figures("orders")
    assert [m["actual"] for m in orders["months"][:3]] == ["300000.00", "50000.00", "0.00"]
    assert orders["months"][0]["attainment_pct"] == "300.0"  # 300,000 of 100,000
    assert orders["quarters"][0]["actual"] == "350000.00"
    assert orders["quarters"][0]["target"] == "300000.00"
    assert orders["year"]["actual"] == "350000.00"
    revenue = figures("revenue")
    assert (
        revenue["months"][4]["actual"] == "300000.00" and revenue["year"]["actual"] == "300000.00"
    )
    collections = figures("collections")
    assert collections["months"][4]["actual"] == "120000.00"
    assert collections["year"]["attainment_pct"] == "10.0"


def test_unit_target_counts_the_whole_subtree(org, api, deal):
    year = timezone.localdate().year - 1
    target = create(api, org.director, year=year, org_unit=org.gd.pk, amount="1000000.00").json()
    deal(org.rep, amount="100000", signed_on=dt.date(year, 3, 1))
    deal(org.other_team_rep, amount="200000", signed_on=dt.date(year, 3, 2))
    deal(org.other_region_rep, amount="400000", signed_on=dt.date(year, 3, 3))
    result = api(org.director).get(f"/api/v1/sales-targets/{target['id']}/attainment/").json()
    assert result["months"][2]["actual"] == "300000.00"
