"""Reads on leads; every one goes through the access policy."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import User
from core import fsm, policy

from .choices import OPEN_STATES, LeadState
from .models import DistributionRule, Lead, LeadCaptureSource

#: The board's columns, left to right.
BOARD_STATES = [*OPEN_STATES, LeadState.CONVERTED, LeadState.DISQUALIFIED]
BOARD_CARDS = 30


def lead_list(*, user: User) -> QuerySet[Lead]:
    return policy.restrict(Lead.objects.select_related("customer", "owner", "org_unit"), user)


def lead_home(*, user: User) -> dict | None:
    """The rep's open leads (a manager: the unit's), best score first."""
    if not policy.may(user, "sales.work"):
        return None
    mine = lead_list(user=user).filter(state__in=OPEN_STATES)
    if not policy.may(user, "home.funnel_and_team"):
        mine = mine.filter(owner=user)
    return {"leads": list(mine.order_by("-score", "-id")[:8])}


def lead_board(*, user: User, queryset: QuerySet[Lead], per_column: int = BOARD_CARDS) -> list:
    """The leads by state: each column's count and its best-scored cards, each card with the
    transitions the user may run on it. A fixed number of queries whatever the size: one
    count, one query per column, one for what the user may change."""
    counts = dict(
        queryset.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    columns = []
    for state in BOARD_STATES:
        cards = list(queryset.filter(state=state).order_by("-score", "-id")[:per_column])
        columns.append({"state": state, "label": LeadState(state).label, "cards": cards})
    changeable = policy.changeable_ids(
        queryset, user, [card.pk for column in columns for card in column["cards"]]
    )
    for column in columns:
        column["count"] = counts.get(column["state"], 0)
        column["more"] = column["count"] - len(column["cards"])
        for card in column["cards"]:
            card.transitions = fsm.available_transitions(
                card, user, may_change=card.pk in changeable
            )
    return columns


def lead_verification_missing(*, lead: Lead) -> dict[str, list[str]]:
    """What keeps a lead in verification from being verified, {field: [messages]}, read from
    the verify transition's own guards (empty for a lead not in verification)."""
    if lead.state != LeadState.VERIFYING:
        return {}
    return fsm.unmet(lead, "verify")


def distribution_rule_list(*, user: User) -> QuerySet[DistributionRule]:
    """Rules a user may see: a manager's subtree's, a rep's own unit's (the policy)."""
    return policy.restrict(
        DistributionRule.objects.select_related("org_unit", "team", "last_assigned"), user
    ).prefetch_related("assignees")


def capture_source_list(*, user: User) -> QuerySet[LeadCaptureSource]:
    if not policy.may(user, "leads.administer"):
        return LeadCaptureSource.objects.none()
    return LeadCaptureSource.objects.select_related("org_unit")
