"""The gate-flow rollup (ADR 28): refreshed incrementally as trails grow, it holds exactly the
rows a full rebuild makes, over a few random histories; the job is registered."""

from __future__ import annotations

import random

import pytest

from core.jobs import job_get
from insights.models import FlowPath, FlowStep
from insights.services import gate_flow_refresh
from tests.factories import OpportunityFactory

from .conftest import write_trail

pytestmark = pytest.mark.django_db

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
        "outcome",
    )  # fmt: skip
    paths = FlowPath.objects.values_list(
        "opportunity_id", "route", "outcome", "left_from", "started_at"
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
