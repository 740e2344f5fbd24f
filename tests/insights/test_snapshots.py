"""The unfiltered flow of the whole company and of each org subtree is a snapshot taken at the
rollup's refresh (ADR 28): the same figures the live aggregate gives, as of `refreshed_at`,
for administrators and managers alike; any other filter reads the rollup rows live."""

from __future__ import annotations

import pytest

from tests.factories import OpportunityFactory

from .conftest import WON, write_trail

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/gate-flow/"
#: A period that holds every arrow: the same figures, read live from the rollup rows.
LIVE = {"date_from": "2000-01-01"}
KEY = ("stage:identified", "gate:ati")


def flow(api, user, **params):
    response = api(user).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def deals_on_first_arrow(body) -> int:
    return next((a["deals"] for a in body["arrows"] if (a["from_node"], a["to_node"]) == KEY), 0)


@pytest.mark.parametrize("who", ["admin", "manager", "director"])
def test_the_snapshot_equals_the_live_aggregate(api, org, history, who):
    user = getattr(org, who)
    snapshot, live = flow(api, user), flow(api, user, **LIVE)
    assert snapshot == live
    assert deals_on_first_arrow(snapshot) == {"admin": 3, "manager": 2, "director": 3}[who]


def test_an_org_unit_filter_within_and_outside_the_scope(api, org, history):
    assert deals_on_first_arrow(flow(api, org.admin, org_unit=org.gd_gov.pk)) == 1
    assert flow(api, org.admin, org_unit=org.gd_gov.pk) == flow(
        api, org.admin, org_unit=org.gd_gov.pk, **LIVE
    )
    # a manager of another region asking for this office: nothing of it is theirs
    assert flow(api, org.other_region_manager, org_unit=org.gd.pk)["arrows"] == []


def test_the_figures_are_as_of_the_refresh(api, org, history):
    from insights.services import gate_flow_refresh

    before = flow(api, org.admin)
    write_trail(OpportunityFactory(owner=org.rep), WON)
    assert flow(api, org.admin) == before
    gate_flow_refresh()
    after = flow(api, org.admin)
    assert deals_on_first_arrow(after) == 4
    assert after["refreshed_at"] > before["refreshed_at"]
