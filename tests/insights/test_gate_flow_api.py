"""The gate flow through its API (issue 23.1, ADR 28): paths, loops, escalations and lost deals
from a crafted history; the viewer's scope in counts and drill-down; the filters."""

from __future__ import annotations

import pytest

from .conftest import DAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/gate-flow/"


def arrows(api, user, **params):
    response = api(user).get(URL, params)
    assert response.status_code == 200, response.content
    return {(a["from_node"], a["to_node"]): a for a in response.json()["arrows"]}


def test_paths_loops_escalations_and_lost_deals(api, org, history):
    body = api(org.admin).get(URL).json()
    flow = {(a["from_node"], a["to_node"]): a for a in body["arrows"]}
    first = flow[("stage:identified", "gate:ati")]
    assert (first["deals"], first["times"], first["won"]) == (3, 3, 1)
    assert first["conversion"] == 33.3
    # 1, 2 and 1 days: percentile_cont's median and p90 (interpolated: 1 + 0.8 days)
    assert first["median"] == pytest.approx(1 * DAY)
    assert first["p90"] == pytest.approx(1.8 * DAY)
    rework = flow[("gate:ati:hold", "gate:ati")]
    assert (rework["kind"], rework["times"], rework["median"]) == ("rework", 1, DAY)
    assert flow[("gate:atb", "gate:atb:escalated")]["kind"] == "escalation"
    assert flow[("gate:atb:escalated", "gate:atb:go")]["median"] == 3 * DAY
    assert flow[("stage:guiding", "stage:initiated")]["kind"] == "reversed"
    assert flow[("stage:initiated", "stage:lost")]["kind"] == "lost"
    assert flow[("gate:ati:stop", "stage:abandoned")]["deals"] == 1
    assert flow[("stage:negotiating", "gate:atc")]["conversion"] == 100.0
    assert {(r["left_from"], r["outcome"], r["deals"]) for r in body["lost"]} == {
        ("stage:initiated", "lost", 1),
        ("gate:ati:stop", "abandoned", 1),
    }
    paths = {tuple(p["nodes"]): p for p in body["paths"]}
    assert len(paths) == 3
    won = paths[
        (
            "stage:identified", "gate:ati", "gate:ati:hold", "gate:ati", "gate:ati:go",
            "stage:initiated", "stage:guiding", "stage:bidding", "gate:atb",
            "gate:atb:escalated", "gate:atb:go", "stage:bid_submitted", "stage:negotiating",
            "gate:atc", "gate:atc:go",
        )
    ]  # fmt: skip
    assert (won["deals"], won["won"], won["conversion"]) == (1, 1, 100.0)
    nodes = {n["from_node"]: n for n in body["nodes"]}
    assert nodes["gate:ati"]["times"] == 4  # the rework loop passes the gate twice
    assert body["refreshed_at"]


def test_a_rep_of_another_team_counts_and_sees_only_their_deals(api, org, history):
    theirs = arrows(api, org.other_team_rep)
    assert theirs[("stage:identified", "gate:ati")]["deals"] == 1
    assert ("gate:ati:hold", "gate:ati") not in theirs
    ours = arrows(api, org.rep)
    assert ours[("stage:identified", "gate:ati")]["deals"] == 2
    assert ("gate:ati:stop", "stage:abandoned") not in ours
    params = {"from": "stage:identified", "to": "gate:ati"}
    seen = api(org.other_team_rep).get(URL + "deals/", params).json()["results"]
    assert [d["id"] for d in seen] == [history["stopped"].pk]
    seen = api(org.rep).get(URL + "deals/", params).json()["results"]
    assert {d["id"] for d in seen} == {history["won"].pk, history["lost"].pk}
    assert api(org.rep).get(URL + "deals/", params | {"page_size": 1}).json()["next"]


def test_the_filters(api, org, history):
    key = ("stage:identified", "gate:ati")
    assert arrows(api, org.admin, product_line="IoT")[key]["deals"] == 2
    assert arrows(api, org.admin, tier="strategic")[key]["deals"] == 1
    assert arrows(api, org.admin, amount_min="2000000")[key]["deals"] == 1
    assert arrows(api, org.admin, amount_max="2000000")[key]["deals"] == 2
    assert arrows(api, org.admin, org_unit=org.gd_gov.pk)[key]["deals"] == 1
    assert arrows(api, org.admin, org_unit=org.gd.pk)[key]["deals"] == 3
    # Arrows taken on 4 March: the lost deal's first step only (the others' on 3 March).
    assert arrows(api, org.admin, date_from="2026-03-04", date_to="2026-03-04")[key]["deals"] == 1
    assert arrows(api, org.admin, date_from="2026-03-03", date_to="2026-03-03")[key]["deals"] == 2
    assert arrows(api, org.admin, date_from="2027-01-01") == {}
    for name, value in [
        ("tier", "gold"),
        ("amount_min", "x"),
        ("date_to", "3.3."),
        ("org_unit", "0"),
    ]:
        response = api(org.admin).get(URL, {name: value})
        assert response.status_code == 400
        assert list(response.json()["fields"]) == [name]
    response = api(org.admin).get(URL + "deals/", {"from": "stage:identified"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["to"]
