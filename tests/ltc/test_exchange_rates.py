"""Exchange rates (issue 23.5, ADR 30): one per day and pair in the database, the latest earlier
rate or the inverse, kept by admins and finance (API, page, import), and totals converted into
a reporting currency that say at which rates and which currencies had none."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import ImportIssue
from core.models import AuditEvent
from core.rates import ExchangeRate, exchange_rate_create, rate_on
from tests.factories import OpportunityFactory
from tests.receivables.conftest import make_contract, pct_plan  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate  # called: a run may cross midnight in the site's time zone
DAY = dt.timedelta(days=1)
URL = "/api/v1/exchange-rates/"


def rate(by, day, base, quote, value):
    return exchange_rate_create(
        by=by, data={"date": day, "base": base, "quote": quote, "rate": Decimal(value)}
    )


def test_rate_on_takes_the_latest_earlier_rate_the_inverse_or_goes_through_cny(org):
    rate(org.finance, TODAY() - 10 * DAY, "USD", "CNY", "7.0")
    rate(org.finance, TODAY() - 2 * DAY, "USD", "CNY", "7.2")
    rate(org.finance, TODAY() - 5 * DAY, "EUR", "CNY", "8.0")
    assert rate_on("USD", "CNY", TODAY()) == Decimal("7.2")
    assert rate_on("USD", "CNY", TODAY() - 3 * DAY) == Decimal("7.0")
    assert rate_on("USD", "CNY", TODAY() - 11 * DAY) is None
    assert rate_on("CNY", "USD", TODAY()).quantize(Decimal("0.0001")) == Decimal("0.1389")
    assert rate_on("EUR", "USD", TODAY()).quantize(Decimal("0.0001")) == Decimal("1.1111")
    assert rate_on("JPY", "CNY", TODAY()) is None
    # A newer inverse rate wins over an older direct one.
    rate(org.finance, TODAY() - DAY, "CNY", "USD", "0.125")
    assert rate_on("USD", "CNY", TODAY()) == Decimal(8)


def test_the_api_one_rate_per_day_and_pair_audited_reps_read_only(org, api):
    finance, rep = api(org.finance), api(org.rep)
    body = {"date": str(TODAY()), "base": "USD", "quote": "CNY", "rate": "7.12345678"}
    created = finance.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["source"] == "api"
    twin = finance.post(URL, {**body, "rate": "7.2"}, format="json")
    assert twin.status_code == 400 and twin.json()["code"] == "duplicate_exchange_rate"
    assert "date" in twin.json()["fields"]
    assert finance.post(URL, {**body, "rate": "-1"}, format="json").status_code == 400
    same = finance.post(URL, {**body, "quote": "USD"}, format="json")
    assert same.status_code == 400, same.json()
    assert ExchangeRate.objects.count() == 1

    assert rep.post(URL, {**body, "date": str(TODAY() - DAY)}, format="json").status_code == 403
    pk = created.json()["id"]
    assert rep.patch(f"{URL}{pk}/", {"rate": "1"}, format="json").status_code == 403
    listed = rep.get(URL, {"base": "USD", "quote": "CNY", "date_from": str(TODAY() - DAY)})
    assert listed.status_code == 200
    assert [r["rate"] for r in listed.json()["results"]] == ["7.12345678"]
    assert rep.get(URL, {"date_to": str(TODAY() - DAY)}).json()["results"] == []

    changed = api(org.admin).patch(f"{URL}{pk}/", {"rate": "7.3"}, format="json")
    assert changed.status_code == 200, changed.json()
    event = AuditEvent.objects.filter(target_id=pk, action="updated").get()
    assert event.changes["rate"] == ["7.12345678", "7.30000000"]

    bulk = finance.post(
        f"{URL}bulk-upsert/",
        {
            "items": [
                {**body, "rate": "7.3"},
                {**body, "rate": "7.4", "date": str(TODAY() - DAY)},
                {**body, "base": "EUR", "rate": "8.1", "source": "ecb"},
            ]
        },
        format="json",
    )
    assert bulk.status_code == 200, bulk.json()
    assert [r["result"] for r in bulk.json()["results"]] == ["unchanged", "created", "created"]
    assert ExchangeRate.objects.get(base="EUR").source == "ecb"
    assert rep.post(f"{URL}bulk-upsert/", {"items": [body]}, format="json").status_code == 403


def test_the_funnel_converts_its_cohort_saying_at_which_rates_and_what_is_missing(org, api):
    for amount, currency in (("1000000", "CNY"), ("100000", "USD"), ("50000", "EUR")):
        OpportunityFactory(
            owner=org.rep,
            amount=Decimal(amount),
            currency=currency,
            expected_close_date=TODAY() + 30 * DAY,
        )
    rate(org.finance, TODAY() - 30 * DAY, "USD", "CNY", "7")
    url = "/api/v1/dashboards/funnel/"
    body = api(org.manager).get(url).json()
    amount = body["converted"]["amount"]
    assert amount["currency"] == "CNY" and amount["rates_basis"] == "rates_of_day"
    assert amount["rates_of"] == str(TODAY())
    assert Decimal(amount["amount"]) == Decimal("1700000.00")
    assert amount["missing_currencies"] == ["EUR"] and amount["complete"] is False

    in_usd = api(org.manager).get(url, {"convert_to": "USD"}).json()["converted"]["amount"]
    assert Decimal(in_usd["amount"]) == Decimal("242857.14")  # 1,000,000 / 7 + 100,000

    rate(org.finance, TODAY() + 20 * DAY, "USD", "CNY", "8")  # by the deals' close date
    dated = api(org.manager).get(url, {"rates_at": "record"}).json()["converted"]["amount"]
    assert dated["rates_basis"] == "record_dates" and dated["rates_of"] is None
    assert Decimal(dated["amount"]) == Decimal("1800000.00")

    page = api(org.manager)
    page.force_login(org.manager)
    html = page.get("/key-accounts/funnel/").content.decode()
    shown = date_format(TODAY(), "SHORT_DATE_FORMAT")  # the reader's date, as every page shows
    assert "at rates of " + shown in html and "EUR" in html


def test_the_ageing_totals_convert_at_the_day_or_at_each_due_date(org, api, make_contract):  # noqa: F811
    make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))
    make_contract(
        amount="500.00",
        currency="USD",
        plan=pct_plan(("down_payment", 100, "on_signing", 0)),
        signed_on=TODAY() - 40 * DAY,
    )
    make_contract(
        amount="100.00", currency="JPY", plan=pct_plan(("down_payment", 100, "on_signing", 0))
    )
    rate(org.finance, TODAY() - 60 * DAY, "USD", "CNY", "7")
    rate(org.finance, TODAY() - 5 * DAY, "USD", "CNY", "7.2")
    url = "/api/v1/receivables/ageing/"
    today = api(org.finance).get(url).json()["converted"]
    assert Decimal(today["total"]["amount"]) == Decimal("4600.00")  # 1000 + 500 × 7.2
    assert Decimal(today["overdue"]["amount"]) == Decimal("3600.00")
    assert today["total"]["missing_currencies"] == ["JPY"]
    dated = api(org.finance).get(url, {"rates_at": "record"}).json()["converted"]
    assert Decimal(dated["total"]["amount"]) == Decimal("4500.00")  # 500 due 40 days ago × 7
    assert dated["total"]["rates_basis"] == "record_dates"


def test_a_csv_of_rates_imports_naming_its_bad_rows(org, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    rate(org.finance, TODAY() - DAY, "USD", "CNY", "7")
    rows = [
        ["日期", "基准货币", "报价货币", "汇率", "来源"],
        [str(TODAY() - DAY), "usd", "CNY", "7.25", ""],  # changes the stored rate
        [str(TODAY()), "EUR", "CNY", "7.9", "ecb"],
        [str(TODAY()), "XXX", "CNY", "1"],  # no such currency
        [str(TODAY()), "HKD", "CNY", "-0.9"],  # not positive
        ["yesterday", "GBP", "CNY", "9.1"],  # not a date
        [str(TODAY()), "EUR", "CNY", "8.0"],  # repeats row 3
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    upload = SimpleUploadedFile("rates.csv", buffer.getvalue().encode())
    started = api(org.finance).post(
        "/api/v1/imports/", {"kind": "exchange_rates", "file": upload}, format="multipart"
    )
    assert started.status_code == 201, started.json()
    job = started.json()
    issues = {i.row: i.messages for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert set(issues) == {4, 5, 6, 7}, issues
    assert "base" in issues[4] and "rate" in issues[5] and "date" in issues[6]
    assert "duplicate" in issues[7]
    done = api(org.finance).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"})
    assert done.status_code == 200, done.json()
    assert rate_on("USD", "CNY", TODAY()) == Decimal("7.25")
    assert ExchangeRate.objects.get(base="EUR").source == "ecb"

    rep_upload = SimpleUploadedFile("rates.csv", buffer.getvalue().encode())
    refused = api(org.rep).post(
        "/api/v1/imports/", {"kind": "exchange_rates", "file": rep_upload}, format="multipart"
    )
    assert refused.status_code == 403


def test_finance_works_on_its_own_imports_not_on_the_reps_of_its_region(org, api):
    """Finance commits the rate imports it started (above), through the policy's owner path;
    a rep's customer import in finance's region stays out of its reach."""
    from accounts.models import ImportJob

    reps = ImportJob.objects.create(
        kind="customers",
        file_name="customers.csv",
        file_format="csv",
        status="validated",
        created_by=org.rep,
        org_unit=org.rep.org_unit,
    )
    assert api(org.finance).get(f"/api/v1/imports/{reps.pk}/").status_code == 404
    listed = api(org.finance).get("/api/v1/imports/").json()
    assert reps.pk not in [row["id"] for row in listed["results"]]
    refused = api(org.finance).post(f"/api/v1/imports/{reps.pk}/commit/", {"mode": "valid"})
    assert refused.status_code == 404
    assert api(org.manager).get(f"/api/v1/imports/{reps.pk}/").status_code == 200


def test_the_settings_page_in_both_languages_for_finance_not_for_reps(org, client):
    client.force_login(org.rep)
    assert client.get("/settings/exchange-rates/").status_code == 403
    client.force_login(org.finance)
    page = client.get("/settings/exchange-rates/").content.decode()
    assert "Exchange rates" in page and "Upload a file of rates" in page
    form = {"date": str(TODAY()), "base": "USD", "quote": "CNY", "rate": "7.1"}
    assert client.post("/settings/exchange-rates/", form).status_code == 302
    again = client.post("/settings/exchange-rates/", {**form, "rate": "7.2"})
    assert again.status_code == 200 and "One rate per day" in again.content.decode()
    assert ExchangeRate.objects.get().rate == Decimal("7.1")

    org.finance.language = "zh-hans"
    org.finance.save()
    page = client.get("/settings/exchange-rates/").content.decode()
    assert "汇率" in page and "上传汇率文件" in page
    assert "Exchange rates" not in page and "Upload a file of rates" not in page
