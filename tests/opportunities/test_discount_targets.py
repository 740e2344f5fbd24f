"""Discount targets (折扣目标, issue 21.4): administrators set the deepest average discount off
list a product line's quotes should reach in a year; the price post-mortem reads each
product's achieved discount against its line's target; bad input is a 400 naming the field."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import AuditEvent
from opportunities.models import DiscountTarget

from .conftest import line
from .test_agreement_prices import _submit_quote

pytestmark = pytest.mark.django_db
URL = "/api/v1/discount-targets/"
YEAR = timezone.localdate().year


def test_administrators_set_a_target_and_setting_it_again_replaces_it(org, api):
    body = {"product_line": "Network", "year": YEAR, "max_discount_pct": "5"}
    assert api(org.rep).post(URL, body, format="json").status_code == 403
    assert api(org.manager).post(URL, body, format="json").status_code == 403
    created = api(org.admin).post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    again = api(org.admin).post(URL, {**body, "max_discount_pct": "7.5"}, format="json")
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    target = DiscountTarget.objects.get()
    assert str(target.max_discount_pct) == "7.50"
    assert AuditEvent.objects.filter(target_id=target.pk, action="updated").exists()
    listed = api(org.rep).get(URL).json()["results"]
    assert [(t["product_line"], t["max_discount_pct"]) for t in listed] == [("Network", "7.50")]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"max_discount_pct": "120"}, "max_discount_pct"),
        ({"max_discount_pct": "-1"}, "max_discount_pct"),
        ({"year": 1899}, "year"),
        ({"product_line": ""}, "product_line"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(org, api, change, field):
    body = {"product_line": "Network", "year": YEAR, "max_discount_pct": "5", **change}
    response = api(org.admin).post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not DiscountTarget.objects.exists()


def test_the_post_mortem_reads_the_discount_against_the_lines_target(
    org, api, browser_client, opportunity, products
):
    DiscountTarget.objects.create(product_line="Network", year=YEAR, max_discount_pct=5)
    quote = _submit_quote(api, org.rep, opportunity, [line(products["router"], "2", "8")], "z")
    api(org.manager).post(
        f"/api/v1/quotes/{quote.json()['id']}/decision/",
        {"decision": "approve", "reason": "ok"},
        format="json",
    )
    [row] = api(org.manager).get("/api/v1/agreement-prices/post-mortem/").json()
    assert row["discount_pct"] == "8.00" and row["target_discount_pct"] == "5.00"
    assert row["within_target"] is False
    page = browser_client(org.manager).get("/opportunities/price-post-mortem/").content.decode()
    assert "beyond the target" in page and "Set the target" not in page  # not an admin


def test_an_administrator_sets_a_target_on_the_page(org, browser_client):
    client = browser_client(org.admin)
    page = client.get("/opportunities/price-post-mortem/").content.decode()
    assert "Set the target" in page
    bad = client.post(
        "/opportunities/price-post-mortem/",
        {"product_line": "Network", "year": YEAR, "max_discount_pct": "150"},
    )
    assert bad.status_code == 200 and not DiscountTarget.objects.exists()
    done = client.post(
        "/opportunities/price-post-mortem/",
        {"product_line": "Network", "year": YEAR, "max_discount_pct": "6"},
    )
    assert done.status_code == 302
    assert DiscountTarget.objects.get().max_discount_pct == 6
    rep = browser_client(org.rep).post(
        "/opportunities/price-post-mortem/",
        {"product_line": "Storage", "year": YEAR, "max_discount_pct": "6"},
    )
    assert rep.status_code in (302, 200, 403)
    assert not DiscountTarget.objects.filter(product_line="Storage").exists()
