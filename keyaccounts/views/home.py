"""The key-account panel on the home page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import policy

from ..selectors import action_list, planning, target_list
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
