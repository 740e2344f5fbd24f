"""The win model's features (ADR 31): one row of numbers per deal, built by a handful of SQL
aggregates (one per related table, grouped by deal) written straight into numpy arrays, so a
training at 300k deals never holds a Python object per deal and feature.

Nothing a deal only gets by winning is a feature: the ATC gate's go is how a deal is won, so
ATC counts only its holds and rounds; a closed deal's "now" is its closing day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum
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
    """Deal ids (ascending), their features, and for closed deals whether each was won."""

    ids: np.ndarray
    X: np.ndarray
    won: np.ndarray  # 1.0 won, 0.0 lost or abandoned, nan while open


def _place_batch(matrix: Matrix, batch: list, columns: list[str]) -> None:
    data = np.nan_to_num(np.array(batch, dtype=np.float64), nan=0.0)
    keys = data[:, 0].astype(np.int64)
    at = np.clip(np.searchsorted(matrix.ids, keys), 0, len(matrix.ids) - 1)
    hit = matrix.ids[at] == keys
    for j, name in enumerate(columns, start=1):
        matrix.X[at[hit], COLUMN[name]] = data[hit, j]


def _place(matrix: Matrix, rows, columns: list[str]) -> None:
    """Write grouped rows (deal id, values...) into `columns` of the matrix's rows, a chunk at
    a time (never a Python object per deal for the whole set)."""
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            _place_batch(matrix, batch, columns)
            batch = []
    if batch:
        _place_batch(matrix, batch, columns)


def _fetch(queryset, small: bool):
    """A few rows at once (one query, no server-side cursor), or many streamed in chunks."""
    return list(queryset) if small else queryset.iterator(chunk_size=CHUNK)


def _base(
    deals: QuerySet[Opportunity], now: float, small: bool
) -> tuple[Matrix, np.ndarray, np.ndarray]:
    """The deals' own columns, streamed in chunks; returns the matrix, owners and units."""
    rows = deals.order_by("id").values_list(
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
    if small:
        rows = list(rows)
        n = len(rows)
    else:
        n = deals.count()
        rows = rows.iterator(chunk_size=CHUNK)
    ids = np.empty(n, dtype=np.int64)
    X = np.zeros((n, len(NAMES)), dtype=np.float64)
    won = np.full(n, np.nan)
    owners = np.empty(n, dtype=np.int64)
    units = np.empty(n, dtype=np.int64)
    i = 0
    for pk, state, amount, margin, created, closed, owner, unit, tier, partner in rows:
        if i >= n:  # a deal added since the count: left for the next run
            break
        ids[i], owners[i], units[i] = pk, owner, unit
        end = closed.timestamp() if closed is not None and state in CLOSED_STAGES else now
        row = X[i]
        row[COLUMN["stage_reached"]] = STAGE_INDEX.get(state, 0)
        row[COLUMN["age_days"]] = max(0.0, (end - created.timestamp()) / DAY)
        row[COLUMN["days_since_gate"]] = end  # made relative once the gates are read
        row[COLUMN["tier_strategic"]] = tier == "strategic"
        row[COLUMN["tier_key"]] = tier == "key"
        row[COLUMN["log_amount"]] = math.log1p(max(float(amount or 0), 0.0))
        row[COLUMN["margin_pct"]] = float(margin or 0)
        row[COLUMN["with_partner"]] = partner is not None
        if state in CLOSED_STAGES:
            won[i] = 1.0 if state == Stage.WON else 0.0
        i += 1
    keep = slice(0, i)
    return Matrix(ids[keep], X[keep], won[keep]), owners[keep], units[keep]


def _gates(matrix: Matrix, deals, small: bool) -> None:
    kind_go = {kind: Q(kind=kind, state=GateState.GO) for kind in (GateKind.ATI, GateKind.ATB)}
    reviews = GateReview.objects.filter(
        subject_type=ContentType.objects.get_for_model(Opportunity),
        subject_id__in=deals,
        kind__in=[GateKind.ATI, GateKind.ATB, GateKind.ATC],
    )
    rows = (
        reviews.values("subject_id")
        .annotate(
            ati=Count("id", filter=kind_go[GateKind.ATI]),
            atb=Count("id", filter=kind_go[GateKind.ATB]),
            holds=Count("id", filter=Q(state=GateState.HOLD)),
            reworks=Sum(F("round") - 1),
            escalations=Count("id", filter=Q(escalated=True)),
            last=Max("decided_at", filter=~Q(kind=GateKind.ATC)),
        )
        .order_by()
        .values_list("subject_id", "ati", "atb", "holds", "reworks", "escalations", "last")
    )
    last = np.full(len(matrix.ids), np.nan)

    def counted():
        for pk, ati, atb, holds, reworks, escalations, decided in _fetch(rows, small):
            at = np.searchsorted(matrix.ids, pk)
            if decided is not None and at < len(matrix.ids) and matrix.ids[at] == pk:
                last[at] = decided.timestamp()
            yield (pk, min(ati, 1), min(atb, 1), holds, reworks or 0, escalations)

    _place(
        matrix,
        counted(),
        ["ati_passed", "atb_passed", "gate_holds", "gate_reworks", "gate_escalations"],
    )
    X = matrix.X
    # The furthest stage the gates vouch for (a closed deal's own stage is gone).
    X[:, COLUMN["stage_reached"]] = np.maximum.reduce(
        [
            X[:, COLUMN["stage_reached"]],
            X[:, COLUMN["ati_passed"]] * STAGE_INDEX[Stage.INITIATED],
            X[:, COLUMN["atb_passed"]] * STAGE_INDEX[Stage.BID_SUBMITTED],
        ]
    )
    end = X[:, COLUMN["days_since_gate"]]
    since = np.where(np.isnan(last), X[:, COLUMN["age_days"]], (end - last) / DAY)
    X[:, COLUMN["days_since_gate"]] = np.maximum(since, 0.0)


def _chain(matrix: Matrix, deals, small: bool) -> None:
    rows = (
        DecisionChainMember.objects.filter(opportunity__in=deals)
        .values("opportunity_id")
        .annotate(
            members=Count("id"),
            roles=Count("role", distinct=True),
            dm=Count("id", filter=Q(role="decision_maker")),
            supporters=Count("id", filter=Q(stance="supporter")),
            opponents=Count("id", filter=Q(stance="opponent")),
            coaches=Count("id", filter=Q(coach_level__in=["advises", "sways"])),
            relationship=Avg("relationship"),
        )
        .order_by()
        .values_list(
            "opportunity_id",
            "members",
            "roles",
            "dm",
            "supporters",
            "opponents",
            "coaches",
            "relationship",
        )
    )
    _place(
        matrix,
        _fetch(rows, small),
        [
            "chain_members",
            "chain_roles",
            "chain_decision_maker",
            "chain_supporters",
            "chain_opponents",
            "chain_coaches",
            "chain_relationship",
        ],
    )
    column = matrix.X[:, COLUMN["chain_decision_maker"]]
    np.minimum(column, 1.0, out=column)


def _competition(matrix: Matrix, deals, small: bool) -> None:
    rows = (
        OpportunityCompetitor.objects.filter(opportunity__in=deals)
        .values("opportunity_id")
        .annotate(
            n=Count("id"),
            incumbent=Count("id", filter=Q(is_incumbent=True)),
            cheaper=Count("id", filter=Q(price_position="below")),
        )
        .order_by()
        .values_list("opportunity_id", "n", "incumbent", "cheaper")
    )
    _place(
        matrix,
        _fetch(rows, small),
        ["competitors", "competitor_incumbent", "competitor_cheaper"],
    )
    column = matrix.X[:, COLUMN["competitor_incumbent"]]
    np.minimum(column, 1.0, out=column)
    rows = (
        Quote.objects.filter(opportunity__in=deals)
        .exclude(state__in=[QuoteState.WITHDRAWN, QuoteState.DRAFT])
        .values("opportunity_id")
        .annotate(discount=Max("discount_pct"), special=Count("id", filter=Q(special_price=True)))
        .order_by()
        .values_list("opportunity_id", "discount", "special")
    )
    _place(matrix, _fetch(rows, small), ["discount_pct", "special_price"])
    column = matrix.X[:, COLUMN["special_price"]]
    np.minimum(column, 1.0, out=column)


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
        pairs = np.array([table.get(str(k), (0, 0)) for k in keys], dtype=np.float64)
        pairs = pairs.reshape(len(keys), 2)
        n = pairs[:, 0] - is_closed
        w = pairs[:, 1] - own
        matrix.X[:, COLUMN[name]] = (np.maximum(w, 0) + PRIOR * base) / (np.maximum(n, 0) + PRIOR)


def build(deals: QuerySet[Opportunity], past: dict | None = None, small: bool = False) -> Matrix:
    """The feature matrix of `deals` (any queryset of opportunities), in ascending id order.
    `past`: the reps' and units' records (`history`; read when None); `small`: a few deals
    (one deal on demand), fetched without cursors and named by id in the other queries."""
    deals = deals.order_by()
    now = timezone.now().timestamp()
    matrix, owners, units = _base(deals, now, small)
    if len(matrix.ids):
        named = matrix.ids.tolist() if small else deals.values("id")
        _gates(matrix, named, small)
        _chain(matrix, named, small)
        _competition(matrix, named, small)
        _history(matrix, owners, units, history() if past is None else past)
    return matrix


def closed_deals() -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(state__in=CLOSED_STAGES)


def open_deals() -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(state__in=OPEN_STAGES)
