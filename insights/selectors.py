"""The gate-flow reads (ADR 28): aggregates over the rollup rows of the deals the viewer may see.

Every figure starts from `policy.restrict(Opportunity)`: a manager's flow never counts a deal
they may not view. Counts aggregate in SQL. The median and p90 durations are PostgreSQL's
`percentile_cont` there; on SQLite (the embedded default, small data) they are computed exactly
in Python from the filtered rows' durations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.choices import Tier
from accounts.models import OrgUnit
from core import policy
from core.choices import Decision, GateKind
from core.errors import ValidationFailed
from opportunities.choices import OPEN_STAGES, Stage
from opportunities.models import Opportunity

from .models import FlowPath, FlowRollup, FlowSnapshot, FlowStep

STAGE_ORDER = {str(s): i for i, s in enumerate([*OPEN_STAGES, Stage.WON])}
TOP_PATHS = 20


class Percentiles(Aggregate):
    """PostgreSQL's `percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x)`: the median
    and p90 from one sort of the group."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


@dataclass(frozen=True)
class FlowQuery:
    """The filters of a gate-flow read."""

    unit: OrgUnit | None = None
    product_line: str = ""
    tier: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _invalid(field: str, text: str):
    return ValidationFailed(_("The gate-flow filters are not valid."), fields={field: [text]})


def _amount(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _invalid(name, _("Enter a number.")) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e15"):
        raise _invalid(name, _("Enter a number from 0."))
    return value


def _date(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 2999:
        raise _invalid(name, _("Enter a date as YYYY-MM-DD."))
    return value


def flow_query(params, user) -> FlowQuery:
    """The filters from query parameters; a 400 naming the bad one."""
    unit = None
    raw_unit = (params.get("org_unit") or "").strip()
    if raw_unit:
        numeric = raw_unit.isascii() and raw_unit.isdigit() and len(raw_unit) <= 9
        unit = OrgUnit.objects.filter(pk=int(raw_unit)).first() if numeric else None
        if unit is None:
            raise _invalid("org_unit", _("Not an org unit."))
    tier = (params.get("tier") or "").strip()
    if tier and tier not in Tier.values:
        raise _invalid("tier", _("Not a customer tier."))
    query = FlowQuery(
        unit=unit,
        product_line=(params.get("product_line") or "").strip()[:100],
        tier=tier,
        amount_min=_amount(params, "amount_min"),
        amount_max=_amount(params, "amount_max"),
        date_from=_date(params, "date_from"),
        date_to=_date(params, "date_to"),
    )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise _invalid("date_to", _("The end is before the start."))
    return query


def flow_deals(user, query: FlowQuery) -> QuerySet:
    """The deals the viewer may see that match the filters (period aside)."""
    deals = policy.restrict(Opportunity.objects.all(), user)
    if query.unit is not None:
        deals = deals.filter(org_unit__path__startswith=query.unit.path)
    if query.product_line:
        deals = deals.filter(product_line=query.product_line)
    if query.tier:
        deals = deals.filter(customer__tier=query.tier)
    if query.amount_min is not None:
        deals = deals.filter(amount__gte=query.amount_min)
    if query.amount_max is not None:
        deals = deals.filter(amount__lt=query.amount_max)
    return deals


def _start(query: FlowQuery) -> dt.datetime | None:
    if not query.date_from:
        return None
    return dt.datetime.combine(query.date_from, dt.time.min, tzinfo=timezone.get_current_timezone())


def _period(field: str, query: FlowQuery) -> Q:
    q = Q()
    zone = timezone.get_current_timezone()
    if query.date_from:
        q &= Q(**{f"{field}__gte": _start(query)})
    if query.date_to:
        end = dt.datetime.combine(query.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        q &= Q(**{f"{field}__lt": end})
    return q


def _scoped(model, user, query: FlowQuery, moment: str) -> QuerySet:
    """The rollup rows (`FlowStep` or `FlowPath`) of the viewer's matching deals in the period,
    by the keys copied onto them: a viewer whose access is whole org subtrees needs no join
    to the deals; anyone else's rows are those of `policy.restrict`ed deals."""
    rows = model.objects.filter(_period(moment, query))
    whole, root = policy.subtree_scope(Opportunity, user, "view")
    if not whole:
        rows = rows.filter(opportunity_id__in=policy.restrict(Opportunity.objects.all(), user))
    elif root is not None:
        rows = rows.filter(org_unit_id__in=_subtree(root.path))
    if query.unit is not None:
        rows = rows.filter(org_unit_id__in=_subtree(query.unit.path))
    if query.product_line:
        rows = rows.filter(product_line=query.product_line)
    if query.tier:
        rows = rows.filter(tier=query.tier)
    if query.amount_min is not None:
        rows = rows.filter(amount__gte=query.amount_min)
    if query.amount_max is not None:
        rows = rows.filter(amount__lt=query.amount_max)
    return rows


def _subtree(path: str) -> QuerySet:
    return OrgUnit.objects.filter(path__startswith=path).values("pk")


def flow_steps(user, query: FlowQuery) -> QuerySet:
    """The step rows of the viewer's matching deals whose arrow was taken in the period."""
    return _scoped(FlowStep, user, query, "left_at")


def _grouped(steps: QuerySet, keys: list[str], **counts) -> list[dict]:
    """Counts per group and the median and p90 of its durations (seconds): one query on
    PostgreSQL (`percentile_cont`); on SQLite the counts in SQL and the percentiles exactly in
    Python from the filtered rows' durations."""
    rows = steps.values(*keys).annotate(**counts).order_by(*keys)
    if connection.vendor == "postgresql":
        rows = list(rows.annotate(percentiles=Percentiles("duration")))
        for row in rows:
            row["median"], row["p90"] = row.pop("percentiles")
        return rows
    rows = list(rows)
    durations: dict[tuple, list[int]] = {}
    for *key, seconds in steps.values_list(*keys, "duration"):
        durations.setdefault(tuple(key), []).append(seconds)
    for row in rows:
        figure = _percentiles(durations[tuple(row[k] for k in keys)])
        row["median"], row["p90"] = figure["median"], figure["p90"]
    return rows


def _percentiles(values: list[int]) -> dict:
    """percentile_cont's linear interpolation, as PostgreSQL computes it."""
    values = sorted(values)

    def at(fraction):
        position = fraction * (len(values) - 1)
        low = int(position)
        high = min(low + 1, len(values) - 1)
        return values[low] + (values[high] - values[low]) * (position - low)

    return {"median": at(0.5), "p90": at(0.9)}


def _firsts(since: dt.datetime | None) -> tuple[Q, Q]:
    """Which steps count their deal: for each deal, its first step on the arrow (and out of
    the node) in the period, the one whose previous one is older than the period's start."""
    if since is None:
        return Q(prev_arrow_at=None), Q(prev_node_at=None)
    return (
        Q(prev_arrow_at=None) | Q(prev_arrow_at__lt=since),
        Q(prev_node_at=None) | Q(prev_node_at__lt=since),
    )


def flow_figures(steps: QuerySet, paths: QuerySet, since: dt.datetime | None = None) -> dict:
    """The flow of these rows (steps taken from `since`): its arrows, time in each node, the
    top paths, where lost deals left."""
    first_take, first_exit = _firsts(since)
    arrows = _grouped(
        steps,
        ["from_node", "to_node"],
        deals=Count("id", filter=first_take),
        times=Count("id"),
        won=Count("id", filter=first_take & Q(outcome=Stage.WON)),
    )
    arrows.sort(key=lambda r: (-r["times"], r["from_node"], r["to_node"]))
    for row in arrows:
        row["conversion"] = round(100 * row["won"] / row["deals"], 1) if row["deals"] else None
        row["kind"] = arrow_kind(row["from_node"], row["to_node"])
    nodes = _grouped(steps, ["from_node"], deals=Count("id", filter=first_exit), times=Count("id"))
    routes = list(
        paths.values("route")
        .annotate(
            deals=Count("id"),
            won=Count("id", filter=Q(outcome=Stage.WON)),
            lost=Count("id", filter=Q(outcome__in=[Stage.LOST, Stage.ABANDONED])),
        )
        .order_by("-deals", "route")[:TOP_PATHS]
    )
    for row in routes:
        row["conversion"] = round(100 * row["won"] / row["deals"], 1)
        row["nodes"] = row["route"].split(" > ")
    lost = list(
        paths.exclude(left_from="")
        .values("left_from", "outcome")
        .annotate(deals=Count("id"))
        .order_by("-deals", "left_from")
    )
    return {"arrows": arrows, "nodes": nodes, "paths": routes, "lost": lost}


def snapshot_figures(unit_path: str) -> dict:
    """The unfiltered flow of one org subtree ("": the whole company), for `FlowSnapshot`."""
    steps, paths = FlowStep.objects.all(), FlowPath.objects.all()
    if unit_path:
        steps = steps.filter(org_unit_id__in=_subtree(unit_path))
        paths = paths.filter(org_unit_id__in=_subtree(unit_path))
    return flow_figures(steps, paths)


def _snapshot(user, query: FlowQuery) -> FlowSnapshot | None:
    """The snapshot that answers this read, if one does: no filter but the org unit, and a
    viewer whose access is whole org subtrees (`policy.subtree_scope`)."""
    if replace(query, unit=None) != FlowQuery():
        return None
    whole, root = policy.subtree_scope(Opportunity, user, "view")
    if not whole:
        return None
    paths = [u.path for u in (root, query.unit) if u is not None]
    key = max(paths, key=len, default="")
    if any(not key.startswith(path) for path in paths):
        return None  # disjoint subtrees: nothing to count, read live
    return FlowSnapshot.objects.filter(unit_path=key).first()


def gate_flow(user, query: FlowQuery) -> dict:
    """The flow: its arrows, time in each node, the top paths, where lost deals left, the age.
    The unfiltered flow of a subtree is its snapshot, taken at the rollup's refresh."""
    snapshot = _snapshot(user, query)
    if snapshot is not None:
        return {**snapshot.figures, "refreshed_at": snapshot.refreshed_at}
    figures = flow_figures(
        flow_steps(user, query), _scoped(FlowPath, user, query, "started_at"), _start(query)
    )
    rollup = FlowRollup.objects.filter(pk=1).first()
    return {**figures, "refreshed_at": rollup.refreshed_at if rollup else None}


def arrow_kind(from_node: str, to_node: str) -> str:
    """What an arrow is: `reversed` (back to an earlier stage), `rework` (hold, then the gate
    again), `escalation`, `lost`, or `forward`."""
    if to_node in ("stage:lost", "stage:abandoned"):
        return "lost"
    if to_node.endswith(":escalated"):
        return "escalation"
    if from_node.endswith(":hold") and to_node.startswith("gate:"):
        return "rework"
    a, b = from_node.removeprefix("stage:"), to_node.removeprefix("stage:")
    if a in STAGE_ORDER and b in STAGE_ORDER and STAGE_ORDER[b] < STAGE_ORDER[a]:
        return "reversed"
    return "forward"


def flow_arrow_deals(user, query: FlowQuery, from_node: str, to_node: str) -> QuerySet:
    """The deals behind one arrow (newest first), through the same scope and filters."""
    if not from_node or not to_node:
        raise _invalid("from" if not from_node else "to", _("Name both ends of the arrow."))
    ids = flow_steps(user, query).filter(from_node=from_node, to_node=to_node)
    return (
        flow_deals(user, query)
        .filter(pk__in=ids.values("opportunity_id"))
        .select_related("customer", "owner", "org_unit")
    )


def node_label(node: str) -> str:
    """A node in the reader's language: "Bidding", "ATB", "ATB: hold", "ATB: escalated"."""
    parts = node.split(":")
    if parts[0] == "stage" and len(parts) == 2:
        return str(Stage(parts[1]).label) if parts[1] in Stage.values else parts[1]
    if parts[0] != "gate" or len(parts) < 2:
        return node
    gate = parts[1].upper() if parts[1] in GateKind.values else parts[1]
    if len(parts) == 2:
        return _("%(gate)s review") % {"gate": gate}
    if parts[2] == "escalated":
        return _("%(gate)s escalated") % {"gate": gate}
    if parts[2] in Decision.values:
        return _("%(gate)s: %(decision)s") % {"gate": gate, "decision": Decision(parts[2]).label}
    return node
