"""The gate-flow rollup's refresh (ADR 28): each deal's path rebuilt from its audit trail.

A deal's path is the nodes it passed, in the trail's order: its stages (`stage:<state>`), each
gate review opened on it (`gate:<kind>`), the review's escalation (`gate:<kind>:escalated`)
and its decision (`gate:<kind>:go|stop|hold`). A hold followed by the gate opened again is a
rework loop; a stage entered after a later one is a reversed stage. Consecutive nodes make one
step row. The incremental refresh rebuilds only the deals whose trail has an event it has not
read (plus a window of recent ones, for transactions that committed late); it gives the same
rows as a full rebuild because both call the same per-deal rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.models import OrgUnit
from core.models import AuditEvent
from opportunities.choices import Stage
from opportunities.models import Opportunity

from . import flow_sql
from .models import FlowPath, FlowRollup, FlowSnapshot, FlowStep

#: The trail's actions that move a deal along its path.
FLOW_ACTIONS = ("transition", "gate.opened", "gate.escalated", "gate.decided")
ENDINGS = {Stage.WON, Stage.LOST, Stage.ABANDONED}
LOST_ENDINGS = {Stage.LOST, Stage.ABANDONED}
#: Events this recent are read again on every run: a transaction may commit after one with a
#: higher id, and the id watermark alone would then skip it.
LATE_COMMIT_WINDOW = dt.timedelta(minutes=10)
BATCH = 500


def flow_events():
    """The opportunities' trail events that move a deal."""
    kind = ContentType.objects.get_for_model(Opportunity, for_concrete_model=False)
    return AuditEvent.objects.filter(target_type=kind, action__in=FLOW_ACTIONS)


def event_node(action: str, to_state: str, changes: dict) -> str | None:
    """The node an event puts the deal in (None: the event does not move it)."""
    if action == "transition":
        return f"stage:{to_state}" if to_state else None
    gate = (changes or {}).get("gate")
    if not gate:
        return None
    if action == "gate.opened":
        return f"gate:{gate}"
    if action == "gate.escalated":
        return f"gate:{gate}:escalated"
    decision = (changes or {}).get("decision")
    return f"gate:{gate}:{decision}" if decision else None


def deal_path(created_at, events) -> list[tuple[str, dt.datetime]]:
    """The (node, entered at) a deal passed, from its events in the trail's order."""
    nodes: list[tuple[str, dt.datetime]] = []
    for action, from_state, to_state, changes, at in events:
        node = event_node(action, to_state, changes)
        if node is None:
            continue
        if not nodes:
            first = from_state if action == "transition" and from_state else Stage.IDENTIFIED
            nodes.append((f"stage:{first}", min(created_at, at)))
        if nodes[-1][0] != node:
            nodes.append((node, at))
    return nodes


def _rows(opportunity_id: int, keys: tuple, events):
    state, created_at, *deal_keys = keys
    nodes = deal_path(created_at, events)
    if not nodes:
        return [], None
    denormalised = dict(zip(KEY_FIELDS, deal_keys, strict=True))
    outcome = state if state in ENDINGS else ""
    steps = [
        FlowStep(
            opportunity_id=opportunity_id,
            seq=i,
            from_node=a,
            to_node=b,
            entered_at=entered,
            left_at=left,
            duration=max(0, int((left - entered).total_seconds())),
            outcome=outcome,
            **denormalised,
        )
        for i, ((a, entered), (b, left)) in enumerate(zip(nodes, nodes[1:], strict=False))
    ]
    last_arrow: dict[tuple, dt.datetime] = {}
    last_node: dict[str, dt.datetime] = {}
    for step in sorted(steps, key=lambda s: (s.left_at, s.seq)):
        step.prev_arrow_at = last_arrow.get((step.from_node, step.to_node))
        step.prev_node_at = last_node.get(step.from_node)
        last_arrow[(step.from_node, step.to_node)] = last_node[step.from_node] = step.left_at
    ended = outcome and nodes[-1][0] == f"stage:{outcome}"
    route = [n for n, _ in (nodes[:-1] if ended else nodes)]
    path = FlowPath(
        opportunity_id=opportunity_id,
        route=" > ".join(route),
        outcome=outcome,
        left_from=route[-1] if route and ended and outcome in LOST_ENDINGS else "",
        started_at=nodes[0][1],
        **denormalised,
    )
    return steps, path


#: The deal's filter keys copied onto its rows (`models.DealKeys`), and where they are read.
KEY_FIELDS = ("org_unit_id", "product_line", "tier", "amount")
KEY_SOURCES = ("org_unit_id", "product_line", "customer__tier", "amount")


def deals_rebuild(ids, *, in_python: bool = False) -> None:
    """Rebuild the rollup rows of these deals from their whole trail: set-based SQL on
    PostgreSQL (`flow_sql`), in Python elsewhere or when asked (`in_python`)."""
    ids = list(ids)
    if connection.vendor == "postgresql" and not in_python:
        flow_sql.deals_rebuild(ids)
        return
    events = defaultdict(list)
    rows = (
        flow_events()
        .filter(target_id__in=ids)
        .order_by("id")
        .values_list("target_id", "action", "from_state", "to_state", "changes", "at")
    )
    for target_id, *event in rows:
        events[target_id].append(event)
    FlowStep.objects.filter(opportunity_id__in=ids).delete()
    FlowPath.objects.filter(opportunity_id__in=ids).delete()
    steps, paths = [], []
    deals = Opportunity.objects.filter(pk__in=ids).values_list(
        "pk", "state", "created_at", *KEY_SOURCES
    )
    for pk, *keys in deals:
        deal_steps, path = _rows(pk, keys, events.get(pk, []))
        steps += deal_steps
        if path is not None:
            paths.append(path)
    FlowStep.objects.bulk_create(steps, batch_size=1000)
    FlowPath.objects.bulk_create(paths, batch_size=1000)


def drifted_deals() -> set[int]:
    """The deals whose rows no longer carry their keys or outcome: moved to another unit or
    product line, resized, their customer's tier changed, or ended, without a trail event
    the refresh would have read (a bulk update writes none)."""
    ended = Q(opportunity__state__in=ENDINGS)
    stale = (
        ~Q(org_unit_id=F("opportunity__org_unit_id"))
        | ~Q(product_line=F("opportunity__product_line"))
        | ~Q(tier=F("opportunity__customer__tier"))
        | ~Q(amount=F("opportunity__amount"))
        | (ended & ~Q(outcome=F("opportunity__state")))
        | (~ended & ~Q(outcome=""))
    )
    return set(FlowPath.objects.filter(stale).values_list("opportunity_id", flat=True))


def gate_flow_refresh(*, full: bool = False) -> int:
    """Bring the rollup up to date (`full`: rebuild every deal) and take the snapshots of the
    unfiltered flow; the number of deals rebuilt. The bookkeeping row is locked for the run,
    so two runs never interleave."""
    FlowRollup.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = FlowRollup.objects.select_for_update().get(pk=1)
        events = flow_events()
        top = events.aggregate(top=Max("id"))["top"] or 0
        if full or state.refreshed_at is None:
            if connection.vendor == "postgresql":
                rebuilt = flow_sql.all_rebuild()
            else:
                FlowStep.objects.all().delete()
                FlowPath.objects.all().delete()
                ids = sorted(set(events.values_list("target_id", flat=True)))
                for start in range(0, len(ids), BATCH):
                    deals_rebuild(ids[start : start + BATCH])
                rebuilt = len(ids)
        else:
            window = Q(id__gt=state.last_event_id, id__lte=top)
            window |= Q(at__gte=state.refreshed_at - LATE_COMMIT_WINDOW)
            ids = set(events.filter(window).values_list("target_id", flat=True))
            ids = sorted(ids | drifted_deals())
            for start in range(0, len(ids), BATCH):
                deals_rebuild(ids[start : start + BATCH])
            rebuilt = len(ids)
        state.last_event_id = top
        state.refreshed_at = timezone.now()
        state.save()
        snapshots_take(state.refreshed_at)
    return rebuilt


def snapshots_take(at) -> None:
    """The unfiltered flow of the whole company and of every org subtree, from the rollup as
    it now is (`selectors.snapshot_figures`), replacing the last ones."""
    from .selectors import snapshot_figures

    units = list(OrgUnit.objects.values_list("path", flat=True))
    FlowSnapshot.objects.all().delete()
    FlowSnapshot.objects.bulk_create(
        FlowSnapshot(unit_path=path, figures=snapshot_figures(path), refreshed_at=at)
        for path in ["", *units]
    )
