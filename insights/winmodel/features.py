"""The win model's features (ADR 31): one row of numbers per deal, built by a handful of SQL
aggregates (one per related table, grouped by deal) written straight into numpy arrays, so a
training at 300k deals never holds a Python object per deal and feature.

Nothing a deal only gets by winning is a feature: the ATC gate's go is how a deal is won, so
ATC counts only its holds and rounds; a closed deal's "now" is its closing day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Avg, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import GateKind, GateState
from core.models import GateReview
from opportunities.choices import CLOSED_STAGES, OPEN_STAGES, QuoteState, Stage
from opportunities.models import DecisionChainMember, Opportunity, OpportunityCompetitor, Quote

#: The features, in column order, with how a person reads each one.
FEATURES: dict[str, object] = {
    "stage_reached": _("Stage reached"),
    "ati_passed": _("ATI gate passed"),
    "atb_passed": _("ATB gate passed"),
    "gate_holds": _("Gate reviews put on hold"),
    "gate_reworks": _("Gate reviews held again (rework rounds)"),
    "gate_escalations": _("Gate reviews escalated"),
    "age_days": _("Days since the deal was opened"),
    "days_since_gate": _("Days since the last gate decision"),
    "chain_members": _("People in the decision chain"),
    "chain_roles": _("Decision roles covered"),
    "chain_decision_maker": _("Decision maker in the chain"),
    "chain_supporters": _("Supporters in the decision chain"),
    "chain_opponents": _("Opponents in the decision chain"),
    "chain_coaches": _("Guides who advise or sway"),
    "chain_relationship": _("Average relationship strength"),
    "competitors": _("Competitors"),
    "competitor_incumbent": _("An incumbent competitor"),
    "competitor_cheaper": _("Competitors cheaper than us"),
    "discount_pct": _("Highest quoted discount %"),
    "special_price": _("Special price asked"),
    "tier_strategic": _("Strategic customer"),
    "tier_key": _("Key customer"),
    "log_amount": _("Deal size"),
    "margin_pct": _("Expected margin %"),
    "with_partner": _("Sold with a partner"),
    "rep_win_rate": _("The rep's win rate"),
    "team_win_rate": _("The unit's win rate"),
}
NAMES = list(FEATURES)
COLUMN = {name: i for i, name in enumerate(NAMES)}
STAGE_INDEX = {stage: i for i, stage in enumerate(OPEN_STAGES)}
#: Deals of prior weight in a rep's or unit's win rate (smoothing towards the company's).
PRIOR = 10.0
CHUNK = 20_000
DAY = 86400.0


@dataclass
class Matrix:
    """Deal ids (ascending), their features, and for closed deals whether each was won.

    The features are float32: half the memory of a training at full size (ADR 31), and far
    more precision than any feature has."""

    ids: np.ndarray
    X: np.ndarray
    won: np.ndarray  # 1.0 won, 0.0 lost or abandoned, nan while open


BASE = (
    "id",
    "state",
    "amount",
    "margin_pct",
    "created_at",
    "closed_at",
    "owner_id",
    "org_unit_id",
    "customer__tier",
    "partner_id",
)


def _gate_reviews() -> QuerySet:
    return GateReview.objects.filter(
        subject_type=ContentType.objects.get_for_model(Opportunity),
        kind__in=[GateKind.ATI, GateKind.ATB, GateKind.ATC],
    )


def _gate_aggregates() -> dict:
    go = {kind: Q(kind=kind, state=GateState.GO) for kind in (GateKind.ATI, GateKind.ATB)}
    return {
        "ati": Count("id", filter=go[GateKind.ATI]),
        "atb": Count("id", filter=go[GateKind.ATB]),
        "holds": Count("id", filter=Q(state=GateState.HOLD)),
        "reworks": Sum(F("round") - 1),
        "escalations": Count("id", filter=Q(escalated=True)),
        "last": Max("decided_at", filter=~Q(kind=GateKind.ATC)),
    }


def _chain_aggregates() -> dict:
    return {
        "members": Count("id"),
        "roles": Count("role", distinct=True),
        "dm": Count("id", filter=Q(role="decision_maker")),
        "supporters": Count("id", filter=Q(stance="supporter")),
        "opponents": Count("id", filter=Q(stance="opponent")),
        "coaches": Count("id", filter=Q(coach_level__in=["advises", "sways"])),
        "relationship": Avg("relationship"),
    }


def _competitor_aggregates() -> dict:
    return {
        "n": Count("id"),
        "incumbent": Count("id", filter=Q(is_incumbent=True)),
        "cheaper": Count("id", filter=Q(price_position="below")),
    }


def _quotes() -> QuerySet:
    return Quote.objects.exclude(state__in=[QuoteState.WITHDRAWN, QuoteState.DRAFT])


def _quote_aggregates() -> dict:
    return {
        "discount": Max("discount_pct"),
        "special": Count("id", filter=Q(special_price=True)),
    }


#: The related tables, each aggregated per deal: its rows, the field naming the deal, the
#: aggregates, and the matrix columns they fill in order (the gates' last decision, the sixth
#: aggregate, is read apart: it dates the deal's last gate).
RELATED = (
    (
        _gate_reviews,
        "subject_id",
        _gate_aggregates,
        ["ati_passed", "atb_passed", "gate_holds", "gate_reworks", "gate_escalations"],
    ),
    (
        DecisionChainMember.objects.all,
        "opportunity_id",
        _chain_aggregates,
        [
            "chain_members",
            "chain_roles",
            "chain_decision_maker",
            "chain_supporters",
            "chain_opponents",
            "chain_coaches",
            "chain_relationship",
        ],
    ),
    (
        OpportunityCompetitor.objects.all,
        "opportunity_id",
        _competitor_aggregates,
        ["competitors", "competitor_incumbent", "competitor_cheaper"],
    ),
    (_quotes, "opportunity_id", _quote_aggregates, ["discount_pct", "special_price"]),
)
#: Counts that say only whether there is one.
AT_MOST_ONE = (
    "ati_passed",
    "atb_passed",
    "chain_decision_maker",
    "competitor_incumbent",
    "special_price",
)


def _place_batch(
    matrix: Matrix, batch: list, columns: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Write a batch of rows (deal id, values...) into `columns`; returns the batch as floats
    (nan where a value is NULL) and the rows it hit."""
    data = np.array(batch, dtype=np.float64)
    keys = data[:, 0].astype(np.int64)
    at = np.clip(np.searchsorted(matrix.ids, keys), 0, len(matrix.ids) - 1)
    hit = matrix.ids[at] == keys
    values = np.nan_to_num(data, nan=0.0)
    for j, name in enumerate(columns, start=1):
        matrix.X[at[hit], COLUMN[name]] = values[hit, j]
    return data, at, hit


def _place(matrix: Matrix, rows, columns: list[str], last: np.ndarray | None = None) -> None:
    """Write grouped rows (deal id, values...) into `columns` of the matrix's rows, a chunk at
    a time (never a Python object per deal for the whole set); a row's value after the
    columns, when `last` is given, is a time written there (seconds, nan for NULL)."""
    batch: list = []

    def flush() -> None:
        data, at, hit = _place_batch(matrix, batch, columns)
        if last is not None:
            last[at[hit]] = data[hit, len(columns) + 1]

    for row in rows:
        if last is not None:
            row = (*row[:-1], None if row[-1] is None else _timestamp(row[-1]))
        batch.append(row)
        if len(batch) >= CHUNK:
            flush()
            batch = []
    if batch:
        flush()


def _timestamp(value) -> float:
    """Seconds since the epoch of a time from the database (a string from SQLite read raw)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _base(rows, n: int, now: float) -> tuple[Matrix, np.ndarray, np.ndarray, np.ndarray]:
    """The deals' own columns from `rows` (BASE's values, ascending id, at most `n`); returns
    the matrix, the deals' owners and units, and each deal's "now" (a closed deal's closing)."""
    ids = np.empty(n, dtype=np.int64)
    X = np.zeros((n, len(NAMES)), dtype=np.float32)
    won = np.full(n, np.nan, dtype=np.float32)
    owners = np.empty(n, dtype=np.int64)
    units = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.float64)
    i = 0
    for pk, state, amount, margin, created, closed, owner, unit, tier, partner in rows:
        if i >= n:  # a deal added since the count: left for the next run
            break
        ids[i], owners[i], units[i] = pk, owner, unit
        end = _timestamp(closed) if closed is not None and state in CLOSED_STAGES else now
        ends[i] = end
        row = X[i]
        row[COLUMN["stage_reached"]] = STAGE_INDEX.get(state, 0)
        row[COLUMN["age_days"]] = max(0.0, (end - _timestamp(created)) / DAY)
        row[COLUMN["tier_strategic"]] = tier == "strategic"
        row[COLUMN["tier_key"]] = tier == "key"
        row[COLUMN["log_amount"]] = math.log1p(max(float(amount or 0), 0.0))
        row[COLUMN["margin_pct"]] = float(margin or 0)
        row[COLUMN["with_partner"]] = partner is not None
        if state in CLOSED_STAGES:
            won[i] = 1.0 if state == Stage.WON else 0.0
        i += 1
    keep = slice(0, i)
    return Matrix(ids[keep], X[keep], won[keep]), owners[keep], units[keep], ends[keep]


def _finish(matrix: Matrix, ends: np.ndarray, last: np.ndarray) -> None:
    """What the columns say once all are read: counts that mean "any", the furthest stage the
    gates vouch for (a closed deal's own stage is gone), the days since the last gate."""
    X = matrix.X
    for name in AT_MOST_ONE:
        np.minimum(X[:, COLUMN[name]], 1.0, out=X[:, COLUMN[name]])
    X[:, COLUMN["stage_reached"]] = np.maximum.reduce(
        [
            X[:, COLUMN["stage_reached"]],
            X[:, COLUMN["ati_passed"]] * STAGE_INDEX[Stage.INITIATED],
            X[:, COLUMN["atb_passed"]] * STAGE_INDEX[Stage.BID_SUBMITTED],
        ]
    )
    since = np.where(np.isnan(last), X[:, COLUMN["age_days"]], (ends - last) / DAY)
    X[:, COLUMN["days_since_gate"]] = np.maximum(since, 0.0)


def base_rate() -> float:
    """The company's win rate over all closed deals (0.5 without any)."""
    totals = closed_deals().aggregate(n=Count("id"), won=Count("id", filter=Q(state=Stage.WON)))
    return totals["won"] / totals["n"] if totals["n"] else 0.5


def history() -> dict:
    """Closed deals and wins per rep and per unit, and the company's win rate: what the
    histories are read from (stored with the model, so a prediction needs no aggregate)."""
    closed = closed_deals().order_by()
    found: dict = {"base": base_rate()}
    for field, key in (("owner_id", "owner"), ("org_unit_id", "unit")):
        rows = closed.values(field).annotate(
            n=Count("id"), won=Count("id", filter=Q(state=Stage.WON))
        )
        found[key] = {str(row[field]): [row["n"], row["won"]] for row in rows}
    return found


def _history(matrix: Matrix, owners: np.ndarray, units: np.ndarray, past: dict) -> None:
    """Each deal's rep's and unit's win rate over the closed deals (`past`, from `history`),
    smoothed towards the company's; a closed deal's own outcome is left out of it (it would
    tell the answer)."""
    base = past["base"]
    own = np.nan_to_num(matrix.won, nan=0.0)
    is_closed = (~np.isnan(matrix.won)).astype(np.float64)
    for key, keys, name in (("owner", owners, "rep_win_rate"), ("unit", units, "team_win_rate")):
        table = past[key]
        # One Python look-up per rep or unit, not per deal (190k deals share ~2,000 reps).
        distinct, each = np.unique(keys, return_inverse=True)
        looked_up = [table.get(str(k), (0, 0)) for k in distinct]
        pairs = np.array(looked_up, dtype=np.float64).reshape(len(distinct), 2)[each]
        n = pairs[:, 0] - is_closed
        w = pairs[:, 1] - own
        matrix.X[:, COLUMN[name]] = (np.maximum(w, 0) + PRIOR * base) / (np.maximum(n, 0) + PRIOR)


def build(deals: QuerySet[Opportunity], past: dict | None = None) -> Matrix:
    """The feature matrix of `deals` (any queryset of opportunities), in ascending id order:
    the deals' own columns streamed in chunks, then one aggregate per related table grouped
    by deal. `past`: the reps' and units' records (`history`; read when None)."""
    deals = deals.order_by()
    now = timezone.now().timestamp()
    rows = deals.order_by("id").values_list(*BASE).iterator(chunk_size=CHUNK)
    matrix, owners, units, ends = _base(rows, deals.count(), now)
    last = np.full(len(matrix.ids), np.nan)
    if len(matrix.ids):
        named = deals.values("id")
        for table, deal_field, aggregates, columns in RELATED:
            found = aggregates()
            grouped = (
                table()
                .filter(**{f"{deal_field}__in": named})
                .values(deal_field)
                .annotate(**found)
                .order_by()
            )
            rows = grouped.values_list(deal_field, *found).iterator(chunk_size=CHUNK)
            _place(matrix, rows, columns, last if "last" in found else None)
        _history(matrix, owners, units, history() if past is None else past)
    _finish(matrix, ends, last)
    return matrix


#: One open deal's row as SQL, compiled once per database and gate content type (the ORM's
#: compiling of nineteen subqueries costs more than running them).
_ONE_SQL: dict[tuple, tuple[str, list, int]] = {}
_NOBODY = -7_770_001  # the deal id the compiled statement is made with, replaced on each call


def _one_statement() -> tuple[str, list, int]:
    key = (connection.alias, connection.vendor, ContentType.objects.get_for_model(Opportunity).pk)
    if key not in _ONE_SQL:
        subqueries, names = {}, []
        for table, deal_field, aggregates, _columns in RELATED:
            for aggregate in aggregates().values():
                rows = (
                    table()
                    .filter(**{deal_field: OuterRef("pk")})
                    .values(deal_field)
                    .annotate(value=aggregate)
                    .order_by()
                    .values("value")
                )
                subqueries[f"related_{len(names)}"] = Subquery(rows)
                names.append(f"related_{len(names)}")
        one = (
            open_deals()
            .filter(pk=_NOBODY)
            .annotate(**subqueries)
            .order_by()
            .values_list(*BASE, *names)
        )
        sql, params = one.query.sql_with_params()
        params = list(params)
        _ONE_SQL[key] = (sql, params, params.index(_NOBODY))
    return _ONE_SQL[key]


def build_one(pk: int, past: dict) -> Matrix:
    """The feature row of the open deal `pk` (no row when it is closed or gone), by one
    statement: the same aggregates as `build`, each a subquery on the one deal."""
    sql, params, at = _one_statement()
    params = list(params)
    params[at] = int(pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = (row[: len(BASE)] for row in found)
    matrix, owners, units, ends = _base(rows, len(found), timezone.now().timestamp())
    last = np.full(len(matrix.ids), np.nan)
    if found:
        row, offset = found[0], len(BASE)
        for _table, _field, aggregates, columns in RELATED:
            names = list(aggregates())
            values = row[offset : offset + len(names)]
            offset += len(names)
            if all(value is None for value in values):
                continue  # no rows of this table: zeros, as in `build`
            _place(matrix, [(row[0], *values)], columns, last if "last" in names else None)
        _history(matrix, owners, units, past)
    _finish(matrix, ends, last)
    return matrix


def closed_deals() -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(state__in=CLOSED_STAGES)


def open_deals() -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(state__in=OPEN_STAGES)
