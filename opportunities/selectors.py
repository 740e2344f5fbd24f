"""Reads on opportunities; every one goes through the access policy.

For later stages and key-account planning: `approved_quote(opportunity)` is "the" quote
(lines, totals, tax) a contract draft is made from; `weighted_pipeline` and
`forecast_by_period` (re-exported from `opportunities.forecast`) sum the weighted pipeline per
period for a rep or an org unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from core import policy
from core.choices import GateState
from core.models import AuditEvent, GateReview

from .choices import CLOSED_STAGES, OPEN_STAGES, QuoteState, Stage, WinLossReason
from .forecast import (
    Period,
    forecast_by_period,
    stage_probabilities,
    stage_probability,
    weighted_amount,
    weighted_pipeline,
)
from .models import (
    AgreementPrice,
    Bid,
    BidChecklistItem,
    BidSection,
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
    Quote,
    QuoteLine,
)
from .pricing import may_approve_quote, quotes_awaiting_approval_q
from .stuck import mark_stuck, stuck_q

__all__ = [
    "Period",
    "approved_quote",
    "bid_of",
    "board",
    "decision_chain_map",
    "forecast_by_period",
    "opportunity_competitors",
    "opportunity_home",
    "opportunity_list",
    "opportunity_timeline",
    "pipeline_by_stage",
    "quote_list",
    "quotes_awaiting_approval",
    "stage_probabilities",
    "stage_probability",
    "weighted_amount",
    "weighted_pipeline",
    "win_loss_by_competitor",
    "win_loss_by_reason",
]


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    return policy.restrict(
        Opportunity.objects.select_related("customer", "owner", "org_unit").prefetch_related(
            "team__members__user"
        ),
        user,
    )


def bid_list(*, user: User) -> QuerySet[Bid]:
    return policy.restrict(
        Bid.objects.select_related("quote", "opportunity").prefetch_related(
            Prefetch("sections", queryset=BidSection.objects.select_related("owner")),
            "checklist",
        ),
        user,
    )


def bid_section_list(*, user: User) -> QuerySet[BidSection]:
    return policy.restrict(BidSection.objects.select_related("owner", "bid"), user)


def bid_checklist_list(*, user: User) -> QuerySet[BidChecklistItem]:
    return policy.restrict(BidChecklistItem.objects.select_related("bid"), user)


def decision_chain_list(*, user: User) -> QuerySet[DecisionChainMember]:
    return policy.restrict(
        DecisionChainMember.objects.select_related("contact", "opportunity"), user
    )


def opportunity_competitor_list(*, user: User) -> QuerySet[OpportunityCompetitor]:
    return policy.restrict(
        OpportunityCompetitor.objects.select_related("competitor", "opportunity"), user
    )


def pipeline_by_stage(*, user: User) -> list[dict]:
    """Open opportunities the user may see: count and amount per stage and currency (SQL)."""
    return list(
        policy.restrict_figures(Opportunity.objects.all(), user)
        .filter(state__in=OPEN_STAGES)
        .values("state", "currency")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("state", "currency")
    )


def opportunity_home(*, user: User) -> dict | None:
    if not policy.may(user, "sales.work"):
        return None
    labels = dict(Stage.choices)
    rows = pipeline_by_stage(user=user)
    order = {stage: i for i, stage in enumerate(OPEN_STAGES)}
    rows.sort(key=lambda r: order[r["state"]])
    return {"stages": [{**r, "label": labels[r["state"]]} for r in rows]}


# --- Quotes --------------------------------------------------------------------------------------


def _quote_lines() -> Prefetch:
    return Prefetch("lines", queryset=QuoteLine.objects.select_related("product"))


def approved_quote(opportunity: Opportunity) -> Quote | None:
    """ "The" quote of the opportunity: the approved one, with its lines (and their products)
    and totals (list, net, tax, total incl. tax, cost, margin), or None. The opportunity's
    amount equals its `total` while it stands."""
    return (
        Quote.objects.filter(opportunity=opportunity, state=QuoteState.APPROVED)
        .prefetch_related(_quote_lines())
        .first()
    )


def quote_list(*, user: User) -> QuerySet[Quote]:
    """Quotes the user may see: those of opportunities they may see, plus the special prices
    waiting for their approval or decided by them (a configured pricing approver may sit
    outside the opportunity's team and unit)."""
    visible = policy.scope_q(Quote, user, "view")
    if visible is not None:
        visible |= quotes_awaiting_approval_q(user) | Q(decided_by=user)
    queryset = Quote.objects.select_related(
        "opportunity__org_unit",
        "opportunity__customer",
        "created_by",
        "submitted_by",
        "decided_by",
    ).prefetch_related(_quote_lines())
    return queryset if visible is None else queryset.filter(visible)


def quotes_awaiting_approval(*, user: User) -> list[Quote]:
    """Quotes waiting for this user's special-price decision, oldest first."""
    candidates = (
        Quote.objects.filter(quotes_awaiting_approval_q(user))
        .select_related("opportunity__org_unit", "opportunity__customer", "submitted_by")
        .order_by("submitted_at", "id")[:200]
    )
    return [q for q in candidates if may_approve_quote(user, q)]


# --- Decision chain, competitors, bid ------------------------------------------------------------


def decision_chain_map(opportunity: Opportunity) -> dict:
    """The decision chain grouped by role, in the order the map shows them, with a summary:
    how many supporters and opponents, and whether we have a guide who can sway the decision."""
    from .choices import ChainRole, CoachLevel, Stance

    members = list(
        DecisionChainMember.objects.filter(opportunity=opportunity)
        .select_related("contact", "reports_to__contact")
        .order_by("-relationship", "id")
    )
    by_role = defaultdict(list)
    for member in members:
        by_role[member.role].append(member)
    stances = defaultdict(int)
    for member in members:
        stances[member.stance] += 1
    return {
        "lanes": [
            {"role": role, "label": label, "members": by_role.get(role, [])}
            for role, label in ChainRole.choices
        ],
        "members": members,
        "supporters": stances[Stance.SUPPORTER],
        "neutral": stances[Stance.NEUTRAL],
        "opponents": stances[Stance.OPPONENT],
        "has_coach": any(m.coach_level == CoachLevel.SWAYS for m in members),
        "decision_maker_supports": any(
            m.role == ChainRole.DECISION_MAKER and m.stance == Stance.SUPPORTER for m in members
        ),
    }


def opportunity_competitors(opportunity: Opportunity) -> list[OpportunityCompetitor]:
    rank = {"high": 0, "medium": 1, "low": 2}
    entries = list(
        OpportunityCompetitor.objects.filter(opportunity=opportunity).select_related("competitor")
    )
    return sorted(entries, key=lambda e: (rank.get(e.threat, 3), e.competitor.name))


def bid_of(opportunity: Opportunity) -> Bid | None:
    return (
        Bid.objects.filter(opportunity=opportunity)
        .select_related("quote", "submitted_by")
        .prefetch_related(
            Prefetch("sections", queryset=BidSection.objects.select_related("owner")),
            Prefetch("checklist", queryset=BidChecklistItem.objects.select_related("done_by")),
        )
        .first()
    )


# --- Timeline ------------------------------------------------------------------------------------


def opportunity_timeline(opportunity: Opportunity) -> QuerySet[AuditEvent]:
    """Everything audited on the opportunity, its source lead, its quotes, bid (sections and
    checklist), decision chain and competitors: one query, newest first."""

    def on(model, ids) -> Q:
        return Q(
            target_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            target_id__in=ids,
        )

    q = on(Opportunity, [opportunity.pk])
    if opportunity.lead_id:
        q |= on(opportunity.lead, [opportunity.lead_id])
    q |= on(Quote, Quote.objects.filter(opportunity=opportunity).values("pk"))
    q |= on(Bid, Bid.objects.filter(opportunity=opportunity).values("pk"))
    q |= on(BidSection, BidSection.objects.filter(bid__opportunity=opportunity).values("pk"))
    q |= on(
        BidChecklistItem, BidChecklistItem.objects.filter(bid__opportunity=opportunity).values("pk")
    )
    q |= on(
        DecisionChainMember,
        DecisionChainMember.objects.filter(opportunity=opportunity).values("pk"),
    )
    q |= on(
        OpportunityCompetitor,
        OpportunityCompetitor.objects.filter(opportunity=opportunity).values("pk"),
    )
    return AuditEvent.objects.filter(q).select_related("actor", "target_type")


# --- Pipeline board ------------------------------------------------------------------------------

BOARD_STAGES = [*OPEN_STAGES, Stage.WON]
BOARD_WON_DAYS = 90  # the won column shows the deals won in the last this many days


def board(
    *, user: User, per_stage: int = 50, filters: dict | None = None, stuck: bool = False
) -> dict:
    """The pipeline board: a column per open stage and one of the deals won in the last
    `BOARD_WON_DAYS` days, each with its count and amount per currency (SQL) and its first
    `per_stage` cards (soonest expected close first), whether each card has an open gate
    review, whether each is stuck (`stuck=True`: only those), and which cards the user may
    move. A query per column, however long the pipeline: each reads only its first cards along
    the (state, expected close) index."""
    won_since = timezone.now() - dt.timedelta(days=BOARD_WON_DAYS)
    base = (
        policy.restrict(Opportunity.objects.all(), user)
        .filter(state__in=BOARD_STAGES)
        .exclude(state=Stage.WON, closed_at__lt=won_since)
    )
    if filters:
        base = base.filter(**filters)
    if stuck:
        base = base.filter(stuck_q())
    # Each card says whether its amount is shown; a column's total sums only those (a role
    # that shows deals without their amounts must not show their sum either).
    base, hiding = policy.with_amounts_shown(base, user)
    summed = Sum("amount", filter=Q(amounts_shown=True)) if hiding else Sum("amount")
    totals = defaultdict(list)
    for row in (
        base.values("state", "currency")
        .annotate(count=Count("id"), amount=Coalesce(summed, Value(Decimal(0))))
        .order_by("state", "currency")
    ):
        totals[row["state"]].append(row)
    order = [F("expected_close_date").asc(nulls_last=True), F("id").desc()]
    cards = [
        card
        for stage in BOARD_STAGES
        if totals[stage]
        for card in base.filter(state=stage)
        .select_related("customer", "owner")
        .order_by(*order)[:per_stage]
    ]
    # Asked of the chosen cards only, in one query: as a subquery of each column's query
    # PostgreSQL hashes every open review in the company.
    open_reviews = list(
        GateReview.objects.filter(
            subject_type=ContentType.objects.get_for_model(Opportunity),
            subject_id__in=[c.pk for c in cards],
            state=GateState.OPEN,
        ).values_list("subject_id", "kind", "created_at")
    )
    reviewed = {subject_id for subject_id, _kind, _opened in open_reviews}
    mark_stuck(cards, open_reviews)
    for card in cards:
        card.has_open_review = card.pk in reviewed
    columns = []
    for stage in BOARD_STAGES:
        in_stage = [c for c in cards if c.state == stage]
        count = sum(r["count"] for r in totals[stage])
        columns.append(
            {
                "stage": stage,
                "label": Stage(stage).label,
                "count": count,
                "totals": totals[stage],
                "cards": in_stage,
                "more": max(0, count - len(in_stage)),
            }
        )
    return {
        "columns": columns,
        "changeable": policy.changeable_ids(base, user, [c.pk for c in cards]),
    }


# --- Win/loss reports ----------------------------------------------------------------------------


def _closed(user: User, period: Period | None) -> QuerySet[Opportunity]:
    queryset = policy.restrict_figures(Opportunity.objects.all(), user).filter(
        state__in=CLOSED_STAGES
    )
    if period is not None:
        queryset = queryset.filter(
            closed_at__date__gte=period.start, closed_at__date__lte=period.end
        )
    return queryset


def win_loss_by_reason(*, user: User, period: Period | None = None) -> list[dict]:
    """Closed opportunities the user may see, by outcome and reason code: count and amount per
    currency (one SQL aggregate). A blank code is a reason not recorded yet."""
    labels = dict(WinLossReason.choices)
    rows = (
        _closed(user, period)
        .values("state", "close_reason_code", "currency")
        .annotate(count=Count("id"), amount=Coalesce(Sum("amount"), Value(Decimal(0))))
        .order_by("state", "close_reason_code", "currency")
    )
    return [{**row, "reason_label": labels.get(row["close_reason_code"], "")} for row in rows]


def win_loss_by_competitor(*, user: User, period: Period | None = None) -> list[dict]:
    """Per competitor: on how many of the user's visible closed deals we met them, how many we
    won, lost (and lost to them) or abandoned, and the reason codes of those we lost to them."""
    closed = _closed(user, period)
    met = (
        OpportunityCompetitor.objects.filter(opportunity__in=closed.values("pk"))
        .values("competitor", "opportunity__state")
        .annotate(count=Count("opportunity", distinct=True))
    )
    lost_to = (
        closed.filter(state=Stage.LOST, lost_to__isnull=False)
        .values("lost_to", "close_reason_code")
        .annotate(count=Count("id"))
    )
    stats: dict[int, dict] = defaultdict(
        lambda: {"met": 0, "won": 0, "lost": 0, "abandoned": 0, "lost_to": 0, "reasons": {}}
    )
    for row in met:
        entry = stats[row["competitor"]]
        entry["met"] += row["count"]
        entry[row["opportunity__state"]] += row["count"]
    labels = dict(WinLossReason.choices)
    for row in lost_to:
        entry = stats[row["lost_to"]]
        entry["lost_to"] += row["count"]
        label = str(labels.get(row["close_reason_code"], "—"))
        entry["reasons"][label] = entry["reasons"].get(label, 0) + row["count"]
    names = dict(Competitor.objects.filter(pk__in=stats).values_list("pk", "name"))
    result = [
        {
            "competitor": pk,
            "name": names.get(pk, ""),
            **values,
            "win_rate_pct": (
                round(Decimal(values["won"] * 100) / (values["won"] + values["lost"]), 1)
                if values["won"] + values["lost"]
                else None
            ),
        }
        for pk, values in stats.items()
    ]
    return sorted(result, key=lambda r: (-r["met"], r["name"]))


def agreement_price_list(*, user):
    """Agreement prices the user may see (the access policy: their own and their units')."""
    return policy.restrict(
        AgreementPrice.objects.select_related(
            "customer", "partner", "product", "created_by", "org_unit"
        ),
        user,
        "view",
    )
