"""The pages: every one renders for the roles that use it, scoped to what they may see, forms
go through the services (errors on the form, never a 500), and Chinese is spoken."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from keyaccounts.models import AccountPlan, AccountProfile, SalesTarget
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/key-accounts/",
    "/key-accounts/criteria/",
    "/key-accounts/plans/",
    "/key-accounts/targets/",
    "/key-accounts/commitments/",
    "/key-accounts/renewals/",
    "/key-accounts/funnel/",
    "/key-accounts/pipeline/",
    "/key-accounts/presales/",
    "/key-accounts/collections/",
    "/key-accounts/plans/new/",
    "/key-accounts/commitments/new/",
    "/key-accounts/settings/",
    "/key-accounts/criteria/new/",
    "/key-accounts/targets/new/",
]


@pytest.mark.parametrize("who", ["rep", "sr", "manager", "finance", "admin"])
def test_every_page_renders_for_every_role(org, browser_client, who):
    client = browser_client(getattr(org, who))
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert client.get("/key-accounts/funnel/?org_unit=99999&quarter=9").status_code == 200


def test_home_customer_page_and_forms(org, browser_client, api):
    year = timezone.localdate().year
    customer = CustomerFactory(owner=org.rep, name="中国移动广东")
    manager = browser_client(org.manager)
    created = manager.post(
        "/key-accounts/targets/new/",
        {
            "year": year,
            "metric": "orders",
            "user": org.rep.pk,
            "currency": "CNY",
            "amount": "1200000",
            "split": "even",
        },
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    target = SalesTarget.objects.get()
    bad = manager.post(
        f"/key-accounts/targets/{target.pk}/adjust/",
        {**{f"m{m}": "100000" for m in range(1, 13)}, "reason": ""},
    )
    assert (
        bad.status_code == 200
        and "form-errors" in bad.content.decode()
        or "errorlist" in bad.content.decode()
    )
    assert manager.get(f"/key-accounts/targets/{target.pk}/").status_code == 200
    override = manager.post(
        f"/key-accounts/customers/{customer.pk}/tier/", {"tier": "strategic", "reason": "Flagship"}
    )
    assert override.status_code == 302
    assert AccountProfile.objects.get(customer=customer).tier_override == "strategic"

    rep = browser_client(org.rep)
    plan = rep.post(
        "/key-accounts/plans/new/",
        {
            "customer": customer.pk,
            "name": str(year),
            "starts_on": f"{year}-01-01",
            "ends_on": f"{year}-12-31",
            "currency": "CNY",
            "sr": org.sr.pk,
        },
    )
    assert plan.status_code == 302, plan.content.decode()[:2000]
    plan = AccountPlan.objects.get()
    assert (
        rep.post(
            f"/key-accounts/plans/{plan.pk}/targets/",
            {"product_line": "Optical", "target_amount": "100", "floor_amount": "200"},
        ).status_code
        == 200
    )  # floor above target: shown on the form
    assert (
        rep.post(
            f"/key-accounts/plans/{plan.pk}/actions/new/",
            {
                "title": "Visit the CTO",
                "owner": org.rep.pk,
                "due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            },
        ).status_code
        == 302
    )
    page = rep.get(f"/key-accounts/plans/{plan.pk}/").content.decode()
    assert "Visit the CTO" in page and 'data-chart="plan-chart"' in page
    assert "chart.umd.min.js" in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "an asset loads from elsewhere"
    customer_page = rep.get(f"/customers/{customer.pk}/").content.decode()
    assert "Key account" in customer_page and "Flagship" in customer_page
    home = rep.get("/").content.decode()
    assert "Targets this year" in home and "Visit the CTO" in home
    assert (
        browser_client(org.other_region_rep).get(f"/key-accounts/plans/{plan.pk}/").status_code
        == 404
    )


def test_pages_speak_chinese(org, browser_client):
    org.manager.language = "zh-hans"
    org.manager.save()
    page = browser_client(org.manager).get("/key-accounts/funnel/").content.decode()
    assert "销售漏斗" in page or "漏斗" in page
    assert "Stage-to-stage conversion" not in page
