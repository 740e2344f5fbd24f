"""In the browser, on a phone: an opportunity's timeline fits 390 px in both languages, "Show
more" and the filters swap the timeline in place (htmx), and the raw diff opens in place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.audit import audit_record
from core.timeline import PER_PAGE
from tests.factories import OpportunityFactory, team

from .conftest import LANGUAGES, PHONE

FITS = "el => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= 390"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_timeline_fits_a_phone_folds_and_filters(org, open_as, screenshot, language):
    from playwright.sync_api import expect

    opportunity = OpportunityFactory(
        owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), amount=Decimal("1000000")
    )
    for n in range(PER_PAGE + 3):
        audit_record(
            target=opportunity,
            action="updated",
            actor=org.rep if n % 2 else org.sr,
            comment=f"note {n} " + "长备注没有空格" * 12,
            changes={"amount": [str(n * 1000000), str((n + 1) * 1000000)]},
        )
    audit_record(
        target=opportunity,
        action="gate.assessed",
        actor=org.sr,
        changes={"gate": "atc", "seat": "sr", "verdict": "go", "revised": True, "risk": "low"},
    )
    page = open_as(org.manager, language=language, viewport=PHONE)
    page.goto(opportunity.get_absolute_url() + "#timeline")
    timeline = page.locator("#timeline")
    entries = timeline.locator("ol.timeline > li")
    assert entries.count() == PER_PAGE
    assert timeline.evaluate(FITS)
    timeline.locator("details.raw").first.locator("summary").click()
    assert timeline.evaluate(FITS)
    screenshot(page, f"phone-{language}")

    timeline.locator(".timeline-more a").click()
    expect(page.locator("#timeline ol.timeline > li")).to_have_count(PER_PAGE + 4)

    page.locator("#timeline .timeline-filters a").nth(2).click()  # gates
    expect(page.locator("#timeline ol.timeline > li")).to_have_count(1)
    assert "ATC" in page.locator("#timeline ol.timeline").inner_text()
    assert page.locator("#timeline").evaluate(FITS)
    screenshot(page, f"phone-gates-{language}")
