"""The funnel rollup, read: the manager funnel pre-aggregated by Celery beat (see `FunnelRollup`;
the refresh is a write, in `services/rollups.py`).

`funnel_parts()` answers the funnel's stage, conversion, ageing and win figures from the rollup
for a viewer whose access is a whole org subtree (sales managers, administrators) and a period
of whole months, and returns None otherwise (reps, custom date ranges, no refresh yet), when the
live aggregate is used. The figures equal the live aggregate as of the last refresh (full or
incremental, ADR 33); ages are carried forward to now, and "over 30 days" is counted at the
refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Min, Sum
from django.utils import timezone

from accounts.models import User
from core import policy
from core.models import RollupRefresh
from opportunities.choices import OPEN_STAGES, Stage
from opportunities.models import Opportunity

from ..models import FunnelRollup

LINEAR = [*OPEN_STAGES, Stage.WON]


def _duration(value) -> dt.timedelta | None:
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))  # SQLite sums durations as microseconds


def covers(user: User, f) -> bool:
    """Whether the rollup can answer this viewer's funnel: their access is a whole subtree
    (or everything) and the period is whole months."""
    whole, _root = policy.subtree_scope(Opportunity, user, "see_amounts")
    if not whole:
        return False
    start, end = f.period.start, f.period.end
    return start.day == 1 and (end + dt.timedelta(days=1)).day == 1


def _rows(user: User, f, kind: str):
    rows = FunnelRollup.objects.filter(
        kind=kind,
        currency=f.currency,
        month__gte=f.period.start,
        month__lte=f.period.end,
    )
    _whole, root = policy.subtree_scope(Opportunity, user, "see_amounts")
    if root is not None:
        rows = rows.filter(org_unit__path__startswith=root.path)
    if f.unit is not None:
        rows = rows.filter(org_unit__path__startswith=f.unit.path)
    if f.product_line:
        rows = rows.filter(product_line=f.product_line)
    return rows


def funnel_parts(user: User, f) -> dict | None:
    """The funnel's stages, reached counts, ageing and wins from the rollup, or None when the
    rollup cannot answer (see `covers`) or was never refreshed."""
    if not covers(user, f):
        return None
    # Figures are as of the last refresh, full or incremental (core.rollups); rows the
    # incremental one left alone keep their own stamp, to which their ages are carried forward.
    last = RollupRefresh.objects.filter(rollup="funnel").values_list("refreshed_at", flat=True)
    refreshed_at = last.first()
    if refreshed_at is None:
        return None
    now = timezone.now()

    stages: dict[str, dict] = defaultdict(lambda: {"count": 0, "amount": 0})
    reached = {stage: 0 for stage in LINEAR}
    current: dict[str, dict] = {}
    for r in (
        _rows(user, f, "cohort")
        .values("state", "reached", "refreshed_at")
        .annotate(
            n=Sum("count"),
            amount_sum=Sum("amount"),
            age_sum=Sum("duration"),
            oldest_at=Min("oldest"),
            stale_n=Sum("stale"),
        )
        .order_by()
    ):
        stage = stages[r["state"]]
        stage["count"] += r["n"]
        stage["amount"] += r["amount_sum"]
        for i, name in enumerate(LINEAR):
            if r["reached"] >= i:
                reached[name] += r["n"]
        if r["state"] in OPEN_STAGES:
            now_row = current.setdefault(
                r["state"], {"count": 0, "age": dt.timedelta(0), "oldest": None, "stale": 0}
            )
            now_row["count"] += r["n"]
            carried = (now - r["refreshed_at"]) * r["n"]
            now_row["age"] += (_duration(r["age_sum"]) or dt.timedelta(0)) + carried
            now_row["stale"] += r["stale_n"]
            if r["oldest_at"] is not None and (
                now_row["oldest"] is None or r["oldest_at"] < now_row["oldest"]
            ):
                now_row["oldest"] = r["oldest_at"]
    for row in current.values():
        row["avg_age"] = row["age"] / row["count"] if row["count"] else None
        row["max_age"] = now - row["oldest"] if row["oldest"] else None

    stays = {
        r["state"]: {"left": r["n"], "avg_stay": _duration(r["stay_sum"]) / r["n"]}
        for r in _rows(user, f, "stay")
        .values("state")
        .annotate(n=Sum("count"), stay_sum=Sum("duration"))
        .order_by()
        if r["n"]
    }
    outcome = {
        r["state"]: r
        for r in _rows(user, f, "closed")
        .values("state")
        .annotate(n=Sum("count"), amount_sum=Sum("amount"), cycle_sum=Sum("duration"))
        .order_by()
    }
    gates = []
    for r in (
        _rows(user, f, "gate")
        .values("state")
        .annotate(n=Sum("count"), escalated_n=Sum("stale"))
        .order_by("state")
    ):
        kind, state = r["state"].split(":", 1)
        gates.append({"kind": kind, "state": state, "count": r["n"], "escalated": r["escalated_n"]})
    gates.sort(key=lambda g: (g["kind"], g["state"]))
    return {
        "refreshed_at": refreshed_at,
        "gates": gates,
        "stages": stages,
        "reached": reached,
        "current": current,
        "stays": stays,
        "outcome": outcome,
    }
