"""The key-account panels on the home page: targets and the role's charts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core import policy

from ..charts import chart
from ..selectors import action_list, homes, planning, target_list
from ..selectors.periods import year as year_period


def home_panel(user) -> dict | None:
    """Home: a rep's or manager's targets at a glance, coverage warnings and due actions."""
    if not policy.may(user, "keyaccounts.targets_panel"):
        return None
    year = timezone.localdate().year
    targets = target_list(user=user).filter(year=year)
    if policy.may(user, "keyaccounts.own_targets_only"):
        targets = targets.filter(user=user)
    targets = list(targets[:20])
    figures = planning.attainment(targets, year_period(year), user=user)
    short = [r for r in planning.coverage(targets, None, user=user) if r["short"]]
    today = timezone.localdate()
    actions = list(
        action_list(user=user)
        .filter(owner=user, status="open", due_on__lte=today + dt.timedelta(days=14))
        .order_by("due_on")[:10]
    )
    if not (targets or actions):
        return None
    return {
        "targets": [{"obj": t, **figures[t.pk]} for t in targets],
        "short": short,
        "actions": actions,
        "today": today,
    }


def home_charts(user) -> dict | None:
    """Home: the picture that answers the role's first question, with its numbers beside it.
    A manager: the team's funnel by stage and this quarter's coverage of the target; an office
    director: the escalations waiting and the office's commit against target (and the funnel);
    finance: receivables by age and this month's cash-in against plan."""
    found: dict = {}
    if policy.may(user, "home.funnel_and_team"):
        stages = homes.team_funnel(user)
        found["funnel"] = {
            "stages": stages,
            "currency": homes.CURRENCY,
            "chart": chart(
                "bar",
                [s["label"] for s in stages],
                [
                    {"label": _("Amount"), "data": [s["amount"] for s in stages]},
                    {"label": _("Weighted"), "data": [s["weighted"] for s in stages]},
                ],
                horizontal=True,
            ),
        }
    if policy.may(user, "keyaccounts.home_coverage"):
        found["coverage"] = _with_chart(
            homes.quarter_coverage(user),
            lambda c: [
                {"label": _("Target"), "data": [c["period_target"]]},
                {"label": _("Orders signed"), "data": [c["actual"]], "tone": "gain"},
                {"label": _("Weighted pipeline"), "data": [c["weighted_pipeline"]]},
                {"label": _("Needed"), "data": [c["remaining"] * c["required"]]},
            ],
        )
    if policy.may(user, "keyaccounts.home_office"):
        found["escalations"] = homes.escalations_waiting(user)
        found["commit"] = _with_chart(
            homes.office_commit(user),
            lambda c: [
                {"label": _("Target"), "data": [c["target"]]},
                {"label": _("Committed"), "data": [c["committed"]]},
                {"label": _("Orders signed"), "data": [c["won"]], "tone": "gain"},
            ],
        )
    if policy.may(user, "keyaccounts.home_cash"):
        aged = homes.receivables_by_age(user)
        found["ageing"] = {
            **aged,
            "charts": [
                {
                    "id": f"home-ageing-{row['currency'].lower()}",
                    "currency": row["currency"],
                    "total": row["total"],
                    "bars": [
                        {**bucket, "amount": amount}
                        for bucket, amount in zip(aged["buckets"], row["cells"], strict=True)
                    ],
                    "spec": chart(
                        "bar",
                        [b["label"] for b in aged["buckets"]],
                        [
                            {
                                "label": _("Outstanding"),
                                "data": row["cells"],
                                "tones": ["", "loss", "loss", "loss", "loss"],
                            }
                        ],
                    ),
                }
                for row in aged["totals"]
            ],
        }
        found["cash_in"] = _with_chart(
            homes.cash_in_this_month(user),
            lambda c: [
                {"label": _("Planned this month"), "data": [c["planned"]]},
                {"label": _("Received"), "data": [c["received"]], "tone": "gain"},
            ],
        )
    return found or None


def _with_chart(figures: dict | None, datasets) -> dict | None:
    """The figures with a one-bar-per-measure chart of them (None stays None)."""
    if figures is None:
        return None
    return {**figures, "chart": chart("bar", [""], datasets(figures))}
