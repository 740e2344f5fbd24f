"""The gate-flow page (ADR 28): the tables in both languages, the drill-down, the filters' errors
on the form, and the menu entry named as the page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/insights/gate-flow/"


@pytest.mark.parametrize(
    ("language", "title", "rework"),
    [("en", "Gate flow", "Rework"), ("zh-hans", "决策点流向", "返工")],
)
def test_the_page_in_both_languages(client, org, history, language, title, rework):
    client.force_login(org.manager)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<h1>{title}</h1>" in page
    assert f'href="{URL}"' in page  # the menu entry
    assert rework in page
    assert 'id="gate-flow-data" type="application/json"' in page
    assert "vendor/echarts/echarts.min.js" in page


def test_the_deals_behind_an_arrow_within_scope(client, org, history):
    client.force_login(org.other_team_rep)
    page = client.get(URL, {"from": "stage:identified", "to": "gate:ati"}).content.decode()
    assert history["stopped"].number in page
    assert history["won"].number not in page


def test_a_bad_filter_is_a_form_error(client, org, history):
    client.force_login(org.manager)
    response = client.get(URL, {"amount_min": "-5"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount_min"]
