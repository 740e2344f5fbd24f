"""Channel reports (issue 21.7) through the API, the pages and the CSV export: pipeline and
revenue by partner and tier, registration conversion, target attainment, rebate liability;
each over what the reader may see. And the rebate pages, in Chinese, with the journey "the
deal is won, the rebate accrues" from the scheme form to the statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from channels.models import RebateStatement
from channels.tasks import rebate_statements_close
from tests.ltc.test_pages_in_chinese import english_messages, untranslated

from .conftest import make_agreement, post_scheme, this_year

pytestmark = pytest.mark.django_db
REPORTS = "/api/v1/channel-reports/"


@pytest.fixture
def sales(org, api, partner, agreement, scheme, sell):
    """The agent booked 600,000 and 500,000 this year (target 5,000,000), and has an open
    opportunity of 1,000,000."""
    from tests.factories import OpportunityFactory

    sell(partner, "600000")
    sell(partner, "500000")
    OpportunityFactory(owner=org.rep, org_unit=org.gd_carrier, partner=partner)
    return partner


def test_pipeline_and_revenue_by_partner_and_by_tier(org, api, sales):
    rows = api(org.rep).get(f"{REPORTS}pipeline/").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["partner"] == sales.pk and row["tier"] == "agent" and row["currency"] == "CNY"
    assert row["open_count"] == 1 and row["open_amount"] == "1000000.00"
    assert row["booked_amount"] == "1100000.00" and row["cash_amount"] == "0.00"
    by_tier = api(org.rep).get(f"{REPORTS}pipeline/", {"by": "tier"}).json()
    assert [(r["tier"], r["booked_amount"]) for r in by_tier] == [("agent", "1100000.00")]
    assert api(org.rep).get(f"{REPORTS}pipeline/", {"by": "nope"}).status_code == 400
    assert api(org.other_region_manager).get(f"{REPORTS}pipeline/").json() == []


def test_target_attainment_and_rebate_liability(org, api, sales):
    targets = api(org.rep).get(f"{REPORTS}targets/", {"year": this_year()}).json()
    assert targets == [
        {
            "partner": sales.pk,
            "partner_name": sales.name,
            "tier": "agent",
            "currency": "CNY",
            "target_amount": "5000000.00",
            "booked_amount": "1100000.00",
            "attainment_pct": "22.00",
        }
    ]
    liability = api(org.finance).get(f"{REPORTS}rebate-liability/").json()
    assert liability[0]["accrued_amount"] == "33000.00"
    assert liability[0]["settled_amount"] == "0.00"
    assert liability[0]["liability_amount"] == "33000.00"
    assert api(org.other_team_rep).get(f"{REPORTS}rebate-liability/").json() == []


def test_registration_conversion(org, api, partner, customer):
    from partners.services import partner_registration_submit

    partner_registration_submit(
        by=org.rep,
        partner=partner,
        customer=customer,
        project="Campus 5G",
        product_line="5G",
        estimated_amount=Decimal("100000"),
    )
    rows = api(org.rep).get(f"{REPORTS}registrations/").json()
    assert rows[0]["submitted"] == 1 and rows[0]["approved"] == 0
    assert rows[0]["converted"] == 0 and rows[0]["conversion_pct"] == "0.00"


def test_the_reports_export_as_csv(org, browser_client, sales):
    client = browser_client(org.rep)
    response = client.get(f"/channels/reports/pipeline.csv?year={this_year()}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Yunlian Tech" in text and "1100000.00" in text
    liability = client.get("/channels/reports/rebate-liability.csv")
    assert "33000.00" in b"".join(liability.streaming_content).decode("utf-8-sig")
    assert client.get("/channels/reports/other.csv").status_code == 404


def test_the_channel_pages_read_in_chinese(org, browser_client, sales):
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    client = browser_client(org.rep)
    statement = RebateStatement.objects.get()
    english = english_messages()
    try:
        for url in (
            "/channels/",
            "/channels/schemes/",
            "/channels/statements/",
            statement.get_absolute_url(),
            statement.scheme.get_absolute_url(),
            f"/channels/partners/{sales.pk}/",
            "/channels/schemes/new/",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert not untranslated(response.content.decode(), english), url
        partner_page = client.get(sales.get_absolute_url()).content.decode()
        assert f"/channels/partners/{sales.pk}/" in partner_page
        assert "返利" in client.get("/channels/").content.decode()
    finally:
        translation.activate("en")


def test_the_deal_is_won_the_rebate_accrues(org, browser_client, partner, sell):
    """The journey: a manager attaches a scheme on the page, a deal through the partner is
    won and its contract signed, the statement shows the rebate; once issued, finance settles
    it on its page."""
    agreement = make_agreement(org, partner, this_year() - 1)
    manager = browser_client(org.manager)
    response = manager.post(
        "/channels/schemes/new/",
        {
            "agreement": agreement.pk,
            "name": "季度阶梯返利",
            "measure": "volume",
            "period": "quarter",
            "basis": "booked",
            "tiers": "0, 1000000, 2%\n1000000, , 3%",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sell(partner, "1200000", on=dt.date(this_year() - 1, 8, 1))
    statement = RebateStatement.objects.get()
    page = manager.get(statement.get_absolute_url()).content.decode()
    assert "36,000.00" in page
    rebate_statements_close()
    finance = browser_client(org.finance)
    settle = finance.post(
        f"/channels/statements/{statement.pk}/settle/",
        {"method": "payment", "reference": "PAY-2025-9"},
    )
    assert settle.status_code == 302
    statement.refresh_from_db()
    assert statement.state == "settled" and statement.settlement_reference == "PAY-2025-9"


def test_overlapping_tiers_on_the_form_name_the_conflict(org, browser_client, partner):
    agreement = make_agreement(org, partner, this_year())
    response = browser_client(org.manager).post(
        "/channels/schemes/new/",
        {
            "agreement": agreement.pk,
            "name": "Overlap",
            "measure": "volume",
            "period": "year",
            "basis": "booked",
            "tiers": "0, 1000000, 2%\n900000, , 3%",
        },
    )
    assert response.status_code == 200
    assert "Tiers 1 [0, 1000000) and 2 [900000, ∞) overlap." in response.content.decode()
    assert post_scheme  # the API refuses the same (test_rebates)


def test_the_demo_has_a_scheme_with_an_accrual(settings, tmp_path):
    import io

    from django.core.management import call_command

    from channels.models import RebateAccrual, RebateScheme

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", password="demo-pass-12345", stdout=io.StringIO())
    scheme = RebateScheme.objects.get()
    assert scheme.tiers.count() == 3
    line = RebateAccrual.objects.get(kind="booking")  # (its contract may be amended later)
    assert line.period.partner == scheme.agreement.partner and line.amount > 0
    assert sum(a.amount for a in RebateAccrual.objects.all()) > 0
