"""A small crafted history of deals through stages and gates, written to the audit trail at
chosen times (the trail's `at` is stamped by the clock, so the clock is set for each event)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from core.audit import audit_record
from opportunities.models import Opportunity
from tests.factories import CustomerFactory, OpportunityFactory

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = 86400


def write_trail(deal, events, start=START):
    """Write `events` ((day, what, detail)) to `deal`'s trail: `what` is `stage` (detail: the
    (from, to) states), `open`, `escalate` (detail: the gate) or `decide` ((gate, decision))."""
    Opportunity.objects.filter(pk=deal.pk).update(created_at=start)
    for day, what, detail in events:
        at = start + dt.timedelta(days=day)
        with mock.patch("django.utils.timezone.now", return_value=at):
            if what == "stage":
                audit_record(
                    target=deal, action="transition", from_state=detail[0], to_state=detail[1]
                )
            elif what == "open":
                audit_record(target=deal, action="gate.opened", changes={"gate": detail})
            elif what == "escalate":
                audit_record(target=deal, action="gate.escalated", changes={"gate": detail})
            else:
                gate, decision = detail
                audit_record(
                    target=deal, action="gate.decided", changes={"gate": gate, "decision": decision}
                )
    last = [d for _, what, d in events if what == "stage"]
    if last:
        Opportunity.objects.filter(pk=deal.pk).update(state=last[-1][1])


#: Won after a rework loop at ATI (hold, then the gate again) and an escalated ATB.
WON = [
    (1, "open", "ati"),
    (3, "decide", ("ati", "hold")),
    (4, "open", "ati"),
    (6, "decide", ("ati", "go")),
    (6, "stage", ("identified", "initiated")),
    (10, "stage", ("initiated", "guiding")),
    (15, "stage", ("guiding", "bidding")),
    (16, "open", "atb"),
    (17, "escalate", "atb"),
    (20, "decide", ("atb", "go")),
    (20, "stage", ("bidding", "bid_submitted")),
    (30, "stage", ("bid_submitted", "negotiating")),
    (31, "open", "atc"),
    (33, "decide", ("atc", "go")),
    (33, "stage", ("negotiating", "won")),
]
#: Back from guiding to initiated (a reversed stage), then lost from there.
LOST = [
    (2, "open", "ati"),
    (3, "decide", ("ati", "go")),
    (3, "stage", ("identified", "initiated")),
    (5, "stage", ("initiated", "guiding")),
    (7, "stage", ("guiding", "initiated")),
    (9, "stage", ("initiated", "lost")),
]
#: ATI said stop: abandoned.
STOPPED = [
    (1, "open", "ati"),
    (2, "decide", ("ati", "stop")),
    (2, "stage", ("identified", "abandoned")),
]


@pytest.fixture
def history(org):
    """Three deals: two of the rep's team (won, lost), one of another team (stopped)."""
    won = OpportunityFactory(
        owner=org.rep,
        product_line="5G",
        amount=Decimal("5000000"),
        customer=CustomerFactory(owner=org.rep, tier="strategic"),
    )
    lost = OpportunityFactory(owner=org.rep, product_line="IoT")
    stopped = OpportunityFactory(owner=org.other_team_rep, product_line="IoT")
    write_trail(won, WON)
    write_trail(lost, LOST)
    write_trail(stopped, STOPPED)
    from insights.services import gate_flow_refresh

    gate_flow_refresh()
    return {"won": won, "lost": lost, "stopped": stopped}
