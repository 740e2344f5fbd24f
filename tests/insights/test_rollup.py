"""The gate-flow rollup (ADR 28): refreshed incrementally as trails grow, it holds exactly the
rows a full rebuild makes, over a few random histories; the job is registered."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from core.jobs import job_get
from insights.models import FlowPath, FlowStep
from insights.services import deals_rebuild, gate_flow_refresh
from tests.factories import CustomerFactory, OpportunityFactory

from .conftest import write_trail

pytestmark = pytest.mark.django_db
TIERS = ["strategic", "key", "normal"]
KEYS = ("org_unit_id", "product_line", "tier", "amount")

GATES = ["ati", "atb", "atc"]
STAGES = ["identified", "initiated", "guiding", "bidding", "bid_submitted", "negotiating"]


def random_events(rng: random.Random, count: int) -> list:
    """A random, not necessarily sensible, history: the rollup must take any trail."""
    state, day, events = "identified", 0, []
    for _ in range(count):
        day += rng.randint(0, 3)
        gate = rng.choice(GATES)
        pick = rng.random()
        if pick < 0.35:
            target = rng.choice([*STAGES, "won", "lost", "abandoned"])
            events.append((day, "stage", (state, target)))
            state = target
        elif pick < 0.6:
            events.append((day, "open", gate))
        elif pick < 0.7:
            events.append((day, "escalate", gate))
        else:
            events.append((day, "decide", (gate, rng.choice(["go", "stop", "hold"]))))
    return events


def rollup_rows():
    steps = FlowStep.objects.values_list(
        "opportunity_id", "seq", "from_node", "to_node", "entered_at", "left_at", "duration",
        "outcome", *KEYS, "prev_arrow_at", "prev_node_at",
    )  # fmt: skip
    paths = FlowPath.objects.values_list(
        "opportunity_id", "route", "outcome", "left_from", "started_at", *KEYS
    )
    return sorted(steps), sorted(paths)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_refresh_equals_a_full_rebuild(org, seed):
    rng = random.Random(seed)
    deals = [OpportunityFactory(owner=org.rep) for _ in range(4)]
    for _round in range(3):
        for deal in rng.sample(deals, rng.randint(1, len(deals))):
            # each round continues the deal's trail later on
            write_trail(deal, [(d + 40 * _round, w, x) for d, w, x in random_events(rng, 6)])
        gate_flow_refresh()
    incremental = rollup_rows()
    assert incremental[0]
    gate_flow_refresh(full=True)
    assert rollup_rows() == incremental


def test_a_refresh_with_nothing_new_rebuilds_nothing_old(org):
    deal = OpportunityFactory(owner=org.rep)
    write_trail(deal, [(1, "open", "ati"), (2, "decide", ("ati", "go"))])
    assert gate_flow_refresh() == 1
    assert FlowStep.objects.filter(opportunity=deal).count() == 2
    assert gate_flow_refresh() == 0


def test_the_refresh_is_a_job():
    assert job_get("insights-gate-flow").task == "insights.tasks.gate_flow_refresh"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based rebuild: PostgreSQL")
@pytest.mark.parametrize("seed", [4, 5, 6])
def test_the_set_based_rebuild_makes_the_rows_the_per_deal_one_does(org, seed):
    rng = random.Random(seed)
    deals = [
        OpportunityFactory(
            owner=rng.choice([org.rep, org.other_team_rep]),
            product_line=rng.choice(["5G", "IoT", ""]),
            customer=CustomerFactory(owner=org.rep, tier=rng.choice(TIERS)),
        )
        for _ in range(6)
    ]
    for deal in deals:
        write_trail(deal, random_events(rng, rng.randint(1, 14)))
    gate_flow_refresh(full=True)
    in_sql = rollup_rows()
    assert in_sql[0] and in_sql[1]
    deals_rebuild([d.pk for d in deals], in_python=True)
    assert rollup_rows() == in_sql


def test_a_deal_whose_keys_changed_without_a_trail_event_is_rebuilt(org):
    deal = OpportunityFactory(
        owner=org.rep, product_line="5G", customer=CustomerFactory(owner=org.rep)
    )
    write_trail(deal, [(1, "open", "ati"), (2, "decide", ("ati", "go"))])
    gate_flow_refresh()
    # bulk updates: no audit event, no updated_at
    type(deal).objects.filter(pk=deal.pk).update(org_unit=org.gd_gov, product_line="IoT")
    type(deal.customer).objects.filter(pk=deal.customer_id).update(tier="key")
    assert gate_flow_refresh() == 1
    keys = set(FlowStep.objects.filter(opportunity=deal).values_list(*KEYS[:3]))
    assert keys == {(org.gd_gov.pk, "IoT", "key")}
    assert gate_flow_refresh() == 0
