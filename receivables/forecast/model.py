"""The forecast's statistics, in plain Python over small histograms (ADR 29).

A milestone's days late (paid date − due date) is predicted from the days-late histogram of
its customer's paid milestones of the same kind, blended with a pool of similar customers:
the customer's tier, else its industry, else every customer (same kind), whichever first has
`POOL_MIN` paid milestones. The blend weights the customer by n / (n + PRIOR), n being its
paid milestones of that kind (an empirical-Bayes shrinkage toward the pool: a customer with
no history is the pool; with many, mostly itself). A milestone still open on the day of the
forecast cannot have been paid before it, so the blend is cut to the days late from then on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..models import ForecastBasis

#: How many paid milestones a customer's own history counts as in the blend's denominator:
#: with PRIOR of its own it weighs as much as the pool.
PRIOR = 3
#: A pool needs this many paid milestones to be used.
POOL_MIN = 5
#: Ten equally likely days late: the 5th, 15th … 95th percentile.
LEVELS = [(2 * i + 1) / 20 for i in range(10)]
#: When history has no payment as late as the milestone already is: expect it in a month.
BEYOND_HISTORY = 30


@dataclass(frozen=True)
class Prediction:
    """Days late of one milestone: ten equally likely values, their median, the chance of
    payment by the due date, and what the prediction rests on."""

    days: list[int]
    median: int
    p_by_due: float
    basis: str
    own_count: int
    pool_count: int


@dataclass
class History:
    """Paid milestones' days late, counted per (customer, kind) and per pool key:
    ("tier", tier, kind), ("industry", industry, kind), ("kind", kind)."""

    own: dict[tuple, Counter]
    pools: dict[tuple, Counter]

    @classmethod
    def from_rows(cls, rows) -> History:
        """From (customer, tier, industry, kind, days_late, count) rows (an SQL GROUP BY)."""
        own: dict[tuple, Counter] = {}
        pools: dict[tuple, Counter] = {}
        for customer, tier, industry, kind, days_late, count in rows:
            for key, table in (
                ((customer, kind), own),
                (("tier", tier, kind), pools),
                (("industry", industry, kind), pools),
                (("kind", kind), pools),
            ):
                table.setdefault(key, Counter())[days_late] += count
        return cls(own, pools)

    def pool(self, tier: str, industry: str, kind: str) -> tuple[str, Counter]:
        """The first pool with enough history, and its basis."""
        for basis, key in (
            (ForecastBasis.TIER, ("tier", tier, kind)),
            (ForecastBasis.INDUSTRY, ("industry", industry, kind)),
            (ForecastBasis.KIND, ("kind", kind)),
        ):
            counts = self.pools.get(key)
            if counts and counts.total() >= POOL_MIN:
                return basis, counts
        return ForecastBasis.PLAN, Counter()


def _quantile(weights: list[tuple[int, float]], level: float) -> int:
    """The smallest value whose cumulative weight reaches `level` (weights sorted, sum 1)."""
    cumulative = 0.0
    for value, weight in weights:
        cumulative += weight
        if cumulative >= level - 1e-9:
            return value
    return weights[-1][0]


def predict(
    history: History, *, customer: int, tier: str, industry: str, kind: str, elapsed: int
) -> Prediction:
    """Days late of an open milestone of `customer` that was already `elapsed` days past its
    due date (negative: not due yet) on the day of the forecast."""
    own = history.own.get((customer, kind), Counter())
    n = own.total()
    basis, pool = history.pool(tier, industry, kind)
    m = pool.total()
    weight = n / (n + PRIOR) if m else (1.0 if n else 0.0)
    blend: Counter = Counter()
    for counts, share, total in ((own, weight, n), (pool, 1 - weight, m)):
        if total and share:
            for days_late, count in counts.items():
                blend[days_late] += share * count / total
    if n >= PRIOR:
        basis = ForecastBasis.CUSTOMER
    kept = sorted((d, w) for d, w in blend.items() if d >= elapsed)
    mass = sum(w for _d, w in kept)
    if not blend:  # no history at all: the plan's due date (or today when overdue)
        days = [max(elapsed, 0)] * 10
    elif mass <= 0:
        days = [elapsed + BEYOND_HISTORY] * 10
    else:
        weights = [(d, w / mass) for d, w in kept]
        days = [_quantile(weights, level) for level in LEVELS]
    on_time = sum(w for d, w in kept if d <= 0) / mass if mass > 0 else float(elapsed <= 0)
    if not blend:
        on_time = 1.0 if elapsed <= 0 else 0.0
    return Prediction(
        days=days,
        median=_quantile([(d, 0.1) for d in days], 0.5),
        p_by_due=round(on_time, 3),
        basis=basis,
        own_count=n,
        pool_count=m,
    )
