"""The partner's rebates in the portal (issue 21.3 with 21.5): a partner user reads their own
partner's statements once issued — not the drafts still accruing, not another partner's —
on a page of the portal's navigation, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest

from channels.tasks import rebate_statements_close
from tests.channels.conftest import make_agreement, post_scheme, sell, this_year

pytestmark = pytest.mark.django_db
__all__ = ["sell"]


@pytest.fixture
def sold(org, api, partner, other_partner, sell):  # noqa: F811
    for who in (partner, other_partner):
        agreement = make_agreement(org, who, this_year() - 1)
        assert post_scheme(api, org.manager, agreement).status_code == 201
    sell(partner, "400000", on=dt.date(this_year() - 1, 5, 10))
    sell(other_partner, "700000", on=dt.date(this_year() - 1, 5, 10))


def test_a_partner_user_reads_their_issued_statements_only(
    org, api, partner, other_partner, lin, sold, browser_client
):
    client = browser_client(lin)
    page = client.get("/portal/rebates/").content.decode()
    assert "8,000.00" not in page  # the draft stays ours until issued
    assert 'href="/portal/rebates/"' in client.get("/portal/").content.decode()

    rebate_statements_close()
    page = client.get("/portal/rebates/").content.decode()
    assert "400,000.00" in page and "8,000.00" in page  # 2 % of the quarter's sales
    assert "700,000.00" not in page  # the other partner's

    rows = api(lin).get("/api/v1/portal/rebates/").json()
    assert [(r["volume"], r["amount"]) for r in rows if r["amount"] != "0.00"] == [
        ("400000.00", "8000.00")
    ]
    assert api(org.rep).get("/api/v1/portal/rebates/").status_code == 403

    lin.language = "zh-hans"
    lin.save(update_fields=["language"])
    page = browser_client(lin).get("/portal/rebates/").content.decode()
    assert "返利" in page and "8,000.00" in page


def test_our_staff_do_not_open_the_portal_page(org, sold, browser_client):
    assert browser_client(org.rep).get("/portal/rebates/").status_code == 403
