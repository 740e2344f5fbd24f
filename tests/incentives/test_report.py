"""The incentive report (issue 21.6): targets against credited orders and cash, per person and
per team, scoped by the access policy, exported as CSV or XLSX; and the pages."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from incentives.tasks import credit_pending
from keyaccounts.models import SalesTarget, TargetMonth

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/incentive-report/"


def target(org, *, user=None, unit=None, metric="orders", year, month, amount):
    row = SalesTarget.objects.create(
        year=year,
        metric=metric,
        org_unit=unit or user.org_unit,
        user=user,
        currency="CNY",
        amount=Decimal(amount),
    )
    TargetMonth.objects.create(target=row, month=month, amount=Decimal(amount))
    return row


@pytest.fixture
def credited_deal(org, deal):
    signed = deal.signed_on
    target(org, user=org.rep, year=signed.year, month=signed.month, amount="1200000")
    target(org, user=org.sr, year=signed.year, month=signed.month, amount="500000")
    target(org, unit=org.gd_carrier, year=signed.year, month=signed.month, amount="4000000")
    credit_pending()
    return deal


def _rows(answer):
    assert answer.status_code == 200, answer.json()
    return {row["name"]: row for row in answer.json()["rows"]}


def test_a_rep_sees_their_own_credit_against_their_target(org, api, credited_deal):
    year = credited_deal.signed_on.year
    rows = _rows(api(org.rep).get(REPORT, {"year": year}))
    assert list(rows) == [str(org.rep)]
    mine = rows[str(org.rep)]
    assert mine["credited_orders"] == "600000.00"
    assert mine["target_orders"] == "1200000.00"
    assert mine["orders_pct"] == "50.0"
    assert mine["cash_pct"] is None  # no collections target: no attainment


def test_a_manager_sees_the_subtree_per_person_and_per_team(org, api, credited_deal):
    year = credited_deal.signed_on.year
    rows = _rows(api(org.manager).get(REPORT, {"year": year}))
    assert set(rows) == {str(org.rep), str(org.sr), str(org.fr)}
    assert rows[str(org.sr)]["orders_pct"] == "50.0"
    director = _rows(api(org.director).get(REPORT, {"year": year, "grouping": "team"}))
    assert director[str(org.gd_carrier)]["credited_orders"] == "1000000.00"
    assert director[str(org.gd_carrier)]["orders_pct"] == "25.0"
    assert director[str(org.gd_gov)]["credited_orders"] == "0.00"
    assert director[str(org.gd)]["credited_orders"] == "1000000.00"
    assert _rows(api(org.other_region_manager).get(REPORT, {"year": year})) == {}


def test_the_report_refuses_bad_input_with_a_400(org, api, credited_deal):
    for params, field in [
        ({"grouping": "galaxy"}, "grouping"),
        ({"month": "13"}, "month"),
        ({"currency": "XXX"}, "currency"),
        ({"org_unit": org.js.pk}, "org_unit"),
        ({"org_unit": "abc"}, "org_unit"),
    ]:
        answer = api(org.manager).get(REPORT, params)
        assert answer.status_code == 400, (params, answer.content)
        assert field in answer.json()["fields"], (params, answer.json())


def test_a_manager_exports_the_report(org, api, credited_deal):
    year = credited_deal.signed_on.year
    answer = api(org.manager).get(REPORT, {"year": year, "file_format": "csv"})
    assert answer.status_code == 200
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Name", "Org unit", "Orders target", "Credited orders"]
    assert {r[0] for r in rows[1:]} == {str(org.rep), str(org.sr), str(org.fr)}
    xlsx = api(org.manager).get(REPORT, {"year": year, "file_format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_report_sums_in_a_fixed_number_of_queries(
    org, api, credited_deal, django_assert_max_num_queries
):
    year = credited_deal.signed_on.year
    with django_assert_max_num_queries(12):
        assert api(org.manager).get(REPORT, {"year": year}).status_code == 200


def test_the_pages_in_both_languages(org, browser_client, credited_deal, client):
    year = credited_deal.signed_on.year
    page = browser_client(org.manager).get(f"/incentives/?year={year}")
    assert page.status_code == 200
    assert str(org.sr) in page.content.decode()
    zh = client.get(f"/incentives/?year={year}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200
    export = client.get(f"/incentives/?year={year}&file_format=csv")
    assert export.status_code == 200
    split = client.get(f"/incentives/deals/{credited_deal.opportunity_id}/split/")
    assert split.status_code == 200
    assert "60.00" in split.content.decode()  # the AR's 50% plus the partner's 10%
    assert client.get("/incentives/default-split/").status_code == 404


def test_the_split_page_asks_for_a_new_split(org, browser_client, credited_deal):
    client = browser_client(org.rep)
    url = f"/incentives/deals/{credited_deal.opportunity_id}/split/"
    bad = client.post(url, {"seat_0": "ar", "user_0": org.rep.pk, "pct_0": "90", "reason": "x"})
    assert bad.status_code == 400
    good = client.post(
        url,
        {
            "seat_0": "ar",
            "user_0": org.rep.pk,
            "pct_0": "70",
            "seat_1": "sr",
            "user_1": org.sr.pk,
            "pct_1": "30",
            "reason": "The FR's work is small on this deal.",
        },
    )
    assert good.status_code == 302
    assert credited_deal.opportunity.credit_splits.get().state == "pending"


def test_the_administrator_sets_the_default_on_its_page(org, browser_client):
    client = browser_client(org.admin)
    assert client.get("/incentives/default-split/").status_code == 200
    bad = client.post(
        "/incentives/default-split/",
        {"ar_pct": "50", "sr_pct": "50", "fr_pct": "50", "partner_pct": "0"},
    )
    assert bad.status_code == 200 and "100" in bad.content.decode()
    good = client.post(
        "/incentives/default-split/",
        {"ar_pct": "55", "sr_pct": "25", "fr_pct": "20", "partner_pct": "0"},
    )
    assert good.status_code == 302


def test_split_changes_read_as_sentences_on_the_deals_timeline(org, api, credited_deal):
    shares = [
        {"user": org.rep.pk, "seat": "ar", "pct": "70"},
        {"user": org.sr.pk, "seat": "sr", "pct": "30"},
    ]
    api(org.rep).post(
        "/api/v1/credit-splits/",
        {"opportunity": credited_deal.opportunity_id, "shares": shares, "reason": "why"},
        format="json",
    )
    timeline = api(org.manager).get(
        f"/api/v1/opportunities/{credited_deal.opportunity_id}/timeline/",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert timeline.status_code == 200, timeline.content
    assert "申请了新的获取分享比例" in timeline.content.decode()
