"""Colours mean the same on every chart (issue 19.7): green a gain (won, new), red a loss
(lost, churned), and the other series never take either."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CHARTS_JS = Path(__file__).resolve().parents[2] / "keyaccounts/static/keyaccounts/charts.js"
GREEN, RED = "#1d7a46", "#c7202f"


def charts_on(html: str) -> list[dict]:
    return [
        json.loads(body)
        for body in re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html)
    ]


@pytest.mark.django_db
def test_the_renewals_chart_shows_new_as_a_gain_and_churn_as_a_loss(org, client):
    client.force_login(org.manager)
    page = client.get("/key-accounts/renewals/")
    assert page.status_code == 200
    tones = {d["label"]: d["tone"] for c in charts_on(page.content.decode()) for d in c["datasets"]}
    assert tones["New"] == "gain" and tones["Churned"] == "loss"
    assert tones["Recurring"] == ""


def test_the_drawing_gives_each_tone_its_colour_and_keeps_red_and_green_for_them():
    source = CHARTS_JS.read_text()
    tones = re.search(r"var tones = \{([^}]*)\}", source).group(1)
    assert f'gain: "{GREEN}"' in tones and f'loss: "{RED}"' in tones
    palette = re.search(r"var palette = \[([^\]]*)\]", source).group(1)
    assert GREEN not in palette and RED not in palette
    assert "tones[d.tone] || palette" in source
