"""The gate-flow page in a real browser (issue 23.1): ECharts draws the flow from the page's
JSON block (no inline script), at 1440 px in both languages (the pictures for docs/gallery/),
and on a 390 px phone the page is never wider than the screen (the tables scroll in their box)."""

from __future__ import annotations

import pytest

from tests.insights.conftest import LOST, STOPPED, WON, write_trail

from .conftest import LANGUAGES, PHONE

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def flow(org):
    from insights.services import gate_flow_refresh
    from tests.factories import OpportunityFactory

    for trail in (WON, LOST, STOPPED):
        write_trail(OpportunityFactory(owner=org.rep), trail)
    gate_flow_refresh()


@pytest.mark.parametrize("language", LANGUAGES)
def test_gate_flow_page_in_a_browser(open_as, screenshot, org, flow, language):
    page = open_as(org.manager, language, WIDE)
    page.goto("/insights/gate-flow/")
    page.wait_for_selector(".flow-chart svg path")
    screenshot(page, "gate-flow-1440", full_page=False)
    phone = open_as(org.manager, language, PHONE)
    phone.goto("/insights/gate-flow/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
