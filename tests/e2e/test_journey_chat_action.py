"""The decision link of a chat message, in a phone's browser (issue 22.2, ADR 24): the rep asks
for a special price, the manager's Feishu message carries the link, the manager opens it on a
390 px phone without a session, signs in, lands back on the one-decision page and approves; the
same link opened again shows the used-link page."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import pytest

from messaging.models import ChatChannel
from opportunities.models import PricingRule, Product, Quote
from tests.factories import OpportunityFactory, team
from tests.messaging.receiver import Receiver, channel_settings
from tests.opportunities.conftest import create_quote, line

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def vendor():
    made = Receiver()
    yield made
    made.close()


def test_the_manager_approves_a_special_price_from_the_chat_message_on_a_phone(
    org,
    api,
    browser,
    live_server,
    vendor,
    screenshot,
):
    ChatChannel.objects.create(
        kind="feishu_bot", name="Sales", **channel_settings(vendor.base)["feishu_bot"]
    )
    PricingRule.objects.create(org_unit=org.gd, role="sales_rep", max_discount_pct=Decimal("5"))
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    router = Product.objects.create(
        code="RT-100",
        name="Core router",
        product_line="Network",
        list_price=Decimal("100000.00"),
        cost=Decimal("60000.00"),
        currency="CNY",
        tax_rate_pct=Decimal("13"),
    )
    quote = create_quote(api, org.rep, opportunity, [line(router, "10", "20")]).json()
    submitted = api(org.rep).post(
        f"/api/v1/quotes/{quote['id']}/submit/", {"justification": "Competitor"}, format="json"
    )
    assert submitted.json()["state"] == "pending_approval"
    [message] = vendor.sent("/feishu/hook/")
    card = message["body"]["card"]
    [button] = [a for e in card["elements"] if e["tag"] == "action" for a in e["actions"]]
    link = urlparse(button["url"]).path

    org.manager.set_password("pass-1234-word")
    org.manager.save()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(link)  # no session: the sign-in first
        assert "/login/" in page.url
        page.locator("input[name=username]").fill("manager")
        page.locator("input[name=password]").fill("pass-1234-word")
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) button[type=submit]").click()
        assert urlparse(page.url).path == link, "back on the decision page"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "1-decide", full_page=False)
        assert Quote.objects.get(pk=quote["id"]).state == "pending_approval"

        page.locator("input[name=decision][value=approve]").check()
        page.locator("textarea[name=comment]").fill("Strategic account")
        with page.expect_navigation():
            page.locator("form button[type=submit].primary").last.click()
        assert page.locator("h1", has_text="Decided").is_visible()
        assert Quote.objects.get(pk=quote["id"]).state == "approved"

        replay = page.goto(link)
        assert replay.status == 410
        assert page.locator("h1", has_text="This link cannot be used").is_visible()
        screenshot(page, "2-used", full_page=False)
    finally:
        context.close()
