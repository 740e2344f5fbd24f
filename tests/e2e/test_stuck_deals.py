"""Where deals are stuck, in a real browser (issue 19.6): the stage progress bar fits a 390 px
phone in both languages, and a click on a funnel bar opens the deals behind it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.factories import OpportunityFactory, team

from .conftest import LANGUAGES, PHONE


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_stage_progress_bar_fits_a_phone(open_as, screenshot, org, language):
    deal = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    page = open_as(org.rep, language, PHONE)
    page.goto(deal.get_absolute_url())
    bar = page.locator("nav.stage-progress")
    assert bar.locator("ol > li").count() == 10  # seven stages on the way to won, three gates
    assert bar.locator('li[aria-current="step"]').count() == 1
    fits = bar.evaluate(
        "nav => nav.scrollWidth <= nav.clientWidth && nav.getBoundingClientRect().right <= 390"
    )
    assert fits
    screenshot(page, "opportunity-progress")


def test_a_click_on_a_funnel_bar_opens_its_deals(open_as, screenshot, org):
    deal = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    page = open_as(org.manager)
    page.goto(f"/key-accounts/funnel/?year={timezone.localdate().year}")
    canvas = page.locator('canvas[data-chart="funnel-chart"]')
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector("
        "'canvas[data-chart=\"funnel-chart\"]'))"
    )
    # The first bar is the first stage (identified), where the deal is.
    x, y = canvas.evaluate(
        """canvas => {
          const bar = Chart.getChart(canvas).getDatasetMeta(0).data[0];
          return [(bar.x + bar.base) / 2, bar.y];
        }"""
    )
    screenshot(page, "funnel")
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r"/opportunities/\?state=identified&"))
    assert deal.number in page.content()
