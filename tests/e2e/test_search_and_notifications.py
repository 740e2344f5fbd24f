"""In the browser: global search answers as one types (htmx) within the user's scope, and a
notification is marked read in place, the header's unread count following without a reload."""

from __future__ import annotations

import pytest

from core.messages import message
from core.models import Notification
from core.notifications import notify
from tests.factories import LeadFactory, OpportunityFactory

from .conftest import LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_as_you_type_finds_only_what_the_rep_may_see(org, open_as, screenshot, language):
    mine = OpportunityFactory(owner=org.teammate, name="Nansha terminal automation")
    theirs = OpportunityFactory(owner=org.other_team_rep, name="Nansha district cameras")
    page = open_as(org.rep, language)
    page.goto("/")
    page.locator("#global-search").fill("Nansha")
    with page.expect_navigation():
        page.locator("#global-search").press("Enter")
    assert page.locator(f'#search-results a[href="{mine.get_absolute_url()}"]').count() == 1
    assert page.locator(f'a[href="{theirs.get_absolute_url()}"]').count() == 0
    with page.expect_response(lambda r: "/search/?" in r.url and "terminal" in r.url):
        page.locator("#search-page-q").fill("Nansha terminal")
    page.wait_for_selector(f'#search-results a[href="{mine.get_absolute_url()}"]')
    screenshot(page, "results")


def test_a_notification_is_marked_read_in_place(org, open_as, screenshot):
    lead = LeadFactory(owner=org.rep, title="Port cranes")
    for title in ("Lead assigned to you", "Gate review waiting"):
        news = message("lead.assigned", lead=title)
        notify(recipients=[org.rep], kind="test", message=news, target=lead)
    page = open_as(org.rep)
    page.goto("/notifications/")
    assert page.locator("#unread-badge .count").inner_text() == "2"
    first = Notification.objects.filter(recipient=org.rep).order_by("pk").first()
    row = page.locator(f"#notification-{first.pk}")
    with page.expect_response(lambda r: "/notifications/badge/" in r.url):
        row.locator("button.small").click()
    page.wait_for_function("document.querySelector('#unread-badge .count')?.textContent === '1'")
    assert row.locator(".badge.info").count() == 0
    first.refresh_from_db()
    assert first.read_at is not None
    screenshot(page, "marked-read")
    with page.expect_navigation():
        page.locator(f"#notification-{first.pk} button.link").click()
    assert page.url.endswith(lead.get_absolute_url())
