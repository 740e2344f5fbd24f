"""The role homes in a real browser: each chart is drawn (a canvas with pixels) with its
numbers in a table beside it, and the page fits a 1440 px laptop and a 390 px phone, in both
languages."""

import pytest

from tests.factories import OpportunityFactory

from .conftest import LANGUAGES, PHONE

WIDE = {"width": 1440, "height": 900}
WIDTHS = {"laptop": WIDE, "phone": PHONE}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ["manager", "director", "finance"])
def test_a_role_home_draws_its_charts_and_fits_the_screen(
    org, open_as, screenshot, role, width, language
):
    OpportunityFactory(owner=org.rep, state="negotiating")
    page = open_as(getattr(org, role), language, WIDTHS[width])
    page.goto("/")
    page.wait_for_function("() => window.Chart !== undefined")
    canvases = page.locator("canvas[data-chart^=home-]")
    assert canvases.count() >= 1
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart^="home-"]')]
              .every(c => c.width > 0 && window.Chart.getChart(c) !== undefined)"""
    )
    assert drawn
    # every chart has its numbers next to it, in a table
    # app.js boxes every list table in a scroll box with its cue
    numbers = page.locator("figure.chart + script + .scroll-cue table.list")
    assert numbers.count() == canvases.count()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the screen"
    screenshot(page, "home")
