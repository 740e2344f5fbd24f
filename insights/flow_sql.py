"""The rollup's rebuild as set-based SQL (PostgreSQL): the same rows `services._rows` makes in
Python (the SQLite path), from the trail in a few statements instead of per deal (ADR 28).

A temporary table holds every deal's path: its nodes in the trail's order (the event's id),
a start node before the first (the first transition's source, else `identified`, entered at
the earlier of the deal's creation and that event), consecutive repeats collapsed. The steps
are each node with the next; the path row is the nodes' route. `tests/insights` holds the two
to the same rows over random histories.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from accounts.models import Customer
from core.models import AuditEvent
from opportunities.models import Opportunity

from .models import FlowPath, FlowStep

ACTIONS = ("transition", "gate.opened", "gate.escalated", "gate.decided")

NODES = """
CREATE TEMPORARY TABLE flow_nodes ON COMMIT DROP AS
WITH moves AS (
    SELECT * FROM (
        SELECT e.target_id AS deal, e.id AS ord, e.at, e.action, e.from_state,
            CASE
            WHEN e.action = 'transition' THEN
                CASE WHEN e.to_state <> '' THEN 'stage:' || e.to_state END
            WHEN COALESCE(e.changes ->> 'gate', '') = '' THEN NULL
            WHEN e.action = 'gate.opened' THEN 'gate:' || (e.changes ->> 'gate')
            WHEN e.action = 'gate.escalated' THEN 'gate:' || (e.changes ->> 'gate') || ':escalated'
            WHEN COALESCE(e.changes ->> 'decision', '') <> '' THEN
                'gate:' || (e.changes ->> 'gate') || ':' || (e.changes ->> 'decision')
            END AS node
        FROM {events} e
        WHERE e.target_type_id = %(kind)s AND e.action = ANY(%(actions)s) {only}
    ) m WHERE node IS NOT NULL
), firsts AS (
    SELECT DISTINCT ON (deal) deal, action, from_state, at FROM moves ORDER BY deal, ord
), nodes AS (
    SELECT deal, ord, node, at FROM moves
    UNION ALL
    SELECT f.deal, 0,
        'stage:' || CASE WHEN f.action = 'transition' AND f.from_state <> ''
                         THEN f.from_state ELSE 'identified' END,
        LEAST(o.created_at, f.at)
    FROM firsts f JOIN {deals} o ON o.id = f.deal
), marked AS (
    SELECT deal, ord, node, at, LAG(node) OVER (PARTITION BY deal ORDER BY ord) AS before
    FROM nodes
)
SELECT deal, node, at,
    (ROW_NUMBER() OVER (PARTITION BY deal ORDER BY ord) - 1)::int AS i,
    COUNT(*) OVER (PARTITION BY deal) AS n
FROM marked WHERE before IS DISTINCT FROM node
"""

KEYS = """
JOIN {deals} o ON o.id = p.deal JOIN {customers} c ON c.id = o.customer_id
"""
OUTCOME = "CASE WHEN o.state IN ('won', 'lost', 'abandoned') THEN o.state ELSE '' END"

STEPS = """
INSERT INTO {steps} (opportunity_id, seq, from_node, to_node, entered_at, left_at, duration,
    outcome, org_unit_id, product_line, tier, amount, prev_arrow_at, prev_node_at)
SELECT s.*,
    LAG(left_at) OVER (PARTITION BY deal, from_node, to_node ORDER BY left_at, seq),
    LAG(left_at) OVER (PARTITION BY deal, from_node ORDER BY left_at, seq)
FROM (
    SELECT p.deal, p.i AS seq, p.node AS from_node, q.node AS to_node, p.at, q.at AS left_at,
        GREATEST(0, FLOOR(EXTRACT(EPOCH FROM q.at - p.at)))::bigint,
        {outcome}, o.org_unit_id, o.product_line, c.tier, o.amount
    FROM flow_nodes p JOIN flow_nodes q ON q.deal = p.deal AND q.i = p.i + 1 {keys}
) s
"""

PATHS = """
INSERT INTO {paths} (opportunity_id, route, outcome, left_from, started_at, org_unit_id,
    product_line, tier, amount)
SELECT deal, COALESCE(route, ''), outcome,
    CASE WHEN ended AND outcome IN ('lost', 'abandoned') THEN COALESCE(last_kept, '') ELSE ''
    END, started_at, org_unit_id, product_line, tier, amount
FROM (
    SELECT p.deal, {outcome} AS outcome, o.org_unit_id, o.product_line, c.tier, o.amount,
        bool_or(p.i = p.n - 1 AND o.state IN ('won', 'lost', 'abandoned')
                AND p.node = 'stage:' || o.state) AS ended,
        MIN(p.at) FILTER (WHERE p.i = 0) AS started_at,
        string_agg(p.node, ' > ' ORDER BY p.i) FILTER (
            WHERE NOT (p.i = p.n - 1 AND o.state IN ('won', 'lost', 'abandoned')
                       AND p.node = 'stage:' || o.state)) AS route,
        (array_agg(p.node ORDER BY p.i DESC) FILTER (
            WHERE NOT (p.i = p.n - 1 AND p.node = 'stage:' || o.state)))[1] AS last_kept
    FROM flow_nodes p {keys}
    GROUP BY p.deal, o.state, o.org_unit_id, o.product_line, c.tier, o.amount
) d
"""


def _tables(only: str) -> dict:
    names = {
        "events": AuditEvent._meta.db_table,
        "deals": Opportunity._meta.db_table,
        "customers": Customer._meta.db_table,
        "steps": FlowStep._meta.db_table,
        "paths": FlowPath._meta.db_table,
        "only": only,
        "outcome": OUTCOME,
    }
    return names | {"keys": KEYS.format(**names)}


def _rebuild(ids: list[int] | None) -> int:
    only = "" if ids is None else "AND e.target_id = ANY(%(ids)s)"
    tables = _tables(only)
    kind = ContentType.objects.get_for_model(Opportunity, for_concrete_model=False)
    params = {"kind": kind.pk, "actions": list(ACTIONS), "ids": ids}
    with transaction.atomic(), connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {tables['steps']}")  # noqa: S608
            cursor.execute(f"DELETE FROM {tables['paths']}")  # noqa: S608
        else:
            for table in ("steps", "paths"):
                cursor.execute(
                    f"DELETE FROM {tables[table]} WHERE opportunity_id = ANY(%s)",  # noqa: S608
                    [ids],
                )
        cursor.execute("DROP TABLE IF EXISTS flow_nodes")
        cursor.execute(NODES.format(**tables), params)
        cursor.execute(STEPS.format(**tables))
        cursor.execute(PATHS.format(**tables))
        rebuilt = cursor.rowcount
        cursor.execute("DROP TABLE flow_nodes")
        if ids is None:  # the planner's statistics for what was just written, before reading
            cursor.execute(f"ANALYZE {tables['steps']}, {tables['paths']}")
    return rebuilt


def deals_rebuild(ids: list[int]) -> None:
    """Rebuild these deals' rows from their whole trail."""
    _rebuild(list(ids))


def all_rebuild() -> int:
    """Rebuild every deal's rows; the number of deals with a path."""
    return _rebuild(None)
